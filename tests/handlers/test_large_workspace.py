"""A 20,000-member workspace is listed, and a 20,000-member channel read, without one 429."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from handlers.slack.adapter import SlackDirectory
from handlers.slack.pacing import PacedWebClient, Pacer
from handlers.slack.simulation.slack_api import DEFAULT_TOKEN, FakeSlack
from handlers.slack.simulation.workspace import AUDIENCE_CHANNEL_ID, build_workspace

MEMBERS = 20_000
# Slack's limits at 10x speed on both sides: users.list's Tier 2 becomes 200/min. The real-speed
# figure (about a minute) is in bench/README.md.
SCALE = 10.0


@pytest.fixture
def big_office() -> Iterator[FakeSlack]:
    """A fake Slack serving 20,000 employees, limits on (scaled)."""
    with FakeSlack(build_workspace(employees=MEMBERS), tier_scale=SCALE) as fake:
        yield fake


async def test_twenty_thousand_members_are_listed_paced_without_a_429(big_office: FakeSlack) -> None:
    fake = big_office
    client = PacedWebClient(
        token=DEFAULT_TOKEN, base_url=fake.url, retry_handlers=[], pacer=Pacer(10.0, tier_scale=SCALE)
    )
    directory = SlackDirectory(client)
    started = time.monotonic()
    members = await directory.list_members()
    listed = time.monotonic() - started
    in_channel = await directory.channel_members(AUDIENCE_CHANNEL_ID)
    assert len({m.id for m in members}) == len(fake.workspace.users)
    assert len(in_channel) == MEMBERS
    assert fake.ratelimited_count == 0
    pages = fake.calls_to("users.list")
    assert len(pages) == -(-len(fake.workspace.users) // 1000)
    # Paced, not bursting: beyond the first three, pages go at Tier 2's rate (scaled).
    assert listed >= (len(pages) - 3) * 60 / (20 * SCALE)
