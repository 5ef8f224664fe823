"""Roles come from the role channels' membership: read live for every permission check, cached for
at most a minute only where it decides what to display (App Home, digest counts).

Every privileged domain operation names who acts (`by`). A person is their platform user id; the
process itself (a scheduled job, the operator's CLI, one service reading for another after the
person was checked) is `SYSTEM`, which platform code never names (tests/bot/test_authorization_contract.py).
"""

from __future__ import annotations

import contextlib
import enum
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Final

from bot.errors import NotAllowed
from bot.i18n import _
from bot.ports import Directory

ROLE_CACHE_SECONDS = 60.0


class System(enum.Enum):
    """The process acting for no person."""

    PROCESS = "system"


SYSTEM: Final = System.PROCESS
# Who acts: a person's platform user id, or the process itself.
Actor = str | System

# Role channels read live during the current request, by channel. A platform's listener may check a
# role early (to refuse before a form opens) and the domain checks it again: one throttled read serves
# both. Never carried past the request and the work it spawned, so a removal still counts at once.
_READ_THIS_REQUEST: ContextVar[dict[str, set[str]] | None] = ContextVar("read_this_request", default=None)


def begin_request() -> None:
    """Start a request's live role reads afresh (a platform calls it first thing for each request)."""
    _READ_THIS_REQUEST.set({})


@contextlib.contextmanager
def one_request() -> Iterator[None]:
    """Treat the enclosed work as one request: each role channel is read live at most once."""
    token = _READ_THIS_REQUEST.set({})
    try:
        yield
    finally:
        _READ_THIS_REQUEST.reset(token)


class Roles:
    """Answers 'is this user a coordinator / supporter?' from the role channels."""

    def __init__(
        self,
        directory: Directory,
        *,
        coordinator_channel: str,
        supporters_channel: str,
        ttl: float = ROLE_CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directory = directory
        self.coordinator_channel = coordinator_channel
        self.supporters_channel = supporters_channel
        self.ttl = ttl
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, set[str]]] = {}
        # The bot must be in the role channels to read them; it is nobody's supporter.
        self.bot_user_id: str | None = None

    async def _members(self, channel: str, *, live: bool = False) -> set[str]:
        now = self._monotonic()
        cached = self._cache.get(channel)
        if not live and cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        this_request = _READ_THIS_REQUEST.get()
        if live and this_request is not None and channel in this_request:
            return this_request[channel]
        members = await self.directory.channel_members(channel)
        self._cache[channel] = (now, members)
        if live and this_request is not None:
            this_request[channel] = members
        return members

    def forget(self) -> None:
        """Drop cached memberships (e.g. on a member_left_channel event)."""
        self._cache.clear()

    async def is_coordinator(self, user_id: str, *, live: bool = False) -> bool:
        """Whether the user is in the coordinator channel (live=True skips the cache)."""
        return user_id in await self._members(self.coordinator_channel, live=live)

    async def is_supporter(self, user_id: str, *, live: bool = False) -> bool:
        """Whether the user is in the supporters channel (live=True skips the cache)."""
        return user_id in await self._members(self.supporters_channel, live=live)

    async def supporters(self) -> set[str]:
        """Current peer supporters (the bot excluded)."""
        return set(await self._members(self.supporters_channel)) - {self.bot_user_id}

    async def require_coordinator(self, user_id: str) -> None:
        """Raise NotAllowed unless the user is a coordinator (SYSTEM is no person, so it is refused)."""
        # Permission checks always read the platform live: someone removed a second ago is refused.
        # SYSTEM handed to a person-only operation by untyped code is refused, never waved through.
        if not isinstance(user_id, str) or not await self.is_coordinator(user_id, live=True):
            raise NotAllowed(_("Only program coordinators (members of the coordinator channel) can do that."))

    async def require_coordinator_or_system(self, by: Actor) -> None:
        """Raise NotAllowed unless `by` is the process itself or a coordinator."""
        if by is not SYSTEM:
            await self.require_coordinator(by)

    async def require_supporter(self, user_id: str) -> None:
        """Raise NotAllowed unless the user is a peer supporter."""
        if not isinstance(user_id, str) or not await self.is_supporter(user_id, live=True):
            raise NotAllowed(_("Only peer supporters (members of the supporters channel) can do that."))
