"""answers dated by their round only

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 21:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Give every stored answer its round's opening date instead of the day it was clicked."""
    # Schema unchanged; only the values lose their precision. On PostgreSQL the old values stay in
    # dead tuples until the table is rewritten (the next round close runs VACUUM FULL on it).
    postgres = op.get_bind().dialect.name == "postgresql"
    # The UTC calendar date of the opening instant (SQLite keeps it as UTC text).
    if postgres:
        op.execute(
            "UPDATE survey_answer SET answered_on = (SELECT (survey_round.opened_at AT TIME ZONE 'UTC')::date"
            " FROM survey_round WHERE survey_round.id = survey_answer.round_id)"
        )
    else:
        op.execute(
            "UPDATE survey_answer SET answered_on = (SELECT date(survey_round.opened_at)"
            " FROM survey_round WHERE survey_round.id = survey_answer.round_id)"
        )


def downgrade() -> None:
    """Nothing to undo: the click dates are gone for good."""
