"""Remembering requests already handled, so a retried or repeated delivery acts only once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col

from storage.db import Database
from storage.models import ProcessedRequest
from storage.queries import insert_ignoring_duplicates

# Slack retries an event three times within about five minutes; a day leaves ample margin.
REMEMBER_FOR = timedelta(days=1)


async def first_delivery(db: Database, *, key: str, now: datetime) -> bool:
    """Record the key; True the first time it is seen, False for every repeat (any replica)."""
    async with db.session() as session:
        new = await insert_ignoring_duplicates(
            session=session, model=ProcessedRequest, rows=[{"key": key, "seen_at": now}], keys=["key"]
        )
    return new == 1


async def forget_old_requests(db: Database, *, now: datetime, keep: timedelta = REMEMBER_FOR) -> int:
    """Drop keys older than `keep`; return how many were dropped."""
    async with db.session() as session:
        result = await session.exec(
            delete(ProcessedRequest).where(col(ProcessedRequest.seen_at) < now - keep)
        )
    return int(result.rowcount or 0)
