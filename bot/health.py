"""Readiness: what currently stops this process from doing its work, each with a reason."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import col, select

from storage.db import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

# Work waiting this long while nothing at all was sent means the outbox is stuck. Paced fan-outs of
# thousands of DMs keep sending, so they never look stuck however long they take.
STUCK_AFTER = timedelta(minutes=5)


class Health:
    """Named problems reported by start-up checks and background loops; empty means ready."""

    def __init__(self) -> None:
        self._problems: dict[str, str] = {}

    def problem(self, name: str, reason: str) -> None:
        """Record (and log, once per new reason) why `name` cannot do its work."""
        if self._problems.get(name) != reason:
            log.warning("not ready: %s: %s", name, reason)
        self._problems[name] = reason

    def clear(self, name: str) -> None:
        """`name` works again."""
        if self._problems.pop(name, None) is not None:
            log.info("%s recovered", name)

    def problems(self) -> dict[str, str]:
        """A copy of the current problems."""
        return dict(self._problems)


async def outbox_waiting_without_progress(db: Database, *, now: datetime) -> int:
    """Messages waiting to be sent (due, or being retried) while none was sent in STUCK_AFTER; else 0."""
    since = now - STUCK_AFTER
    async with db.session() as session:
        waiting = (
            await session.exec(
                select(func.count()).where(
                    col(OutboxMessage.status).in_(["pending", "sending"]),
                    or_(col(OutboxMessage.next_attempt_at) <= now, col(OutboxMessage.attempts) > 0),
                )
            )
        ).one()
        if not waiting:
            return 0
        recent = (
            await session.exec(
                select(func.count()).where(
                    col(OutboxMessage.status) == "sent", col(OutboxMessage.sent_at) >= since
                )
            )
        ).one()
    return 0 if recent else int(waiting)
