"""Readiness: what currently stops this process from doing its work, each with a reason."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import col, select

from storage.db import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

# A due message this old, while nothing at all was sent for as long, means the outbox is stuck.
# Paced fan-outs of thousands of DMs keep sending, so they never look stuck however long they take.
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


async def outbox_stuck_reason(db: Database, *, now: datetime) -> str | None:
    """Why the outbox looks stuck (due work waiting long with no send at all), or None."""
    since = now - STUCK_AFTER
    async with db.session() as session:
        waiting = (
            await session.exec(
                select(func.count()).where(
                    or_(
                        (col(OutboxMessage.status) == "pending")
                        & (col(OutboxMessage.next_attempt_at) <= since),
                        (col(OutboxMessage.status) == "sending") & (col(OutboxMessage.claimed_at) <= since),
                    )
                )
            )
        ).one()
        if not waiting:
            return None
        recent = (
            await session.exec(
                select(func.count()).where(
                    col(OutboxMessage.status) == "sent", col(OutboxMessage.sent_at) >= since
                )
            )
        ).one()
    if recent:
        return None
    minutes = int(STUCK_AFTER.total_seconds() // 60)
    return f"{waiting} message(s) due for over {minutes} minutes and nothing sent meanwhile; see the log"
