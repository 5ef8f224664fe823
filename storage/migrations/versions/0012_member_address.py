"""member addresses: a person's direct conversation, its connector and their time zone (Teams)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add member_address (empty: Slack finds DM channels itself; Teams fills it from install events)."""
    op.create_table(
        "member_address",
        sa.Column("team_id", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("conversation_id", sa.String(length=512), nullable=False),
        sa.Column("service_url", sa.String(length=512), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    op.create_index("ix_member_address_conversation_id", "member_address", ["conversation_id"])


def downgrade() -> None:
    """Drop member_address (Teams then creates each person's conversation again on the next send)."""
    op.drop_index("ix_member_address_conversation_id", table_name="member_address")
    op.drop_table("member_address")
