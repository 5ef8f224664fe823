"""The outbox (every message recorded before it is sent) and the keys of requests already handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from storage.base import utc_field


class OutboxMessage(SQLModel, table=True):
    """A message recorded before it is sent, so a fan-out survives crashes exactly once."""

    __tablename__ = "outbox_message"
    # The second index lets a crash's reconciliation find a person's DM conversation by recipient
    # (index-only) instead of scanning a 10,000-row fan-out once per row in flight.
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_recipient_conversation", "recipient", "conversation"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=160, unique=True)
    kind: str = Field(max_length=32)
    recipient: str = Field(max_length=255)
    # Where the platform delivered it (a Slack channel id, a Teams conversation id): opaque here.
    conversation: str | None = Field(default=None, max_length=255)
    round_id: str | None = Field(default=None, max_length=32, index=True)
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = utc_field()
    claimed_at: datetime | None = utc_field(nullable=True)
    sent_at: datetime | None = utc_field(nullable=True)
    # The platform's reference to the delivered message (Slack's ts): opaque here.
    message_ref: str | None = Field(default=None, max_length=255)
    last_error: str | None = Field(default=None, max_length=300)


class ProcessedRequest(SQLModel, table=True):
    """Idempotency keys of events and interactions already handled."""

    __tablename__ = "processed_request"

    key: str = Field(primary_key=True, max_length=160)
    seen_at: datetime = utc_field(index=True)
