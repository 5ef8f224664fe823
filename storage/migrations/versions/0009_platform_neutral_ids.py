"""platform-neutral ids: wide enough for any platform, outbox columns named for what they are

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Slack's ids fit in 32 characters; a Teams tenant is a 36-character GUID and its user and
# conversation ids run past 100, so every column holding a platform's id becomes 255 wide.
WIDENED = {
    "digest_run": ["team_id"],
    "feedback": ["team_id"],
    "improvement_action": ["team_id", "owner_id", "adopted_by"],
    "policy": ["team_id", "owner_id"],
    "policy_review": ["reviewed_by"],
    "published_update": ["team_id", "published_by"],
    "shown_quote_gram": ["team_id"],
    "support_session": ["team_id", "supporter_id"],
    "support_training": ["team_id", "supporter_id"],
    "survey_round": ["team_id"],
}


def upgrade() -> None:
    """Widen platform ids; rename the outbox's channel_id/message_ts to conversation/message_ref."""
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=sa.String(255), existing_type=sa.String(32))
    op.drop_index("ix_outbox_recipient_channel", table_name="outbox_message")
    with op.batch_alter_table("outbox_message") as batch:
        batch.alter_column("recipient", type_=sa.String(255), existing_type=sa.String(32))
        batch.alter_column(
            "channel_id", new_column_name="conversation", type_=sa.String(255), existing_type=sa.String(32)
        )
        batch.alter_column(
            "message_ts", new_column_name="message_ref", type_=sa.String(255), existing_type=sa.String(32)
        )
    op.create_index("ix_outbox_recipient_conversation", "outbox_message", ["recipient", "conversation"])


def downgrade() -> None:
    """Back to Slack-sized, Slack-named columns (fails if a wider id is stored)."""
    op.drop_index("ix_outbox_recipient_conversation", table_name="outbox_message")
    with op.batch_alter_table("outbox_message") as batch:
        batch.alter_column(
            "message_ref", new_column_name="message_ts", type_=sa.String(32), existing_type=sa.String(255)
        )
        batch.alter_column(
            "conversation", new_column_name="channel_id", type_=sa.String(32), existing_type=sa.String(255)
        )
        batch.alter_column("recipient", type_=sa.String(32), existing_type=sa.String(255))
    op.create_index("ix_outbox_recipient_channel", "outbox_message", ["recipient", "channel_id"])
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=sa.String(32), existing_type=sa.String(255))
