"""Tables of the improvement loop: anonymous feedback, adopted actions, digests posted."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from storage.base import random_id, utc_field


class Feedback(SQLModel, table=True):
    """An anonymous suggestion or concern: no user id, scrubbed text, date only."""

    __tablename__ = "feedback"
    # Without a rowid SQLite keeps rows in random-id order, not arrival order.
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    team_id: str = Field(max_length=255)
    category: str = Field(max_length=32)
    # Raw text goes after RETENTION_DAYS; the row (and its theme count) stays.
    text: str | None = Field(default=None, max_length=2000)
    submitted_on: date = Field(index=True)


class ImprovementAction(SQLModel, table=True):
    """A suggested practice a coordinator adopted, with the measure that judges it.

    status is "open", "closed" or "deleted": a deleted action is hidden everywhere but its row and
    its history stay.
    """

    __tablename__ = "improvement_action"

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    team_id: str = Field(max_length=255)
    practice_id: str = Field(max_length=64)
    title: str = Field(max_length=200)
    owner_id: str = Field(max_length=255)
    adopted_by: str = Field(max_length=255)
    due_on: date
    construct_id: str = Field(max_length=64)
    success_measure: str = Field(max_length=300)
    status: str = Field(default="open", max_length=16, index=True)
    progress_note: str | None = Field(default=None, max_length=500)
    outcome_note: str | None = Field(default=None, max_length=500)
    created_at: datetime = utc_field()
    closed_at: datetime | None = utc_field(nullable=True)
    # The construct's favourable share when adopted, and in the first round that closed after the
    # action did (after_round_id None: no such round yet; value None: fewer than k answers).
    before_round_id: str | None = Field(default=None, max_length=32)
    before_value: float | None = None
    before_low: float | None = None
    before_high: float | None = None
    after_round_id: str | None = Field(default=None, max_length=32)
    after_value: float | None = None
    after_low: float | None = None
    after_high: float | None = None


class ImprovementActionEvent(SQLModel, table=True):
    """One thing a coordinator did to an action (adopted, updated, closed, reopened, deleted): append-only."""

    __tablename__ = "improvement_action_event"

    # A sequence, so events recorded in the same instant still read back in the order they happened.
    id: int | None = Field(default=None, primary_key=True)
    action_id: str = Field(foreign_key="improvement_action.id", max_length=32, index=True)
    kind: str = Field(max_length=16)
    # None only for events carried over from before history was kept (who closed was not recorded).
    by: str | None = Field(default=None, max_length=255)
    at: datetime = utc_field()
    note: str | None = Field(default=None, max_length=500)


class DigestRun(SQLModel, table=True):
    """A digest that was posted, so a scheduled one is posted once per occurrence."""

    __tablename__ = "digest_run"

    key: str = Field(primary_key=True, max_length=80)
    team_id: str = Field(max_length=255)
    posted_at: datetime = utc_field()


class ShownQuoteGram(SQLModel, table=True):
    """A keyed hash of eight words in a row of a quote a digest showed (for the update quote check).

    Only what coordinators were shown is recorded, as HMACs under PEERPULSE_SECRET: without the
    secret the rows cannot be tested against guesses, and no comment that was never quoted is here.
    """

    __tablename__ = "shown_quote_gram"

    digest_key: str = Field(primary_key=True, max_length=80)
    gram: str = Field(primary_key=True, max_length=64)
    team_id: str = Field(max_length=255)
    shown_on: date = Field(index=True)
