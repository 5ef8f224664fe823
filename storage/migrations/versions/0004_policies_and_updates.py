"""policy register, policy reviews, published "you said, we did" updates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "policy",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("review_interval_months", sa.Integer(), nullable=False),
        sa.Column("last_reviewed_on", sa.Date(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_policy_team_id", "policy", ["team_id"])
    op.create_table(
        "policy_review",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("recorded_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["policy_id"], ["policy.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_policy_review_policy_id", "policy_review", ["policy_id"])
    op.create_table(
        "published_update",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("action_id", sa.String(length=32), nullable=True),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("destination", sa.String(length=16), nullable=False),
        sa.Column("published_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_published_update_team_published", "published_update", ["team_id", "published_at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_published_update_team_published", table_name="published_update")
    op.drop_table("published_update")
    op.drop_index("ix_policy_review_policy_id", table_name="policy_review")
    op.drop_table("policy_review")
    op.drop_index("ix_policy_team_id", table_name="policy")
    op.drop_table("policy")
