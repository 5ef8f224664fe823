"""SQLModel tables. Answer and participation tables are deliberately unlinkable (DESIGN.md)."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def random_id() -> str:
    """A random, non-sequential identifier (128 bits, hex)."""
    return secrets.token_hex(16)


def _utc(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class SurveyRound(SQLModel, table=True):
    """One pulse round: which questions were asked, when it opened and closes."""

    __tablename__ = "survey_round"
    __table_args__ = (UniqueConstraint("team_id", "schedule_key"),)

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    team_id: str = Field(max_length=32)
    # Names the schedule occurrence ("sched:2026-11-24") so a restart can never open it twice.
    schedule_key: str = Field(max_length=80)
    question_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    opened_at: datetime = _utc()
    closes_at: datetime = _utc(index=True)
    closed_at: datetime | None = _utc(nullable=True)
    invited: int = 0
    # Filled when the round closes and the participation rows are dropped.
    answered_final: int | None = None


class SurveyAnswer(SQLModel, table=True):
    """One answer to one question. No user id, nothing derived from one, dated by its round only."""

    __tablename__ = "survey_answer"
    __table_args__ = (
        UniqueConstraint("round_id", "question_id", "ballot"),
        # Covers the digest's histogram query (round, question, value → count) without the table.
        Index("ix_survey_answer_round_question_value", "round_id", "question_id", "value"),
        # Without a rowid SQLite keeps rows in random-id order, not arrival order.
        {"sqlite_with_rowid": False},
    )

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    round_id: str = Field(foreign_key="survey_round.id", max_length=32)
    question_id: str = Field(max_length=64)
    construct_id: str = Field(max_length=64, index=True)
    value: int | None = None
    text: str | None = Field(default=None, max_length=2000)
    # The round's opening date (UTC) for every answer of the round: a click's own day would tell
    # time zones, and so people, apart. Kept as a column for retention and "last 90 days" filters.
    answered_on: date
    # A random token carried only by the respondent's own DM, so a second click updates
    # rather than duplicates. Erased when the round closes.
    ballot: str | None = Field(default=None, max_length=64)


class RoundParticipation(SQLModel, table=True):
    """That someone answered a round: HMAC(secret, team:user:round) and nothing else."""

    __tablename__ = "round_participation"
    __table_args__ = ({"sqlite_with_rowid": False},)

    key: str = Field(primary_key=True, max_length=64)
    round_id: str = Field(foreign_key="survey_round.id", max_length=32, index=True)


class PulseOptOut(SQLModel, table=True):
    """A user who asked not to receive pulses, kept as a keyed hash."""

    __tablename__ = "pulse_optout"

    key: str = Field(primary_key=True, max_length=64)


class OutboxMessage(SQLModel, table=True):
    """A message recorded before it is sent, so a fan-out survives crashes exactly once."""

    __tablename__ = "outbox_message"
    # The second index lets a crash's reconciliation find a person's DM conversation by recipient
    # (index-only) instead of scanning a 10,000-row fan-out once per row in flight.
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_recipient_channel", "recipient", "channel_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=160, unique=True)
    kind: str = Field(max_length=32)
    recipient: str = Field(max_length=32)
    channel_id: str | None = Field(default=None, max_length=32)
    round_id: str | None = Field(default=None, max_length=32, index=True)
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = _utc()
    claimed_at: datetime | None = _utc(nullable=True)
    sent_at: datetime | None = _utc(nullable=True)
    message_ts: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=300)


class ProcessedRequest(SQLModel, table=True):
    """Idempotency keys of events and interactions already handled."""

    __tablename__ = "processed_request"

    key: str = Field(primary_key=True, max_length=160)
    seen_at: datetime = _utc(index=True)


# Tables of later capabilities live in their own modules; importing them here registers them
# on SQLModel.metadata for Alembic and the tests.
from storage import digest_models as digest_models  # noqa: E402
from storage import policy_models as policy_models  # noqa: E402
from storage import support_models as support_models  # noqa: E402
