"""One pacer for every Slack Web API call: each method under its documented tier, chat.postMessage
under the workspace rate and one per second per channel, and every Retry-After honoured."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

log = logging.getLogger(__name__)

POST_MESSAGE = "chat.postMessage"
# Slack's documented tiers (docs "Rate limits", https://docs.slack.dev/apis/web-api/rate-limits, and
# each method's reference page), per method per app per workspace. handlers/slack/simulation/slack_api.py plays the
# same table with the cautious readings spelled out; a test checks this one is never looser.
TIER_PER_MINUTE: dict[int, float] = {1: 1.0, 2: 20.0, 3: 50.0, 4: 100.0}
METHOD_TIERS: dict[str, int] = {
    "api.test": 3,
    "apps.connections.open": 1,  # Socket Mode connections (and `python -m bot check`)
    "auth.test": 3,  # "Special" in Slack's docs; treated as Tier 3
    "team.info": 3,
    "users.list": 2,
    "users.info": 4,
    "conversations.members": 4,
    "conversations.info": 3,
    "conversations.open": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "chat.update": 3,
    "chat.delete": 3,
    "chat.postEphemeral": 4,
    "views.open": 4,
    "views.push": 4,
    "views.update": 4,
    "views.publish": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
}
# A method missing above is held to Tier 2, the tier "most methods" have (the cautious guess).
UNKNOWN_TIER = 2
# Run at 90% of a tier, with a burst of 3 calls: Slack's window and ours never line up exactly.
HEADROOM = 0.9
BURST_CALLS = 2
# Slack allows about one message per second per channel; a tenth of a second more absorbs the jitter
# between when a slot is booked here and when the request reaches Slack.
CHANNEL_INTERVAL = 1.1
# How long to hold a method after a 429 without Retry-After, and how often to say we are throttled.
DEFAULT_RETRY_AFTER = 1.0
LOG_EVERY = 600.0
WAIT_WORTH_LOGGING = 1.0


def tier_of(method: str) -> int:
    """The tier Slack documents for a Web API method (Tier 2 if unknown)."""
    return METHOD_TIERS.get(method, UNKNOWN_TIER)


class Pacer:
    """Spaces Web API calls: per method by tier; chat.postMessage by `rate`/s and per channel."""

    def __init__(
        self,
        rate: float,
        *,
        channel_interval: float = CHANNEL_INTERVAL,
        tier_scale: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.channel_interval = channel_interval
        self.tier_scale = tier_scale
        self._monotonic = monotonic
        # No await happens between reading and booking a slot, so no lock is needed (and none ties
        # the pacer to one event loop).
        self._next_slot = 0.0
        self._channel_next: dict[str, float] = {}
        self._paused_until = 0.0
        self._method_next: dict[str, float] = {}
        self._method_paused: dict[str, float] = {}
        self._logged_at: dict[str, float] = {}

    def pause(self, seconds: float, method: str = POST_MESSAGE) -> None:
        """Hold a method's calls for a while (Slack said 429 Retry-After)."""
        until = self._monotonic() + seconds
        if method == POST_MESSAGE:
            self._paused_until = max(self._paused_until, until)
        else:
            self._method_paused[method] = max(self._method_paused.get(method, 0.0), until)
        self._say_once(
            f"429:{method}", "Slack rate-limited %s; holding those calls for %.0fs", method, seconds
        )

    async def wait(self, channel: str) -> None:
        """Sleep until chat.postMessage may post to this channel."""
        while True:
            now = self._monotonic()
            # Up to a second of unused budget may be spent at once (Slack allows short bursts),
            # so time lost between batches is made up instead of lost for good.
            self._next_slot = max(self._next_slot, now - 1.0)
            slot = max(self._next_slot, self._paused_until, self._channel_next.get(channel, 0.0))
            self._next_slot = slot + 1.0 / self.rate
            self._channel_next[channel] = max(now, slot) + self.channel_interval
            if len(self._channel_next) > 50_000:
                self._forget_old(now)
            await self._sleep_until(slot, POST_MESSAGE)
            # A 429 may have arrived while we slept; then queue again behind the pause.
            if self._monotonic() >= self._paused_until:
                return

    def delay(self, method: str) -> float:
        """How long a call to `method` made now would wait for its turn (nothing is booked)."""
        now = self._monotonic()
        if method == POST_MESSAGE:
            slot = max(self._next_slot, now - 1.0, self._paused_until)
        else:
            interval = 60.0 / (TIER_PER_MINUTE[tier_of(method)] * HEADROOM * self.tier_scale)
            start = max(self._method_next.get(method, 0.0), now - BURST_CALLS * interval)
            slot = max(start, self._method_paused.get(method, 0.0))
        return max(0.0, slot - now)

    async def wait_for(self, method: str, channel: str | None = None) -> None:
        """Sleep until `method` may be called again without exceeding its tier."""
        if method == POST_MESSAGE:
            await self.wait(channel or "")
            return
        interval = 60.0 / (TIER_PER_MINUTE[tier_of(method)] * HEADROOM * self.tier_scale)
        while True:
            now = self._monotonic()
            start = max(self._method_next.get(method, 0.0), now - BURST_CALLS * interval)
            slot = max(start, self._method_paused.get(method, 0.0))
            self._method_next[method] = slot + interval
            await self._sleep_until(slot, method)
            if self._monotonic() >= self._method_paused.get(method, 0.0):
                return

    async def _sleep_until(self, slot: float, method: str) -> None:
        delay = slot - self._monotonic()
        if delay <= 0:
            return
        if delay >= WAIT_WORTH_LOGGING:
            self._say_once(
                f"wait:{method}",
                "pacing Slack calls to %s under its rate limit (Tier %s); calls are queued, not lost",
                method,
                "special" if method == POST_MESSAGE else tier_of(method),
            )
        await asyncio.sleep(delay)

    def _say_once(self, key: str, message: str, *args: Any) -> None:
        # Throttling comes in spells of many calls; one line per spell (per method) is enough.
        now = self._monotonic()
        last = self._logged_at.get(key)
        if last is None or now - last >= LOG_EVERY:
            log.warning(message, *args)
        self._logged_at[key] = now

    def _forget_old(self, now: float) -> None:
        # A 10k-person round touches 10k DM channels once; keep the map from growing forever.
        self._channel_next = {c: t for c, t in self._channel_next.items() if t > now}


def _retry_after(exc: SlackApiError) -> float:
    headers = exc.response.headers or {}
    raw = headers.get("Retry-After", headers.get("retry-after"))
    try:
        return max(float(raw), DEFAULT_RETRY_AFTER) if raw is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER


class PacedWebClient(AsyncWebClient):
    """slack_sdk's client with every Web API call going through one Pacer first."""

    # On a 429 the method is held for Retry-After and the call retried up to `rate_limit_retries`
    # times (the outbox's client retries none: the outbox reschedules the message itself).

    def __init__(self, *args: Any, pacer: Pacer, rate_limit_retries: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pacer = pacer
        self.rate_limit_retries = rate_limit_retries

    async def api_call(
        self, api_method: str, *, json: dict[str, Any] | None = None, **kwargs: Any
    ) -> AsyncSlackResponse:
        """Wait for the method's turn, call it, and honour Retry-After."""
        channel = None
        if api_method == POST_MESSAGE:
            args = json or kwargs.get("data") or kwargs.get("params") or {}
            channel = str(args.get("channel") or "")
        retries = 0
        while True:
            await self.pacer.wait_for(api_method, channel)
            try:
                return await super().api_call(api_method, json=json, **kwargs)
            except SlackApiError as exc:
                if exc.response.status_code != 429:
                    raise
                self.pacer.pause(_retry_after(exc), api_method)
                if retries >= self.rate_limit_retries:
                    raise
                retries += 1


_SHARED: weakref.WeakValueDictionary[tuple[str, str], Pacer] = weakref.WeakValueDictionary()


def shared_pacer(*, base_url: str, token: str, rate: float) -> Pacer:
    """The pacer of one app in one workspace: every client of this process with that token shares it."""
    # Slack's limits are per app per workspace, so two clients with one token share one budget.
    key = (base_url, token)
    found = _SHARED.get(key)
    if found is None or found.rate != rate:
        found = Pacer(rate)
        _SHARED[key] = found
    return found
