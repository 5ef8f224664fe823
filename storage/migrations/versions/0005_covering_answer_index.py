"""covering index for answer histograms

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Replace the (round, question) index with one that also covers the answer value."""
    op.drop_index("ix_survey_answer_round_question", table_name="survey_answer")
    op.create_index(
        "ix_survey_answer_round_question_value", "survey_answer", ["round_id", "question_id", "value"]
    )


def downgrade() -> None:
    """Back to the (round, question) index."""
    op.drop_index("ix_survey_answer_round_question_value", table_name="survey_answer")
    op.create_index("ix_survey_answer_round_question", "survey_answer", ["round_id", "question_id"])
