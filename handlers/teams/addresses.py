"""Where each person's 1:1 chat with the bot lives (conversation id, regional serviceUrl) and their time zone.

Teams tells a bot these only in activities: an install (installationUpdate / conversationUpdate) and
whatever the person sends. They are kept in member_address, like Slack's DM channel ids: they name a
person, so they are never written while an answer is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.address_queries import (
    address_of_conversation,
    forget_member_address,
    member_address,
    member_time_zones,
    save_member_address,
)
from storage.db import Database


@dataclass(frozen=True)
class Address:
    """A person's 1:1 conversation with the bot and the connector serving it."""

    conversation_id: str
    service_url: str | None


class AddressBook:
    """Member addresses for one tenant, read through to the database (every replica sees the same)."""

    def __init__(self, db: Database | None = None) -> None:
        """The database may come later (the platform gets it when wired), before the first use."""
        self._database = db
        # The tenant, known once the platform has connected (`Identity.team_id`).
        self.team_id = ""
        # A conversation's serviceUrl never changes while it exists: cached for every send after the first.
        self._service_urls: dict[str, str | None] = {}

    def bind(self, db: Database) -> None:
        """Use this database (the process's own)."""
        self._database = db

    @property
    def db(self) -> Database:
        """The database the addresses live in."""
        if self._database is None:
            raise RuntimeError("the address book has no database yet (wire the platform first)")
        return self._database

    async def remember(
        self, user_id: str, *, conversation_id: str, service_url: str | None, time_zone: str | None = None
    ) -> bool:
        """Record where a person is reached (and their time zone, if reported); return whether it changed."""
        async with self.db.session() as session:
            changed = await save_member_address(
                session=session,
                team_id=self.team_id,
                user_id=user_id,
                conversation_id=conversation_id,
                service_url=service_url,
                time_zone=time_zone,
            )
        self._service_urls[conversation_id] = service_url
        return changed

    async def forget(self, user_id: str) -> None:
        """The person removed the app: their address is no use any more."""
        async with self.db.session() as session:
            found = await member_address(session=session, team_id=self.team_id, user_id=user_id)
            await forget_member_address(session=session, team_id=self.team_id, user_id=user_id)
        if found is not None:
            self._service_urls.pop(found.conversation_id, None)

    async def address_of(self, user_id: str) -> Address | None:
        """A person's 1:1 conversation, if Teams has told us about it."""
        async with self.db.session() as session:
            found = await member_address(session=session, team_id=self.team_id, user_id=user_id)
        if found is None:
            return None
        self._service_urls[found.conversation_id] = found.service_url
        return Address(conversation_id=found.conversation_id, service_url=found.service_url)

    async def service_url_of(self, conversation_id: str) -> str | None:
        """The connector serving a conversation, if known (None: the configured one)."""
        if conversation_id in self._service_urls:
            return self._service_urls[conversation_id]
        async with self.db.session() as session:
            found = await address_of_conversation(
                session=session, team_id=self.team_id, conversation_id=conversation_id
            )
        if found is None:
            # Not cached: an install another replica records later must still be picked up here.
            return None
        self._service_urls[conversation_id] = found.service_url
        return found.service_url

    async def time_zones(self) -> dict[str, str]:
        """Every person's time zone as their client last reported it."""
        async with self.db.session() as session:
            return await member_time_zones(session=session, team_id=self.team_id)
