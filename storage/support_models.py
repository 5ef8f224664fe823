"""Peer-support tables: sessions, their follow-ups, and supporters' training records.

Supporters are staff volunteers, so their own user id is stored; nothing here identifies the
person they supported, and no column may ever be added that does (DESIGN.md, privacy model).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from storage.base import random_id, utc_field


class SupportSession(SQLModel, table=True):
    """One support conversation a supporter logged: when, how long, what kind, how it ended."""

    __tablename__ = "support_session"
    __table_args__ = (
        Index("ix_support_session_team_date", "team_id", "session_date"),
        Index("ix_support_session_supporter_created", "supporter_id", "created_at"),
    )

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    team_id: str = Field(max_length=255)
    supporter_id: str = Field(max_length=255)
    session_date: date
    duration_minutes: int
    category: str = Field(max_length=64)
    contact_channel: str = Field(max_length=32)
    outcome: str = Field(max_length=64)
    # What the supporter asked for; the live due date (after snoozes) is on SupportFollowUp.
    follow_up_on: date | None = None
    # Scrubbed before it gets here, and kept in its own column so retention can erase it alone.
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = utc_field()
    updated_at: datetime | None = utc_field(nullable=True)


class SupportFollowUp(SQLModel, table=True):
    """A session's follow-up: when it is due now, and whether the supporter has done it."""

    __tablename__ = "support_follow_up"

    session_id: str = Field(
        sa_column=Column(String(32), ForeignKey("support_session.id", ondelete="CASCADE"), primary_key=True)
    )
    due_on: date = Field(index=True)
    snoozes: int = 0
    done_at: datetime | None = utc_field(nullable=True)


class SupportTraining(SQLModel, table=True):
    """A training a supporter completed: a course from the shipped list or their own topic."""

    __tablename__ = "support_training"
    __table_args__ = (Index("ix_support_training_supporter_completed", "supporter_id", "completed_on"),)

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    team_id: str = Field(max_length=255)
    supporter_id: str = Field(max_length=255)
    # The shipped course id, or None for a topic the supporter typed (kept scrubbed in `title`).
    course_id: str | None = Field(default=None, max_length=64)
    title: str = Field(max_length=150)
    completed_on: date
    hours: float
    created_at: datetime = utc_field()
