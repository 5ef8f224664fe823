"""Tables of the program's policy register and of the "you said, we did" updates published."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from storage.base import random_id, utc_field


class Policy(SQLModel, table=True):
    """A policy or procedure of the program, with who owns it and how often it is reviewed."""

    __tablename__ = "policy"

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    team_id: str = Field(max_length=255, index=True)
    name: str = Field(max_length=120)
    link: str = Field(max_length=500)
    owner_id: str = Field(max_length=255)
    review_interval_months: int = 12
    # None until a review is known: a policy is never given a review date nobody recorded.
    last_reviewed_on: date | None = None
    created_at: datetime = utc_field()
    # A retired policy leaves the register's default view, its reminders and the due lists.
    retired_at: datetime | None = utc_field(nullable=True)
    retired_by: str | None = Field(default=None, max_length=255)
    retired_reason: str | None = Field(default=None, max_length=500)


class PolicyReview(SQLModel, table=True):
    """One recorded review of a policy: when, by whom, and what changed."""

    __tablename__ = "policy_review"

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    policy_id: str = Field(foreign_key="policy.id", max_length=32, index=True)
    reviewed_on: date
    reviewed_by: str = Field(max_length=255)
    summary: str = Field(max_length=500)
    recorded_at: datetime = utc_field()


class PublishedUpdate(SQLModel, table=True):
    """A "you said, we did" message coordinators published to employees."""

    __tablename__ = "published_update"
    __table_args__ = (Index("ix_published_update_team_published", "team_id", "published_at"),)

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    team_id: str = Field(max_length=255)
    action_id: str | None = Field(default=None, max_length=32)
    text: str = Field(max_length=1000)
    destination: str = Field(max_length=16)  # "channel" or "dm"
    published_at: datetime = utc_field()
    published_by: str = Field(max_length=255)
