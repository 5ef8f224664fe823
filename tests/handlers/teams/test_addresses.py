"""The address book on a real database: racing install announcements, regional moves, forgetting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from handlers.teams.addresses import AddressBook
from storage.db import Database, migrate

EMEA = "https://smba.trafficmanager.net/emea/"
AMER = "https://smba.trafficmanager.net/amer/"


@pytest.fixture
async def book(database_url: str) -> AsyncIterator[AddressBook]:
    await asyncio.to_thread(migrate, database_url)
    db = Database(database_url)
    book = AddressBook(db)
    book.team_id = "tenant-1"
    yield book
    await db.dispose()


async def test_two_announcements_of_one_install_at_once_store_one_address(book: AddressBook) -> None:
    # Teams sends installationUpdate and conversationUpdate together; both are handled at once.
    results = await asyncio.gather(
        *[book.remember("29:a", conversation_id="a:1", service_url=EMEA) for _ in range(4)]
    )
    assert sorted(results) == [False, False, False, True]
    found = await book.address_of("29:a")
    assert found is not None and (found.conversation_id, found.service_url) == ("a:1", EMEA)


async def test_a_conversation_keeps_its_region_until_teams_says_otherwise(book: AddressBook) -> None:
    assert await book.service_url_of("a:1") is None  # unknown: the configured connector
    await book.remember("29:a", conversation_id="a:1", service_url=EMEA, time_zone="Europe/Berlin")
    assert await book.service_url_of("a:1") == EMEA
    assert await book.remember("29:a", conversation_id="a:1", service_url=AMER)
    assert await book.service_url_of("a:1") == AMER
    assert await book.time_zones() == {"29:a": "Europe/Berlin"}
    await book.forget("29:a")
    assert await book.address_of("29:a") is None
    assert await book.service_url_of("a:1") is None


async def test_another_replica_s_install_is_seen_here(book: AddressBook, database_url: str) -> None:
    assert await book.service_url_of("a:2") is None
    other = AddressBook(book.db)
    other.team_id = book.team_id
    await other.remember("29:b", conversation_id="a:2", service_url=EMEA)
    # An unknown conversation was not cached as "configured connector": this replica sees it now.
    assert await book.service_url_of("a:2") == EMEA
