"""The Teams adapter against the fake Bot Connector: what lands, what is refused, and how."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from bot.errors import DeliveryError
from bot.ports import OutgoingFile, OutgoingMessage
from handlers.teams.adapter import TeamsDirectory, TeamsMessenger
from handlers.teams.connector import ConnectorClient
from handlers.teams.ids import teams_id
from handlers.teams.simulation.connector import FakeTeams
from handlers.teams.simulation.tenant import COORDINATORS_TEAM_ID, EVERYONE_TEAM_ID, build_tenant


class FrozenClock:
    """The fake's clock, stepped by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def _client(
    fake: FakeTeams, session: aiohttp.ClientSession, *, password: str | None = None
) -> ConnectorClient:
    return ConnectorClient(
        session=session,
        service_url=fake.service_url,
        token_url=fake.token_url,
        app_id=fake.tenant.app_id,
        app_password=fake.app_password if password is None else password,
    )


@pytest.fixture
def messenger(fake_teams: FakeTeams, session: aiohttp.ClientSession) -> TeamsMessenger:
    return TeamsMessenger(_client(fake_teams, session), tenant_id=fake_teams.tenant.id)


@pytest.fixture
def frozen_teams() -> Iterator[tuple[FakeTeams, FrozenClock]]:
    clock = FrozenClock()
    with FakeTeams(build_tenant(), clock=clock) as fake:
        yield fake, clock


def _person(fake: FakeTeams, n: int = 0) -> str:
    return fake.tenant.people()[n].id


async def test_a_message_lands_in_the_persons_chat_and_an_update_replaces_it(
    fake_teams: FakeTeams, messenger: TeamsMessenger
) -> None:
    posted = await messenger.post(_person(fake_teams), OutgoingMessage(text="How was your week?"))
    assert posted.conversation.startswith("a:")
    await messenger.update(posted.conversation, posted.ref, OutgoingMessage(text="Thanks for answering"))
    [shown] = fake_teams.sent_to(posted.conversation)
    assert (shown.id, shown.text, shown.updates) == (posted.ref, "Thanks for answering", 1)


async def test_the_1to1_conversation_is_created_once_per_person(
    fake_teams: FakeTeams, messenger: TeamsMessenger
) -> None:
    person = _person(fake_teams)
    for text in ("one", "two", "three"):
        await messenger.post(person, OutgoingMessage(text=text))
    assert fake_teams.requests.count(("POST", "/v3/conversations")) == 1


async def test_a_person_without_the_app_is_refused_for_good(
    fake_teams: FakeTeams, messenger: TeamsMessenger
) -> None:
    person = _person(fake_teams)
    fake_teams.uninstall(person)
    with pytest.raises(DeliveryError) as refused:
        await messenger.open_dm(person)  # Teams will not even open the chat
    assert refused.value.retryable is False
    assert "403" in str(refused.value)
    assert not fake_teams.personal


async def test_a_person_who_removes_the_app_later_is_refused_for_good(
    fake_teams: FakeTeams, messenger: TeamsMessenger
) -> None:
    person = _person(fake_teams)
    await messenger.post(person, OutgoingMessage(text="first"))
    fake_teams.uninstall(person)
    with pytest.raises(DeliveryError) as refused:
        await messenger.post(person, OutgoingMessage(text="second"))
    assert refused.value.retryable is False


async def test_the_eighth_send_in_a_second_is_rate_limited_with_retry_after(
    frozen_teams: tuple[FakeTeams, FrozenClock], session: aiohttp.ClientSession
) -> None:
    fake, clock = frozen_teams
    messenger = TeamsMessenger(_client(fake, session), tenant_id=fake.tenant.id)
    dm = await messenger.open_dm(_person(fake))
    for n in range(7):
        await messenger.post(dm, OutgoingMessage(text=f"#{n}"))
    with pytest.raises(DeliveryError) as limited:
        await messenger.post(dm, OutgoingMessage(text="#7"))
    assert (limited.value.retryable, limited.value.retry_after) == (True, 1.0)
    assert fake.rate_limited == 1 and len(fake.sent_to(dm)) == 7
    # Another person's chat has its own allowance; and a second later this one has room again.
    await messenger.post(_person(fake, 1), OutgoingMessage(text="elsewhere"))
    clock.now += 1.0
    await messenger.post(dm, OutgoingMessage(text="#7 again"))


async def test_the_tenant_allows_fifty_requests_a_second_whatever_they_are(
    frozen_teams: tuple[FakeTeams, FrozenClock], session: aiohttp.ClientSession
) -> None:
    fake, clock = frozen_teams
    directory = TeamsDirectory(_client(fake, session), people_roster=EVERYONE_TEAM_ID)
    for _ in range(50):
        await directory.channel_members(COORDINATORS_TEAM_ID)
    with pytest.raises(DeliveryError) as limited:
        await directory.channel_members(COORDINATORS_TEAM_ID)
    assert limited.value.retry_after == 1.0
    clock.now += 1.0
    assert await directory.channel_members(COORDINATORS_TEAM_ID)


@pytest.mark.parametrize("status", [412, 502, 503, 504])
async def test_statuses_teams_asks_to_retry_are_retryable(
    fake_teams: FakeTeams, messenger: TeamsMessenger, status: int
) -> None:
    person = _person(fake_teams)
    await messenger.open_dm(person)
    fake_teams.fail("send", status=status)
    with pytest.raises(DeliveryError) as failed:
        await messenger.post(person, OutgoingMessage(text="hello"))
    assert failed.value.retryable is True
    await messenger.post(person, OutgoingMessage(text="hello"))  # the fault was one call long


async def test_an_oversized_message_is_refused_for_good(
    fake_teams: FakeTeams, messenger: TeamsMessenger
) -> None:
    with pytest.raises(DeliveryError) as refused:
        await messenger.post(_person(fake_teams), OutgoingMessage(text="x" * 110_000))
    assert refused.value.retryable is False


async def test_a_chart_is_shared_inline_and_does_not_count_towards_the_size_cap(
    fake_teams: FakeTeams, messenger: TeamsMessenger
) -> None:
    chart = OutgoingFile(filename="chart.png", title="Chart", content=b"\x89PNG" + bytes(150_000))
    await messenger.upload_file(COORDINATORS_TEAM_ID, chart, comment="This week", outbox_id=9)
    [shown] = fake_teams.sent_to(COORDINATORS_TEAM_ID)
    [attachment] = shown.attachments
    assert shown.text == "This week"
    assert attachment["contentType"] == "image/png"
    assert attachment["contentUrl"].startswith("data:image/png;base64,iVBORw")


async def test_a_wrong_app_secret_is_refused_for_good(
    fake_teams: FakeTeams, session: aiohttp.ClientSession
) -> None:
    messenger = TeamsMessenger(_client(fake_teams, session, password="wrong"), tenant_id=fake_teams.tenant.id)
    with pytest.raises(DeliveryError) as refused:
        await messenger.post(_person(fake_teams), OutgoingMessage(text="hello"))
    assert refused.value.retryable is False
    assert not fake_teams.requests  # nothing reached the connector


async def test_the_connector_refuses_a_call_without_its_token(
    fake_teams: FakeTeams, session: aiohttp.ClientSession
) -> None:
    async with session.post(f"{fake_teams.origin}/v3/conversations", json={}) as response:
        assert response.status == 401
    async with session.post(
        f"{fake_teams.origin}/v3/conversations", json={}, headers={"Authorization": "Bearer made-up"}
    ) as response:
        assert response.status == 401


async def test_an_unreachable_connector_is_retryable_and_certainly_not_delivered(
    session: aiohttp.ClientSession,
) -> None:
    with FakeTeams(build_tenant()) as fake:
        client = _client(fake, session)
    messenger = TeamsMessenger(client, tenant_id=fake.tenant.id)
    with pytest.raises(DeliveryError) as failed:
        await messenger.post(_person(fake), OutgoingMessage(text="hello"))
    assert (failed.value.retryable, failed.value.uncertain) == (True, False)


async def test_the_directory_reads_every_page_and_flags_guests(session: aiohttp.ClientSession) -> None:
    with FakeTeams(build_tenant(employees=620, coordinators=3, guests=2)) as fake:
        zones = {u.id: u.timezone for u in fake.tenant.users.values() if u.timezone}
        directory = TeamsDirectory(_client(fake, session), people_roster=EVERYONE_TEAM_ID, timezones=zones)
        members = await directory.list_members()
        assert len(members) == 622 and len({m.id for m in members}) == 622
        assert fake.requests.count(("GET", f"/v3/conversations/{EVERYONE_TEAM_ID}/pagedmembers")) == 2
        assert sum(not m.active_human for m in members) == 2
        # Members carry the domain's person ids (no ':'), one to one with Teams user ids.
        assert all(":" not in m.id and m.tz == zones[teams_id(m.id)] for m in members)
        first = next(m for m in members if teams_id(m.id) == fake.tenant.people()[0].id)
        assert (first.real_name, first.display_name) == ("Ada Okafor", "Ada Okafor")
        assert len(await directory.channel_members(COORDINATORS_TEAM_ID)) == 3


async def test_an_unknown_conversation_is_refused_for_good(messenger: TeamsMessenger) -> None:
    with pytest.raises(DeliveryError) as refused:
        await messenger.update("a:nosuchchat", "1:000000000001", OutgoingMessage(text="hello"))
    assert refused.value.retryable is False
