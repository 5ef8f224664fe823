"""Sliding-window rate limits, as the Bot Connector counts them."""

from __future__ import annotations

import math
from collections import deque

# Teams docs (2026-10), per bot per conversation: 7 sends a second, 60 in 30 s, 1,800 an hour.
PER_CONVERSATION: tuple[tuple[int, float], ...] = ((7, 1.0), (60, 30.0), (1800, 3600.0))
# And 50 requests a second per app per tenant, whatever they are.
PER_TENANT: tuple[tuple[int, float], ...] = ((50, 1.0),)


class SlidingWindows:
    """Several (limit, window) pairs on one stream of requests; a refused request is not counted."""

    def __init__(self, limits: tuple[tuple[int, float], ...]) -> None:
        self.limits = limits
        self._times: deque[float] = deque()
        self._longest = max(window for _, window in limits)

    def admit(self, now: float) -> float | None:
        """Count a request at `now` and return None, or the whole seconds to wait (Retry-After)."""
        while self._times and self._times[0] <= now - self._longest:
            self._times.popleft()
        wait = 0.0
        for limit, window in self.limits:
            recent = [t for t in self._times if t > now - window]
            if len(recent) >= limit:
                # The oldest request still in the window has to age out before another fits.
                oldest = recent[len(recent) - limit]
                wait = max(wait, oldest + window - now)
        if wait > 0:
            return float(max(1, math.ceil(wait)))
        self._times.append(now)
        return None
