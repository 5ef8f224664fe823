"""The port's contract: every platform adapter (the Slack fake, the Teams fake, the in-memory platform)
behaves the same wherever the core relies on it — addressing a person, finding what was delivered,
updating it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bot.delivery import METADATA_EVENT
from bot.errors import DeliveryError
from bot.ports import Directory, Member, Messenger, OutgoingFile, OutgoingMessage
from bot.updates import UpdateMessage
from handlers.memory.adapters import MemoryDirectory, MemoryMessenger, MemoryWorld
from handlers.slack.adapter import SlackDirectory, SlackMessenger
from handlers.slack.pacing import PacedWebClient, Pacer
from handlers.slack.simulation.slack_api import DEFAULT_TOKEN, FakeSlack
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, Workspace, build_workspace
from handlers.teams.adapter import TeamsDirectory, TeamsMessenger
from handlers.teams.connector import ConnectorClient
from handlers.teams.ids import person_id
from handlers.teams.simulation.connector import FakeTeams
from handlers.teams.simulation.tenant import teams_user_id
from tests.contract.teams_world import teams_address, teams_tenant


@dataclass
class Platform:
    """One implementation of the port, over the same simulated people."""

    name: str
    directory: Directory
    messenger: Messenger
    workspace: Workspace
    # The platform's address for a simulated person or channel (Teams has its own id shapes).
    person: Callable[[str], str] = field(default=lambda user_id: user_id)
    room: Callable[[str], str] = field(default=lambda channel_id: channel_id)
    # Whether the platform can look back at what it delivered (Teams gives bots no history).
    looks_back: bool = True
    # Whether rosters list bots at all (Teams rosters list only people).
    lists_bots: bool = True


def _needs_history(platform: Platform) -> None:
    if not platform.looks_back:
        pytest.skip(f"{platform.name} has no message history for bots: find_posted always answers None")


def _memory_world(workspace: Workspace) -> MemoryWorld:
    world = MemoryWorld()
    for user in workspace.users.values():
        world.members[user.id] = Member(
            id=user.id,
            tz=user.tz,
            real_name=user.real_name,
            display_name=user.display_name,
            active_human=not (user.is_bot or user.deleted or user.is_restricted or user.is_app_user),
            is_bot=user.is_bot or user.is_app_user,
        )
    for channel in workspace.channels.values():
        world.channels[channel.id] = set(channel.members)
    return world


@pytest.fixture(scope="module")
def slack_fake() -> Iterator[FakeSlack]:
    """One fake Slack for the module (its limits on; the contract calls stay far below them)."""
    with FakeSlack(build_workspace(employees=12)) as fake:
        yield fake


@pytest.fixture(params=["memory", "slack", "teams"])
async def platform(request: pytest.FixtureRequest, slack_fake: FakeSlack) -> AsyncIterator[Platform]:
    """Each implementation in turn."""
    if request.param == "memory":
        workspace = build_workspace(employees=12)
        world = _memory_world(workspace)
        yield Platform("memory", MemoryDirectory(world), MemoryMessenger(world), workspace)
        return
    if request.param == "teams":
        workspace = build_workspace(employees=12)
        with FakeTeams(teams_tenant(workspace)) as fake:
            async with aiohttp.ClientSession() as session:
                client = ConnectorClient(
                    session=session,
                    service_url=fake.service_url,
                    token_url=fake.token_url,
                    app_id=fake.tenant.app_id,
                    app_password=fake.app_password,
                )
                directory = TeamsDirectory(client, people_roster=teams_address("everyone"))
                messenger = TeamsMessenger(client, tenant_id=fake.tenant.id)
                yield Platform(
                    "teams",
                    directory,
                    messenger,
                    workspace,
                    person=lambda u: person_id(teams_user_id(u)),
                    room=teams_address,
                    looks_back=False,
                    lists_bots=False,
                )
        return
    # As the app calls Slack: through the pacer (one message per second per conversation).
    client = PacedWebClient(
        token=DEFAULT_TOKEN, base_url=slack_fake.url, retry_handlers=[], pacer=Pacer(50.0)
    )
    yield Platform("slack", SlackDirectory(client), SlackMessenger(client), slack_fake.workspace)


def _humans(platform: Platform) -> list[str]:
    return [platform.person(u.id) for u in platform.workspace.active_humans()]


def _marked(text: str, outbox_id: int) -> OutgoingMessage:
    metadata: dict[str, Any] = {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": outbox_id}}
    return OutgoingMessage(text=text, metadata=metadata)


async def test_the_directory_lists_every_member_and_flags_who_is_not_a_person(platform: Platform) -> None:
    members = {m.id: m for m in await platform.directory.list_members()}
    assert set(_humans(platform)) <= {m.id for m in members.values() if m.active_human}
    guests = [platform.person(u.id) for u in platform.workspace.users.values() if u.is_restricted]
    assert guests and all(not members[g].active_human for g in guests)


async def test_the_directory_flags_bots(platform: Platform) -> None:
    if not platform.lists_bots:
        pytest.skip(f"{platform.name} rosters list only people, so there is no bot to flag")
    members = {m.id: m for m in await platform.directory.list_members()}
    bots = [u.id for u in platform.workspace.users.values() if u.is_bot]
    assert bots and all(members[b].is_bot and not members[b].active_human for b in bots)


async def test_channel_members_are_read_live(platform: Platform) -> None:
    users = platform.workspace.users
    expected = {
        platform.person(m)
        for m in platform.workspace.channels[COORDINATOR_CHANNEL_ID].members
        if platform.lists_bots or not users[m].is_bot
    }
    assert await platform.directory.channel_members(platform.room(COORDINATOR_CHANNEL_ID)) == expected


async def test_a_person_is_addressed_by_their_id_and_lands_in_their_dm(platform: Platform) -> None:
    person = _humans(platform)[0]
    posted = await platform.messenger.post(person, OutgoingMessage(text="hello"))
    assert posted.conversation == await platform.messenger.open_dm(person)
    assert posted.ref  # an opaque reference to what was delivered


async def test_what_was_delivered_is_found_by_its_outbox_id_and_nothing_else(platform: Platform) -> None:
    _needs_history(platform)
    person = _humans(platform)[1]
    since = datetime.now(UTC) - timedelta(minutes=1)
    posted = await platform.messenger.post(person, _marked("pulse", 41))
    await platform.messenger.post(person, OutgoingMessage(text="unmarked"))
    dm = await platform.messenger.open_dm(person)
    assert await platform.messenger.find_posted(dm, since=since, outbox_id=41) == posted.ref
    assert await platform.messenger.find_posted(dm, since=since, outbox_id=42) is None


async def test_an_update_replaces_the_message_in_place(platform: Platform) -> None:
    person = _humans(platform)[2]
    posted = await platform.messenger.post(person, _marked("before", 7))
    updated = await platform.messenger.update(posted.conversation, posted.ref, OutgoingMessage(text="after"))
    assert (updated.conversation, updated.ref) == (posted.conversation, posted.ref)


async def test_an_updated_message_is_still_found_once_under_its_reference(platform: Platform) -> None:
    _needs_history(platform)
    person = _humans(platform)[4]  # not the person above: Slack allows one post a second per DM
    posted = await platform.messenger.post(person, _marked("before", 7))
    await platform.messenger.update(posted.conversation, posted.ref, OutgoingMessage(text="after"))
    since = datetime.now(UTC) - timedelta(minutes=1)
    # Still the same delivery: looking back finds it once, under the same reference.
    assert await platform.messenger.find_posted(posted.conversation, since=since, outbox_id=7) == posted.ref


async def test_a_shared_file_is_found_by_its_outbox_id(platform: Platform) -> None:
    _needs_history(platform)
    since = datetime.now(UTC) - timedelta(minutes=1)
    chart = OutgoingFile(filename="chart.png", title="Chart", content=b"\x89PNG fake")
    await platform.messenger.upload_file(COORDINATOR_CHANNEL_ID, chart, comment="This week", outbox_id=99)
    found = await platform.messenger.find_posted(COORDINATOR_CHANNEL_ID, since=since, outbox_id=99)
    assert found is not None


async def test_an_unknown_conversation_is_refused_for_good(platform: Platform) -> None:
    with pytest.raises(DeliveryError) as refused:
        await platform.messenger.post("C0NOSUCHROOM", OutgoingMessage(text="hello"))
    assert refused.value.retryable is False


async def test_a_platform_without_history_never_claims_a_delivery(platform: Platform) -> None:
    if platform.looks_back:
        pytest.skip(f"{platform.name} can look back, which the tests above cover")
    person = _humans(platform)[1]
    since = datetime.now(UTC) - timedelta(minutes=1)
    posted = await platform.messenger.post(person, _marked("pulse", 41))
    # The outbox then resends an uncertain send: at least once, never lost.
    assert await platform.messenger.find_posted(posted.conversation, since=since, outbox_id=41) is None


async def test_a_message_carrying_its_view_model_is_delivered_like_any_other(platform: Platform) -> None:
    _needs_history(platform)
    person = _humans(platform)[3]
    since = datetime.now(UTC) - timedelta(minutes=1)
    view = UpdateMessage("We moved the drop-in sessions.")
    message = replace(_marked("You said, we did: We moved the drop-in sessions.", 51), view=view)
    posted = await platform.messenger.post(person, message)
    assert await platform.messenger.find_posted(posted.conversation, since=since, outbox_id=51) == posted.ref
    if isinstance(platform.messenger, MemoryMessenger):
        # The in-memory platform keeps the view-model, so a domain test reads it as data.
        [delivered] = platform.messenger.world.delivered[posted.conversation][-1:]
        assert delivered.view == view
