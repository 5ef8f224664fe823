"""feedback, improvement actions, digest runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_feedback_submitted_on", "feedback", ["submitted_on"])
    op.create_table(
        "improvement_action",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("practice_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("adopted_by", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("construct_id", sa.String(length=64), nullable=False),
        sa.Column("success_measure", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress_note", sa.String(length=500), nullable=True),
        sa.Column("outcome_note", sa.String(length=500), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("before_round_id", sa.String(length=32), nullable=True),
        sa.Column("before_value", sa.Float(), nullable=True),
        sa.Column("before_low", sa.Float(), nullable=True),
        sa.Column("before_high", sa.Float(), nullable=True),
        sa.Column("after_round_id", sa.String(length=32), nullable=True),
        sa.Column("after_value", sa.Float(), nullable=True),
        sa.Column("after_low", sa.Float(), nullable=True),
        sa.Column("after_high", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_improvement_action_status", "improvement_action", ["status"])
    op.create_table(
        "digest_run",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("posted_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("digest_run")
    op.drop_index("ix_improvement_action_status", table_name="improvement_action")
    op.drop_table("improvement_action")
    op.drop_index("ix_feedback_submitted_on", table_name="feedback")
    op.drop_table("feedback")
