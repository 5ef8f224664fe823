"""pulse rounds, answers, participation, outbox

Revision ID: 0001
Revises:
Create Date: 2026-11-25 09:36:06.673597
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("round_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_round_id"), ["round_id"], unique=False)

    op.create_table(
        "processed_request",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("seen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("processed_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processed_request_seen_at"), ["seen_at"], unique=False)

    op.create_table(
        "pulse_optout",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "survey_round",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("schedule_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("opened_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.Column("answered_final", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "schedule_key"),
    )
    with op.batch_alter_table("survey_round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_round_closes_at"), ["closes_at"], unique=False)

    op.create_table(
        "round_participation",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("round_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_round.id"],
        ),
        sa.PrimaryKeyConstraint("key"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("round_participation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_participation_round_id"), ["round_id"], unique=False)

    op.create_table(
        "survey_answer",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("round_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("construct_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("ballot", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_round.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "question_id", "ballot"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_answer_construct_id"), ["construct_id"], unique=False)
        batch_op.create_index("ix_survey_answer_round_question", ["round_id", "question_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_answer_round_question")
        batch_op.drop_index(batch_op.f("ix_survey_answer_construct_id"))

    op.drop_table("survey_answer")
    with op.batch_alter_table("round_participation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_participation_round_id"))

    op.drop_table("round_participation")
    with op.batch_alter_table("survey_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_round_closes_at"))

    op.drop_table("survey_round")
    op.drop_table("pulse_optout")
    with op.batch_alter_table("processed_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_request_seen_at"))

    op.drop_table("processed_request")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_round_id"))
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox_message")
