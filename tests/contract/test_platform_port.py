"""The port's contract: every platform adapter (the Slack fake, the in-memory platform) behaves the
same wherever the core relies on it — addressing a person, finding what was delivered, updating it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

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


@dataclass
class Platform:
    """One implementation of the port, over the same simulated people."""

    name: str
    directory: Directory
    messenger: Messenger
    workspace: Workspace


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


@pytest.fixture(params=["memory", "slack"])
async def platform(request: pytest.FixtureRequest, slack_fake: FakeSlack) -> AsyncIterator[Platform]:
    """Each implementation in turn."""
    if request.param == "memory":
        workspace = build_workspace(employees=12)
        world = _memory_world(workspace)
        yield Platform("memory", MemoryDirectory(world), MemoryMessenger(world), workspace)
        return
    # As the app calls Slack: through the pacer (one message per second per conversation).
    client = PacedWebClient(
        token=DEFAULT_TOKEN, base_url=slack_fake.url, retry_handlers=[], pacer=Pacer(50.0)
    )
    yield Platform("slack", SlackDirectory(client), SlackMessenger(client), slack_fake.workspace)


def _humans(platform: Platform) -> list[str]:
    return [u.id for u in platform.workspace.active_humans()]


def _marked(text: str, outbox_id: int) -> OutgoingMessage:
    metadata: dict[str, Any] = {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": outbox_id}}
    return OutgoingMessage(text=text, metadata=metadata)


async def test_the_directory_lists_every_member_and_flags_who_is_not_a_person(platform: Platform) -> None:
    members = {m.id: m for m in await platform.directory.list_members()}
    assert set(_humans(platform)) <= {m.id for m in members.values() if m.active_human}
    bots = [u.id for u in platform.workspace.users.values() if u.is_bot]
    assert bots and all(members[b].is_bot and not members[b].active_human for b in bots)


async def test_channel_members_are_read_live(platform: Platform) -> None:
    expected = set(platform.workspace.channels[COORDINATOR_CHANNEL_ID].members)
    assert await platform.directory.channel_members(COORDINATOR_CHANNEL_ID) == expected


async def test_a_person_is_addressed_by_their_id_and_lands_in_their_dm(platform: Platform) -> None:
    person = _humans(platform)[0]
    posted = await platform.messenger.post(person, OutgoingMessage(text="hello"))
    assert posted.conversation == await platform.messenger.open_dm(person)
    assert posted.ref  # an opaque reference to what was delivered


async def test_what_was_delivered_is_found_by_its_outbox_id_and_nothing_else(platform: Platform) -> None:
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
    since = datetime.now(UTC) - timedelta(minutes=1)
    # Still the same delivery: looking back finds it once, under the same reference.
    assert await platform.messenger.find_posted(posted.conversation, since=since, outbox_id=7) == posted.ref


async def test_a_shared_file_is_found_by_its_outbox_id(platform: Platform) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    chart = OutgoingFile(filename="chart.png", title="Chart", content=b"\x89PNG fake")
    await platform.messenger.upload_file(COORDINATOR_CHANNEL_ID, chart, comment="This week", outbox_id=99)
    found = await platform.messenger.find_posted(COORDINATOR_CHANNEL_ID, since=since, outbox_id=99)
    assert found is not None


async def test_an_unknown_conversation_is_refused_for_good(platform: Platform) -> None:
    with pytest.raises(DeliveryError) as refused:
        await platform.messenger.post("C0NOSUCHROOM", OutgoingMessage(text="hello"))
    assert refused.value.retryable is False


async def test_a_message_carrying_its_view_model_is_delivered_like_any_other(platform: Platform) -> None:
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
