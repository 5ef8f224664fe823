"""improvement action history (append-only events), retired policies

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the action event log (seeded from the actions already stored) and the policy retirement columns."""
    op.create_table(
        "improvement_action_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=255), nullable=True),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["action_id"], ["improvement_action.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_improvement_action_event_action_id", "improvement_action_event", ["action_id"])
    # Existing actions keep what is known of their past: who adopted them and when, and when they
    # were closed (by whom was never recorded, so that stays empty rather than guessed).
    op.execute(
        "INSERT INTO improvement_action_event (action_id, kind, by, at, note) "
        "SELECT id, 'adopted', adopted_by, created_at, NULL FROM improvement_action ORDER BY created_at, id"
    )
    op.execute(
        "INSERT INTO improvement_action_event (action_id, kind, by, at, note) "
        "SELECT id, 'closed', NULL, closed_at, outcome_note FROM improvement_action "
        "WHERE closed_at IS NOT NULL ORDER BY closed_at, id"
    )
    with op.batch_alter_table("policy") as batch:
        batch.add_column(sa.Column("retired_at", storage.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("retired_by", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("retired_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    """Drop the retirement columns and the event log (their history goes with them)."""
    with op.batch_alter_table("policy") as batch:
        batch.drop_column("retired_reason")
        batch.drop_column("retired_by")
        batch.drop_column("retired_at")
    op.drop_index("ix_improvement_action_event_action_id", table_name="improvement_action_event")
    op.drop_table("improvement_action_event")
