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

from bot.delivery import Renderer
from bot.i18n import speaking, use_language
from bot.ports import Directory, Member, OutgoingMessage
from storage.models import OutboxMessage

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
        self._read_all_at: float | None = None
        self._reading_all: asyncio.Future[None] | None = None
        # Background refreshes in flight, held so they are not collected before they finish.
        self._refreshing: dict[str, asyncio.Future[str | None]] = {}
        # Set (and replaced) as each page of a whole-directory read arrives, for those waiting on it.
        self._page_read: asyncio.Event | None = None

    def remember(self, members: Iterable[Member]) -> None:
        """Keep the locales a directory read brought (users.list asked for them)."""
        now = self.clock()
        for member in members:
            self._keep(member.id, member.locale, now)
        if self._page_read is not None:
            self._page_read.set()
            self._page_read = asyncio.Event()

    def _keep(self, user_id: str, locale: str | None, at: float) -> None:
        self._known.pop(user_id, None)
        self._known[user_id] = (locale, at)
        while len(self._known) > REMEMBERED_PEOPLE:
            self._known.popitem(last=False)

    async def of(self, user_id: str) -> str | None:
        """The person's locale ("de-DE"), or None when Slack does not answer in time.

        Only a person never seen costs a wait before the request is acknowledged; a remembered
        locale past its hour is used as it is and refreshed in the background for next time.
        """
        known = self._known.get(user_id)
        if known is not None:
            if self.clock() - known[1] >= REMEMBER_SECONDS and user_id not in self._refreshing:
                refresh = asyncio.ensure_future(self._look_up(user_id, fallback=known[0]))
                self._refreshing[user_id] = refresh
                refresh.add_done_callback(lambda _: self._refreshing.pop(user_id, None))
            return known[0]
        return await self._look_up(user_id, fallback=None)

    async def _look_up(self, user_id: str, *, fallback: str | None) -> str | None:
        try:
            async with asyncio.timeout(LOOKUP_BUDGET_SECONDS):
                found = await self.client.users_info(user=user_id, include_locale=True)
        except (SlackApiError, TimeoutError, OSError) as exc:
            # The reply goes out in the default language rather than late.
            log.info("no locale for a user (%s); writing in the default language", type(exc).__name__)
            return fallback
        locale = str((found.get("user") or {}).get("locale") or "") or None
        self._keep(user_id, locale, self.clock())
        return locale

    async def of_recipient(self, user_id: str, directory: Directory) -> str | None:
        """A DM recipient's locale; a miss reads the whole directory once an hour, not one person a call.

        A round's DMs go out by the thousand at the workspace rate, faster than users.info's Tier 4
        allows; users.list (1,000 people a page) brings everyone's locale in a few calls.
        """
        known = self._known.get(user_id)
        if known is not None and self.clock() - known[1] < REMEMBER_SECONDS:
            return known[0]
        if self._read_all_at is None or self.clock() - self._read_all_at >= REMEMBER_SECONDS:
            if self._reading_all is None:
                self._page_read = asyncio.Event()
                self._reading_all = asyncio.ensure_future(self._read_all(directory))
            reading = self._reading_all
            # Each person's DM goes as soon as the page naming them has come, not after the last
            # page: a 10,000-person directory takes ~30 s at Tier 2, and DMs go in directory order.
            while not reading.done():
                known = self._known.get(user_id)
                if known is not None and self.clock() - known[1] < REMEMBER_SECONDS:
                    return known[0]
                assert self._page_read is not None
                page: asyncio.Future[Any] = asyncio.ensure_future(self._page_read.wait())
                try:
                    await asyncio.wait({reading, page}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    page.cancel()
            known = self._known.get(user_id)
            if known is not None:
                return known[0]
        return await self.of(user_id)

    async def _read_all(self, directory: Directory) -> None:
        try:
            # SlackDirectory hands every page to remember() as it reads it.
            await directory.list_members()
            self._read_all_at = self.clock()
        except Exception as exc:
            # Not retried at once: the person's own lookup follows, and the next miss tries again.
            log.warning("could not read people's languages from Slack (%s)", type(exc).__name__)
        finally:
            self._reading_all = None
            self._page_read = None


def in_their_language(
    renderers: dict[str, Renderer], locales: Locales, directory: Directory, *, default: str
) -> dict[str, Renderer]:
    """The outbox's renderers, each writing a direct message in its recipient's language."""

    def localized(render: Renderer) -> Renderer:
        async def rendered(row: OutboxMessage) -> OutgoingMessage | None:
            # A Slack user id (U…/W…) is a person; anything else is a channel, which gets the default.
            person = row.recipient.startswith(("U", "W"))
            locale = await locales.of_recipient(row.recipient, directory) if person else None
            with speaking(locale, fallback=default):
                return await render(row)

        return rendered

    return {kind: localized(render) for kind, render in renderers.items()}


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
