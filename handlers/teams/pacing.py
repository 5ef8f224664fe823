"""Keeps every Bot Connector call under Teams' documented limits, and honours Retry-After.

Teams (docs "Optimize your bot with rate limiting", 2026-10): per bot per conversation 7 operations
a second, 60 in 30 s and 1,800 an hour; 50 requests a second per app per tenant, whatever they are.
The pacer books each call a slot under 90% of each conversation's limits (our windows and Teams' never
line up exactly) and 95% of the tenant's (47 a second: a fan-out runs at this limit, and departures
are counted, not just booked), spreading the per-second budgets evenly, and a call that wakes late is
held until the tenant's last second of real departures has room. Slots are booked in arrival order, as
the Slack pacer does: a conversation
at its hourly limit holds back calls queued behind it, which a fan-out (one or two messages per
person) never meets.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

HEADROOM = 0.9
# The tenant's window is guarded by real departures too (see _leave), so only the network's jitter
# between leaving and arriving needs room: 3 requests a second of it.
TENANT_HEADROOM = 0.95
PER_CONVERSATION: tuple[tuple[int, float], ...] = ((7, 1.0), (60, 30.0), (1800, 3600.0))
PER_TENANT: tuple[tuple[int, float], ...] = ((50, 1.0),)
# Conversations idle this long have nothing left in any window and are forgotten.
_FORGET_AFTER = 3600.0
_FORGET_WHEN_OVER = 50_000
_SPREAD_WITHIN = 1.0
# A millisecond past each window's edge, so rounding never lands a call on the edge itself.
_MARGIN = 0.001
# Even spacing loses nothing measurable to this, and rounding cannot fit one call too many in a second.
_ROUNDING = 1e-6


class _Windows:
    """Booked slots under several (limit, period) windows."""

    def __init__(self, limits: tuple[tuple[int, float], ...], headroom: float) -> None:
        self.limits = tuple((max(1, math.floor(n * headroom)), period) for n, period in limits)
        self.booked: list[deque[float]] = [deque() for _ in self.limits]

    def earliest(self, slot: float) -> float:
        """The first time at or after `slot` that every window has room (bookings are in order)."""
        for booked, (limit, period) in zip(self.booked, self.limits, strict=True):
            while booked and booked[0] <= slot - period:
                booked.popleft()
            if len(booked) >= limit:
                slot = max(slot, booked[-limit] + period + _MARGIN)
            if booked and period <= _SPREAD_WITHIN:
                # Spread a per-second budget evenly: a burst booked at once would reach Teams with
                # jitter, and its window would see the next second's burst overlap it.
                slot = max(slot, booked[-1] + period / limit + _ROUNDING)
        return slot

    def book(self, slot: float) -> None:
        for booked in self.booked:
            booked.append(slot)

    def last(self) -> float:
        return max((b[-1] for b in self.booked if b), default=-math.inf)


class TeamsPacer:
    """One pacer per app per tenant; implements the outbox's Pacer port and paces every connector call."""

    def __init__(
        self,
        *,
        headroom: float = HEADROOM,
        tenant_headroom: float = TENANT_HEADROOM,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.headroom = headroom
        self._monotonic = monotonic
        self._sleep = sleep
        self._tenant = _Windows(PER_TENANT, tenant_headroom)
        self._conversations: dict[tuple[str, str], _Windows] = {}
        self._next = -math.inf  # slots are booked in order
        self._paused_until = -math.inf
        # When calls really left, tenant-wide: a busy loop wakes sleepers late and together, and a
        # booked slot then says nothing about how many reach Teams within one second.
        self._left: deque[float] = deque()
        self._tenant_limit = max(1, math.floor(PER_TENANT[0][0] * tenant_headroom))

    async def wait(self, conversation: str) -> None:
        """Sleep until a message may be sent to this conversation."""
        await self.acquire("send", conversation)

    def pause(self, seconds: float) -> None:
        """Hold every call for a while (Teams answered 429 with Retry-After)."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)
        log.warning("Teams rate-limited the bot; holding its calls for %.0fs", seconds)

    async def acquire(self, operation: str, conversation: str | None) -> None:
        """Sleep until a call may go: `operation` on `conversation` (None: a tenant-wide call)."""
        while True:
            now = self._monotonic()
            windows = self._windows(operation, conversation, now)
            slot = max(now, self._next, self._paused_until)
            # Each window can only push the slot later; settle when none does.
            while True:
                later = self._tenant.earliest(slot)
                if windows is not None:
                    later = windows.earliest(later)
                if later == slot:
                    break
                slot = later
            self._tenant.book(slot)
            if windows is not None:
                windows.book(slot)
            self._next = slot
            if slot > now:
                await self._sleep(slot - now)
            # A 429 may have arrived while we slept: queue again behind the pause.
            if self._monotonic() >= self._paused_until:
                await self._leave()
                return

    async def _leave(self) -> None:
        """Hold a call that woke late until the last second's real departures leave it room."""
        period = PER_TENANT[0][1]
        while True:
            now = self._monotonic()
            while self._left and self._left[0] <= now - period:
                self._left.popleft()
            if len(self._left) < self._tenant_limit:
                self._left.append(now)
                return
            await self._sleep(self._left[0] + period + _MARGIN - now)

    def _windows(self, operation: str, conversation: str | None, now: float) -> _Windows | None:
        if conversation is None:
            return None
        key = (operation, conversation)
        windows = self._conversations.get(key)
        if windows is None:
            if len(self._conversations) > _FORGET_WHEN_OVER:
                self._conversations = {
                    k: w for k, w in self._conversations.items() if w.last() > now - _FORGET_AFTER
                }
            windows = self._conversations[key] = _Windows(PER_CONVERSATION, self.headroom)
        return windows
