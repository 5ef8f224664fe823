"""Roles come from Slack channel membership: read live for every permission check, cached for at
most a minute only where it decides what to display (App Home, digest counts)."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.errors import NotAllowed
from bot.ports import Directory

ROLE_CACHE_SECONDS = 60.0


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
        members = await self.directory.channel_members(channel)
        self._cache[channel] = (now, members)
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
        """Raise NotAllowed unless the user is a coordinator."""
        # Permission checks always read Slack live: someone removed a second ago is refused.
        if not await self.is_coordinator(user_id, live=True):
            raise NotAllowed("Only program coordinators (members of the coordinator channel) can do that.")

    async def require_supporter(self, user_id: str) -> None:
        """Raise NotAllowed unless the user is a peer supporter."""
        if not await self.is_supporter(user_id, live=True):
            raise NotAllowed("Only peer supporters (members of the supporters channel) can do that.")
