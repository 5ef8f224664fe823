"""prefer not to say: a decline on a sensitive item is a flagged answer row without a value

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add survey_answer.declined (false for every row stored before: none of them was a decline)."""
    # A plain ADD COLUMN with a default on both backends: no table rebuild, the rows stay where they are.
    op.add_column(
        "survey_answer",
        sa.Column("declined", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    """Drop the declines (their rows, which carry nothing else) and the column."""
    op.execute(sa.text("DELETE FROM survey_answer WHERE declined"))
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild would lose the table's WITHOUT ROWID.
    op.drop_column("survey_answer", "declined")
