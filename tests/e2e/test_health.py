"""Liveness and readiness: anonymous probes learn only a verdict; readiness reflects stalled work."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlmodel import col, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery import Envelope
from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import SlackSender
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import BOT_USER_ID, SUPPORTERS_CHANNEL_ID, Workspace, build_workspace
from storage.models import OutboxMessage
from tests.conftest import HEALTH_HEADERS, SIGNING_SECRET
from tests.support import eventually


async def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers or {}) as response:
        return response.status, await response.json()


async def _ready(runtime: Runtime) -> bool:
    return (await _get(runtime.url + "/readyz")) == (200, {"status": "ready"})


async def test_anonymous_callers_get_a_verdict_and_nothing_else(runtime: Runtime) -> None:
    assert await _get(runtime.url + "/healthz") == (200, {"status": "ok"})
    assert await eventually(lambda: _ready(runtime))
    wrong = {"Authorization": "Bearer not-the-token"}
    assert await _get(runtime.url + "/readyz", wrong) == (200, {"status": "ready"})
    assert await _get(runtime.url + "/healthz", {"Authorization": "Bearer "}) == (200, {"status": "ok"})


async def test_the_health_token_shows_the_details(runtime: Runtime) -> None:
    status, body = await _get(runtime.url + "/readyz", HEALTH_HEADERS)
    assert status == 200
    assert body["status"] == "ready" and body["problems"] == {}
    assert body["database"] == "ok" and body["leader"] is True
    status, body = await _get(runtime.url + "/healthz", HEALTH_HEADERS)
    assert status == 200 and body["status"] == "ok" and body["ready"] is True and body["leader"] is True


@pytest.fixture
def workspace() -> Workspace:
    """A small workspace: these tests are about the process, not the fan-out."""
    return build_workspace(employees=6)


@pytest.fixture
async def restarted(settings: Settings, clock: ManualClock, slack: FakeSlack) -> AsyncIterator[Runtime]:
    """A process starting over a DM left 'sending' by its predecessor, while Slack fails every
    call reconciliation needs."""
    first = Runtime(settings, clock=clock, scheduler_enabled=False)
    await first.start(host="127.0.0.1", port=0)
    await first.wait_until_leader()
    await first.stop()
    user = next(iter(slack.workspace.active_humans())).id
    async with first.db.session() as session:
        session.add(
            OutboxMessage(
                dedupe_key="left-in-flight",
                kind="text",
                recipient=user,
                payload={"text": "left in flight"},
                status="sending",
                next_attempt_at=clock.now(),
                claimed_at=clock.now(),
            )
        )
    await first.db.dispose()
    for method in ("conversations.open", "conversations.history"):
        slack.fail(method, status=500, times=10_000)
    second = Runtime(settings, clock=clock, scheduler_enabled=False)
    await second.start(host="127.0.0.1", port=0)
    yield second
    await second.stop()


async def test_a_row_that_cannot_be_checked_is_retried_without_blocking_leader_work(
    restarted: Runtime, slack: FakeSlack, clock: ManualClock
) -> None:
    # Settling rows left in flight asks Slack nothing up front (one UPDATE), so a Slack that cannot
    # answer the check leaves the leader ready; the row waits, retried, with the reason recorded.
    await restarted.wait_until_leader()
    assert await eventually(lambda: _ready(restarted), timeout=20)

    async def row() -> OutboxMessage:
        async with restarted.db.session() as session:
            return (
                await session.exec(
                    select(OutboxMessage).where(col(OutboxMessage.dedupe_key) == "left-in-flight")
                )
            ).one()

    async def check_failed() -> bool:
        return "cannot check Slack" in ((await row()).last_error or "")

    assert await eventually(check_failed, timeout=20)
    assert (await row()).status == "pending"
    assert [m.text for m in slack.all_messages() if m.text == "left in flight"] == []
    assert await _get(restarted.url + "/healthz") == (200, {"status": "ok"})

    slack.clear_faults()
    clock.advance(timedelta(minutes=10))  # past any retry back-off

    async def sent() -> bool:
        return (await row()).status == "sent"

    # Checked (it never reached Slack), then sent once.
    assert await eventually(sent, timeout=30)
    assert [m.text for m in slack.all_messages() if m.text == "left in flight"] == ["left in flight"]


async def test_an_outbox_that_sends_nothing_for_long_is_not_ready(
    runtime: Runtime, slack: FakeSlack, clock: ManualClock
) -> None:
    user = next(iter(slack.workspace.active_humans())).id
    # Slack answers nothing useful for a long time: the message stays due, nothing is sent.
    slack.fail("chat.postMessage", status=503, times=10_000)
    await runtime.services.outbox.enqueue(
        [Envelope("text", user, "stuck-test", clock.now(), payload={"text": "hi"})]
    )
    assert (await _get(runtime.url + "/readyz"))[0] == 200
    clock.advance(timedelta(minutes=6))

    async def outbox_problem() -> str | None:
        status, body = await _get(runtime.url + "/readyz", HEALTH_HEADERS)
        return body["problems"].get("outbox") if status == 503 else None

    reason = await eventually(outbox_problem, timeout=15)
    assert "nothing sent for over 5 minutes" in reason
    slack.clear_faults()
    clock.advance(timedelta(minutes=10))  # past any retry back-off
    assert await eventually(lambda: _ready(runtime), timeout=20)


async def test_a_channel_problem_found_at_start_clears_once_fixed_without_a_restart(
    settings: Settings, clock: ManualClock, slack: FakeSlack
) -> None:
    slack.remove_member(SUPPORTERS_CHANNEL_ID, BOT_USER_ID)
    runtime = Runtime(settings, clock=clock, scheduler_enabled=False)
    runtime.recheck_interval = 0.2
    await runtime.start(host="127.0.0.1", port=0)
    try:
        await runtime.wait_until_leader()
        status, body = await _get(runtime.url + "/readyz", HEALTH_HEADERS)
        assert status == 503
        assert (
            "not found (or it is private and PeerPulse is not in it)"
            in body["problems"]["SUPPORTERS_CHANNEL"]
        )

        slack.add_member(SUPPORTERS_CHANNEL_ID, BOT_USER_ID)  # the admin invites PeerPulse
        assert await eventually(lambda: _ready(runtime), timeout=10)
    finally:
        await runtime.stop()


@pytest.fixture
def misconfigured(settings: Settings) -> Settings:
    """COORDINATOR_CHANNEL still holds .env.example's placeholder."""
    return dataclasses.replace(settings, coordinator_channel="G0123COORD")


async def test_a_coordinator_command_with_a_wrong_channel_says_what_to_do(
    misconfigured: Settings, clock: ManualClock, slack: FakeSlack, workspace: Workspace
) -> None:
    runtime = Runtime(misconfigured, clock=clock, scheduler_enabled=False)
    await runtime.start(host="127.0.0.1", port=0)
    try:
        async with SlackSender() as sender:
            people = People(slack, sender, app_url=runtime.url, signing_secret=SIGNING_SECRET)
            status, reply = await people.command(workspace.coordinators()[0], "/pulse", "status")
        assert status == 200
        text = json.dumps(reply)
        assert "Something went wrong" not in text
        assert "channel_not_found" in text and "python -m bot check" in text
        assert (await _get(runtime.url + "/readyz"))[0] == 503
    finally:
        await runtime.stop()
