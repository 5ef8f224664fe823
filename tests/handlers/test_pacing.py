"""The pacer's spacing, per channel and workspace-wide, and its pause on 429."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError

from handlers.slack import pacing
from handlers.slack.pacing import (
    BURST_CALLS,
    HEADROOM,
    METHOD_TIERS,
    TIER_PER_MINUTE,
    PacedWebClient,
    Pacer,
    tier_of,
)
from handlers.slack.simulation.slack_api import BURST_SECONDS as FAKE_BURST_SECONDS
from handlers.slack.simulation.slack_api import DEFAULT_TOKEN, FakeSlack
from handlers.slack.simulation.slack_api import METHOD_TIERS as FAKE_TIERS
from handlers.slack.simulation.slack_api import TIER_PER_MINUTE as FAKE_PER_MINUTE
from handlers.slack.simulation.workspace import Workspace


@contextlib.contextmanager
def log_waits_over(seconds: float) -> Iterator[None]:
    """Log any wait longer than `seconds` (the real threshold is a second, too slow for a test)."""
    saved = pacing.WAIT_WORTH_LOGGING
    pacing.WAIT_WORTH_LOGGING = seconds
    try:
        yield
    finally:
        pacing.WAIT_WORTH_LOGGING = saved


async def test_workspace_rate_spaces_sends_after_a_one_second_burst() -> None:
    pacer = Pacer(50.0)
    started = time.monotonic()
    for i in range(50):
        await pacer.wait(f"D{i}")
    burst = time.monotonic() - started
    for i in range(50, 76):
        await pacer.wait(f"D{i}")
    # A second of unused budget (50 sends) may go at once; after that, 20 ms between sends.
    assert burst < 0.5
    assert time.monotonic() - started >= 0.49


async def test_one_channel_gets_at_most_one_message_per_interval() -> None:
    pacer = Pacer(1000.0, channel_interval=0.2)
    started = time.monotonic()
    for _ in range(3):
        await pacer.wait("D1")
    assert time.monotonic() - started >= 0.39


async def test_pause_holds_every_channel() -> None:
    pacer = Pacer(1000.0)
    pacer.pause(0.3)
    started = time.monotonic()
    await pacer.wait("D9")
    assert time.monotonic() - started >= 0.29


def test_the_pacer_knows_every_method_the_fake_limits_and_is_never_looser() -> None:
    for method, tier in FAKE_TIERS.items():
        assert method in METHOD_TIERS, f"the pacer does not know {method}'s tier"
        ours = TIER_PER_MINUTE[METHOD_TIERS[method]] * HEADROOM
        assert ours < FAKE_PER_MINUTE[tier], method
    # Bursts: the pacer's (BURST_CALLS + 1 at once) fit in the fake's smallest bucket it can meet.
    assert FAKE_PER_MINUTE[2] / 60 * FAKE_BURST_SECONDS >= BURST_CALLS + 1
    assert tier_of("some.newMethod") == 2


async def test_a_tiered_method_is_spaced_at_its_tier_after_a_short_burst() -> None:
    # 10x Slack's speed so the test is quick: Tier 3 becomes 500/min, one call every ~13 ms.
    pacer = Pacer(100.0, tier_scale=10.0)
    started = time.monotonic()
    for _ in range(BURST_CALLS + 1 + 20):
        await pacer.wait_for("chat.update")
    interval = 60.0 / (50.0 * HEADROOM * 10.0)
    assert time.monotonic() - started >= 20 * interval * 0.95
    # Another method has its own budget and goes at once.
    other = time.monotonic()
    await pacer.wait_for("views.open")
    assert time.monotonic() - other < 0.01


async def test_the_expected_delay_is_read_without_booking_a_slot() -> None:
    pacer = Pacer(100.0, monotonic=lambda: 100.0)  # a clock that stands still: nothing sleeps
    interval = 60.0 / (100.0 * HEADROOM)  # views.open is Tier 4
    assert pacer.delay("views.open") == 0.0
    for _ in range(BURST_CALLS + 1):
        await pacer.wait_for("views.open")  # the burst goes at once
    # The next call waits one interval, and asking twice does not move it (delay books nothing).
    assert pacer.delay("views.open") == pytest.approx(interval)
    assert pacer.delay("views.open") == pytest.approx(interval)
    pacer.pause(30.0, "views.open")
    assert pacer.delay("views.open") == pytest.approx(30.0)
    assert pacer.delay("views.update") == 0.0


async def test_throttling_is_logged_once_not_per_call(caplog: pytest.LogCaptureFixture) -> None:
    pacer = Pacer(100.0, tier_scale=60.0)  # Tier 2 becomes 20/s: the wait is long enough to log
    caplog.set_level(logging.WARNING, logger="handlers.slack.pacing")
    with log_waits_over(1.0 / 60):
        for _ in range(12):
            await pacer.wait_for("users.list")
    for _ in range(3):
        pacer.pause(0.01, "users.list")
    lines = [r.getMessage() for r in caplog.records]
    assert sum("pacing Slack calls to users.list" in line for line in lines) == 1
    assert sum("rate-limited users.list" in line for line in lines) == 1


async def test_the_paced_client_honours_retry_after_and_succeeds(workspace: Workspace) -> None:
    with FakeSlack(workspace) as fake:
        pacer = Pacer(100.0)
        client = PacedWebClient(token=DEFAULT_TOKEN, base_url=fake.url, pacer=pacer, rate_limit_retries=2)
        fake.fail("chat.update", status=429, retry_after=1)
        posted = await client.chat_postMessage(channel=workspace.active_humans()[0].id, text="a")
        started = time.monotonic()
        await client.chat_update(channel=str(posted["channel"]), ts=str(posted["ts"]), text="b")
        assert time.monotonic() - started >= 0.95
        assert [c.status for c in fake.calls_to("chat.update")] == [429, 200]
        # Without retries (the outbox's client), the 429 reaches the caller, and the method is held.
        once = PacedWebClient(token=DEFAULT_TOKEN, base_url=fake.url, pacer=pacer)
        fake.fail("chat.update", status=429, retry_after=1)
        with pytest.raises(SlackApiError):
            await once.chat_update(channel=str(posted["channel"]), ts=str(posted["ts"]), text="c")
        held = time.monotonic()
        await pacer.wait_for("chat.update")
        assert time.monotonic() - held >= 0.9
