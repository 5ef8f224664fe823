"""Pulse rounds, answers, participation and opt-outs. Answers and participation are deliberately
unlinkable (DESIGN.md)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from storage.base import random_id, utc_field


class SurveyRound(SQLModel, table=True):
    """One pulse round: which questions were asked, when it opened and closes."""

    __tablename__ = "survey_round"
    __table_args__ = (UniqueConstraint("team_id", "schedule_key"),)

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    team_id: str = Field(max_length=255)
    # Names the schedule occurrence ("sched:2026-11-24") so a restart can never open it twice.
    schedule_key: str = Field(max_length=80)
    question_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    opened_at: datetime = utc_field()
    closes_at: datetime = utc_field(index=True)
    closed_at: datetime | None = utc_field(nullable=True)
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
    # "Prefer not to say" on a sensitive item: counted apart, never an answer (value and text stay
    # NULL). A flag of its own, because retention also leaves rows with no value and no text.
    declined: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


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
