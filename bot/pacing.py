"""Rate pacing for outgoing messages: a workspace token bucket and per-channel spacing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Pacer:
    """Spaces sends to at most `rate`/s overall and one per `channel_interval` s per channel."""

    def __init__(
        self,
        rate: float,
        *,
        channel_interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.channel_interval = channel_interval
        self._monotonic = monotonic
        self._next_slot = 0.0
        self._channel_next: dict[str, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Hold every send for a while (Slack said 429 Retry-After)."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    async def wait(self, channel: str) -> None:
        """Sleep until this channel may receive its next message."""
        while True:
            async with self._lock:
                now = self._monotonic()
                # Up to a second of unused budget may be spent at once (Slack allows short bursts),
                # so time lost between batches is made up instead of lost for good.
                self._next_slot = max(self._next_slot, now - 1.0)
                slot = max(self._next_slot, self._paused_until, self._channel_next.get(channel, 0.0))
                self._next_slot = slot + 1.0 / self.rate
                self._channel_next[channel] = max(now, slot) + self.channel_interval
                if len(self._channel_next) > 50_000:
                    self._forget_old(now)
            delay = slot - self._monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            # A 429 may have arrived while we slept; then queue again behind the pause.
            if self._monotonic() >= self._paused_until:
                return

    def _forget_old(self, now: float) -> None:
        # A 10k-person round touches 10k DM channels once; keep the map from growing forever.
        self._channel_next = {c: t for c, t in self._channel_next.items() if t > now}
