"""Slack misbehaving during a round — 429s, 5xx, timeouts, refused connections — the round still
completes exactly once per person, lasting failures show in `/pulse status` and the logs, and the
process keeps running."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import aiohttp
import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace
from storage.models import OutboxMessage
from tests.conftest import HEALTH_HEADERS
from tests.support import eventually

CLIENT_TIMEOUT = 1  # seconds; the fake's slow answers take longer


async def _drive(
    runtime: Runtime, clock: ManualClock, done: Callable[[], Awaitable[bool]], *, timeout: float = 60.0
) -> None:
    """Let retry back-offs (timed on the app's clock) elapse quickly until `done`."""
    deadline = time.monotonic() + timeout
    while not await done():
        assert time.monotonic() < deadline, (
            f"not settled within {timeout}s: {await runtime.services.outbox.backlog()}"
        )
        clock.advance(timedelta(seconds=10))
        runtime.services.outbox.wakeup.set()
        await asyncio.sleep(0.05)


async def _pulse_rows(runtime: Runtime) -> list[OutboxMessage]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "pulse")))


@pytest.fixture
async def impatient_outbox(runtime: Runtime) -> AsyncIterator[None]:
    """The outbox's Slack session gives up after CLIENT_TIMEOUT, so the fake's slow answers outlast it."""
    shared = runtime.platform.outbox_client.session
    impatient = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CLIENT_TIMEOUT))
    runtime.platform.outbox_client.session = impatient
    yield
    runtime.platform.outbox_client.session = shared
    await impatient.close()


async def test_every_slack_call_gives_up_after_the_client_timeout(runtime: Runtime) -> None:
    # slack_sdk applies its timeout only to sessions it creates; the shared one must carry it.
    for client in (runtime.platform.client, runtime.platform.outbox_client):
        assert client.session is not None and client.session.timeout.total == client.timeout == 10


@pytest.mark.usefixtures("impatient_outbox")
async def test_a_round_survives_every_kind_of_slack_failure(
    runtime: Runtime,
    people: People,
    slack: FakeSlack,
    workspace: Workspace,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    coordinator = workspace.coordinators()[0]
    humans = [u.id for u in workspace.active_humans()]

    # Opening the round: the audience lookup is rate-limited, the role check hits a 500.
    slack.fail("users.list", status=429, retry_after=1)
    slack.fail("conversations.members", status=500)
    # The fan-out, in this order: rate limits, server errors, a timeout Slack never acted on,
    # two timeouts after which Slack did post, and one recipient whose account is gone.
    slack.fail("chat.postMessage", status=429, retry_after=1, times=2)
    slack.fail("chat.postMessage", status=500, times=2)
    slack.fail("chat.postMessage", status=503)
    slack.fail("chat.postMessage", status=500, delay=CLIENT_TIMEOUT + 1.5)
    slack.slow_down("chat.postMessage", CLIENT_TIMEOUT + 1.5, times=2)
    slack.fail("chat.postMessage", error="account_inactive")

    status, ack = await people.send_pulse(coordinator)
    assert status == 200 and "who would get it" in str(ack)
    opened = await eventually(
        lambda: [r for r in slack.responses() if "Pulse round opened" in str(r.body)], timeout=20
    )
    assert f"opened for {len(humans)} people" in str(opened[0].body)
    # Slack stops answering at all for a moment, mid-fan-out.
    slack.refuse_connections(1.5)

    async def settled() -> bool:
        rows = await _pulse_rows(runtime)
        return len(rows) == len(humans) and all(r.status in {"sent", "failed"} for r in rows)

    await _drive(runtime, clock, settled)
    await asyncio.sleep(0.5)  # one more outbox pass: nothing may be posted twice

    rows = await _pulse_rows(runtime)
    failed = [r for r in rows if r.status == "failed"]
    assert len(failed) == 1 and "account_inactive" in (failed[0].last_error or "")
    dms = Counter({u: sum(1 for m in slack.dm_messages(u) if people.buttons(m)) for u in humans})
    assert dms[failed[0].recipient] == 0
    assert all(n == 1 for u, n in dms.items() if u != failed[0].recipient), dms
    # Every fault was really met (the fake records no call whose caller hung up before the answer).
    posts = slack.calls_to("chat.postMessage")
    assert sum(c.status == 429 for c in posts) == 2 and sum(c.status >= 500 for c in posts) == 3
    assert slack.calls_to("conversations.history"), "timed-out posts were not checked before a retry"

    # The coordinator sees the lasting failure; the log says which message and why.
    status, reply = await people.command(coordinator, "/pulse", "status")
    assert status == 200 and "Could not deliver: 1" in str(reply)
    assert f"Delivered: {len(humans) - 1}" in str(reply)
    lasting = [
        r for r in caplog.records if r.levelno == logging.ERROR and "failed for good" in r.getMessage()
    ]
    assert len(lasting) == 1 and "account_inactive" in lasting[0].getMessage()
    assert any("rate-limited" in r.getMessage() for r in caplog.records)
    assert any("no answer from Slack" in r.getMessage() for r in caplog.records)

    # And the process is alive and well: healthy, still leading, the outbox worker running.
    assert runtime._outbox_task is not None and not runtime._outbox_task.done()
    async with (
        aiohttp.ClientSession() as session,
        session.get(runtime.url + "/readyz", headers=HEALTH_HEADERS) as response,
    ):
        health = await response.json()
    assert response.status == 200
    assert health["leader"] is True and health["outbox_failed"] == 1
    assert health["outbox_backlog"] == len(humans)  # only the reminders, due days from now
