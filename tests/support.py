"""Small helpers for tests that wait on work the app does after acking."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from sqlmodel import col, select

from bot.clock import ManualClock
from storage.models import OutboxMessage

if TYPE_CHECKING:
    from bot.runtime import Runtime

T = TypeVar("T")


async def eventually(
    check: Callable[[], T | Awaitable[T]], *, timeout: float = 10.0, interval: float = 0.02
) -> T:
    """Poll until `check` returns something truthy; fail with the last value after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value) or isinstance(value, Awaitable):
            value = await value  # type: ignore[misc]
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(interval)


async def round_settled(runtime: Runtime, round_id: str | None) -> bool:
    """Whether the outbox has handled every message of the round (None: of any round) that is due now.

    A DM that Slack rate-limited waits for a retry time on the test's frozen clock; that wait is
    stepped over here, or it would look "not due yet" and the test would read a half-sent round.
    """
    now = runtime.clock.now()
    query = select(OutboxMessage.next_attempt_at, OutboxMessage.attempts).where(
        col(OutboxMessage.status).in_(["pending", "sending"])
    )
    if round_id is not None:
        query = query.where(OutboxMessage.round_id == round_id)
    async with runtime.db.session() as session:
        waiting = (await session.exec(query)).all()
    due = [at for at, _ in waiting if at <= now]
    retries = [at for at, attempts in waiting if at > now and attempts > 0]
    if retries and not due:
        assert isinstance(runtime.clock, ManualClock)
        runtime.clock.set(max(retries))
        runtime.services.outbox.wakeup.set()
    return not due and not retries


async def outbox_settled(runtime: Runtime) -> bool:
    """Whether every outbox message due now has left (sent, failed or parked), none mid-send."""
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        waiting = (
            await session.exec(
                select(OutboxMessage.next_attempt_at, OutboxMessage.status).where(
                    col(OutboxMessage.status).in_(["pending", "sending"]),
                )
            )
        ).all()
    return not [at for at, status in waiting if status == "sending" or at <= now]
