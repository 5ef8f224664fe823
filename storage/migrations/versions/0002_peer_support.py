"""peer support: sessions, follow-ups, training

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:54:36.677924
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "support_session",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("supporter_id", sa.String(length=32), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("contact_channel", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=False),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("support_session", schema=None) as batch_op:
        batch_op.create_index(
            "ix_support_session_supporter_created", ["supporter_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_support_session_team_date", ["team_id", "session_date"], unique=False)

    op.create_table(
        "support_follow_up",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("snoozes", sa.Integer(), nullable=False),
        sa.Column("done_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["support_session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id"),
    )
    with op.batch_alter_table("support_follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_follow_up_due_on"), ["due_on"], unique=False)

    op.create_table(
        "support_training",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("supporter_id", sa.String(length=32), nullable=False),
        sa.Column("course_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("support_training", schema=None) as batch_op:
        batch_op.create_index(
            "ix_support_training_supporter_completed", ["supporter_id", "completed_on"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("support_training", schema=None) as batch_op:
        batch_op.drop_index("ix_support_training_supporter_completed")

    op.drop_table("support_training")
    with op.batch_alter_table("support_follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_follow_up_due_on"))

    op.drop_table("support_follow_up")
    with op.batch_alter_table("support_session", schema=None) as batch_op:
        batch_op.drop_index("ix_support_session_team_date")
        batch_op.drop_index("ix_support_session_supporter_created")

    op.drop_table("support_session")
