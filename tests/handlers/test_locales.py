"""How a person's Slack language is looked up: once, then remembered, never again before an ack."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.ports import Member
from handlers.slack.locales import REMEMBER_SECONDS, Locales
from handlers.slack.simulation.slack_api import DEFAULT_TOKEN, FakeSlack
from handlers.slack.simulation.workspace import Workspace, build_workspace
from tests.support import eventually


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A fake Slack whose first employee uses Slack in German."""
    workspace: Workspace = build_workspace(employees=6)
    workspace.active_humans()[0].locale = "de-DE"
    with FakeSlack(workspace) as slack:
        yield slack


def _lookups(fake: FakeSlack, user: str) -> int:
    return len([c for c in fake.calls_to("users.info") if c.args.get("user") == user])


async def _speaks(locales: Locales, user: str, locale: str) -> bool:
    return await locales.of(user) == locale


async def test_a_stale_locale_is_used_at_once_and_refreshed_behind_the_request(fake: FakeSlack) -> None:
    clock = Clock()
    locales = Locales(AsyncWebClient(token=DEFAULT_TOKEN, base_url=fake.url), clock=clock)
    person = fake.workspace.active_humans()[0]

    assert await locales.of(person.id) == "de-DE"  # never seen: the one lookup that is waited for
    assert await locales.of(person.id) == "de-DE"
    assert _lookups(fake, person.id) == 1

    # An hour later the person has switched Slack to English.
    person.locale = "en-GB"
    clock.now += REMEMBER_SECONDS + 1
    assert await locales.of(person.id) == "de-DE"  # answered from memory, no wait before the ack
    await eventually(lambda: _speaks(locales, person.id, "en-GB"))
    assert _lookups(fake, person.id) == 2


async def test_many_requests_from_one_stale_person_start_one_refresh(fake: FakeSlack) -> None:
    clock = Clock()
    locales = Locales(AsyncWebClient(token=DEFAULT_TOKEN, base_url=fake.url), clock=clock)
    person = fake.workspace.active_humans()[0]
    await locales.of(person.id)
    clock.now += REMEMBER_SECONDS + 1

    answers = await asyncio.gather(*(locales.of(person.id) for _ in range(20)))

    assert set(answers) == {"de-DE"}
    await eventually(lambda: _speaks(locales, person.id, "de-DE"))
    await eventually(lambda: _lookups(fake, person.id) == 2)
    await asyncio.sleep(0.2)  # time for any second refresh to have reached the fake
    assert _lookups(fake, person.id) == 2


class PagedDirectory:
    """The Directory port reading the workspace a page at a time, each page let through by the test."""

    def __init__(self, locales: Locales, pages: list[list[Member]]) -> None:
        self.locales = locales
        self.pages = pages
        self.next_page = asyncio.Event()

    async def list_members(self) -> list[Member]:
        found: list[Member] = []
        for number, page in enumerate(self.pages):
            if number:
                await self.next_page.wait()
                self.next_page.clear()
            self.locales.remember(page)  # as SlackDirectory hands each page over
            found += page
        return found

    async def channel_members(self, channel_id: str) -> set[str]:
        return set()


async def test_a_dm_waits_for_the_page_naming_its_recipient_not_for_the_whole_directory(
    fake: FakeSlack,
) -> None:
    """After a restart, a big workspace's first DMs go while users.list (Tier 2) is still paging."""
    locales = Locales(AsyncWebClient(token=DEFAULT_TOKEN, base_url=fake.url))
    first, later = Member("U0FIRSTPAGE", locale="de-DE"), Member("U0LATERPAGE", locale="fr-FR")
    directory = PagedDirectory(locales, [[first], [later]])

    assert await asyncio.wait_for(locales.of_recipient(first.id, directory), timeout=2) == "de-DE"
    waiting = asyncio.ensure_future(locales.of_recipient(later.id, directory))
    await asyncio.sleep(0.05)
    assert not waiting.done()  # its page has not come yet
    directory.next_page.set()
    assert await asyncio.wait_for(waiting, timeout=2) == "fr-FR"
    assert not fake.calls_to("users.info")  # nobody was looked up one by one
