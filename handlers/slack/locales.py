"""Each person's Slack language, for writing to them in it (users.info with include_locale)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import use_language
from bot.ports import Member

log = logging.getLogger(__name__)

# A person who changes Slack's language sees PeerPulse follow within the hour.
REMEMBER_SECONDS = 3600.0
# A lookup must never eat Slack's 3-second window for acknowledging a request.
LOOKUP_BUDGET_SECONDS = 0.8
REMEMBERED_PEOPLE = 50_000


class Locales:
    """Remembers people's locales (from users.list, or one users.info on a miss)."""

    def __init__(self, client: AsyncWebClient, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.clock = clock
        self._known: OrderedDict[str, tuple[str | None, float]] = OrderedDict()

    def remember(self, members: Iterable[Member]) -> None:
        """Keep the locales a directory read brought (users.list asked for them)."""
        now = self.clock()
        for member in members:
            self._keep(member.id, member.locale, now)

    def _keep(self, user_id: str, locale: str | None, at: float) -> None:
        self._known.pop(user_id, None)
        self._known[user_id] = (locale, at)
        while len(self._known) > REMEMBERED_PEOPLE:
            self._known.popitem(last=False)

    async def of(self, user_id: str) -> str | None:
        """The person's locale ("de-DE"), or None when Slack does not answer in time."""
        known = self._known.get(user_id)
        if known is not None and self.clock() - known[1] < REMEMBER_SECONDS:
            return known[0]
        try:
            async with asyncio.timeout(LOOKUP_BUDGET_SECONDS):
                found = await self.client.users_info(user=user_id, include_locale=True)
        except (SlackApiError, TimeoutError, OSError) as exc:
            # The reply goes out in the default language rather than late.
            log.info("no locale for a user (%s); writing in the default language", type(exc).__name__)
            return known[0] if known is not None else None
        locale = str((found.get("user") or {}).get("locale") or "") or None
        self._keep(user_id, locale, self.clock())
        return locale


def requester_of(body: dict[str, Any]) -> str | None:
    """Who made a request: a command's user, an interaction's user or an event's user."""
    user = body.get("user_id") or body.get("user")
    if isinstance(user, dict):
        user = user.get("id")
    if user is None and isinstance(body.get("event"), dict):
        user = body["event"].get("user")
    return user if isinstance(user, str) and user else None


def speak_their_language(locales: Locales, *, default: str) -> Callable[..., Awaitable[None]]:
    """Bolt middleware: everything a request's listener writes is in the requester's language."""

    async def middleware(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:
        user_id = requester_of(body)
        use_language(await locales.of(user_id) if user_id else None, fallback=default)
        await next()

    return middleware
