"""index the outbox by recipient, for finding a person's DM conversation

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 01:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Let reconciliation find a recipient's DM conversation without scanning the outbox."""
    op.create_index("ix_outbox_recipient_channel", "outbox_message", ["recipient", "channel_id"])


def downgrade() -> None:
    """Drop the recipient index."""
    op.drop_index("ix_outbox_recipient_channel", table_name="outbox_message")
