"""PostgreSQL goes away mid-round and comes back: polite replies meanwhile, nothing half-written,
and the app recovers by itself (health, leadership, the outbox) without a restart."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import func, select

from bot.clock import SystemClock
from bot.config import Settings
from bot.runtime import Runtime
from handlers.slack.replies import DATABASE_DOWN
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import SlackSender
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace
from storage.models import PulseOptOut, RoundParticipation, SurveyAnswer, SurveyRound
from tests.conftest import HEALTH_HEADERS, SIGNING_SECRET
from tests.e2e.tcp_proxy import TcpProxy
from tests.support import eventually


@pytest.fixture
def proxy(database_url: str) -> Iterator[TcpProxy]:
    """A forwarder in front of the test PostgreSQL (PostgreSQL only: SQLite has no server to lose)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a database outage needs a database server")
    url = make_url(database_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as tcp:
        yield tcp


@pytest.fixture
async def proxied(settings: Settings, proxy: TcpProxy) -> AsyncIterator[Runtime]:
    """The app reaching PostgreSQL through the proxy, with a slow fan-out to interrupt (real
    clock: retries back off in real time, as they would in production)."""
    url = make_url(settings.database_url).set(host="127.0.0.1", port=proxy.port)
    rt = Runtime(
        dataclasses.replace(
            settings, database_url=url.render_as_string(hide_password=False), workspace_rate=8.0
        ),
        clock=SystemClock(),
        scheduler_enabled=False,
    )
    # Campaign often, so the test need not wait out the production 5-second interval.
    rt.election.interval = 0.3
    await rt.start(host="127.0.0.1", port=0)
    await rt.wait_until_leader()
    yield rt
    await rt.stop()


async def _health(rt: Runtime) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(rt.url + "/readyz", headers=HEALTH_HEADERS) as response,
    ):
        return response.status, await response.json()


async def _count(rt: Runtime, model: type) -> int:
    async with rt.db.session() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


def _pulses(slack: FakeSlack, people: People, user: str) -> int:
    return sum(1 for m in slack.dm_messages(user) if people.buttons(m))


async def test_an_outage_gets_polite_replies_writes_nothing_and_heals_itself(
    proxied: Runtime, proxy: TcpProxy, slack: FakeSlack, workspace: Workspace
) -> None:
    humans = [u.id for u in workspace.active_humans()]
    coordinator = workspace.coordinators()[0]
    async with SlackSender() as sender:
        people = People(slack, sender, app_url=proxied.url, signing_secret=SIGNING_SECRET)
        await people.send_pulse(coordinator)
        await eventually(lambda: sum(_pulses(slack, people, u) for u in humans) >= 8, timeout=20)
        reached = next(u for u in humans if _pulses(slack, people, u) and u != coordinator)
        pulse = people.pulse_message(reached)
        assert pulse is not None

        proxy.close()
        await eventually(lambda: _health(proxied), timeout=10)
        status, health = await _health(proxied)
        assert (status, health["database"]) == (503, "unreachable")

        # Every kind of request still gets an answer a person can act on, and never a 500.
        replies: list[str] = []
        for text in ("", "optout"):
            code, reply = await people.command(reached, "/pulse", text)
            assert code == 200
            replies.append(str(reply))
        question, options = next(iter(people.answer_buttons(pulse).items()))
        code, _ = await people.click(reached, pulse, options[3])
        assert code == 200
        ephemeral = await eventually(lambda: slack.ephemerals(reached), timeout=10)
        replies.append(ephemeral[-1].text)
        code, _ = await people.send_pulse(coordinator)
        assert code == 200
        response = await eventually(
            lambda: [r for r in slack.responses() if DATABASE_DOWN in str(r.body)], timeout=10
        )
        replies.append(str(response[0].body))
        assert all(DATABASE_DOWN in r for r in replies), replies
        assert not any("Traceback" in r or "Error" in r for r in replies)
        # Without its database a replica cannot know it still leads: it steps down.
        await eventually(lambda: not proxied.services.leadership.is_leader, timeout=10)
        delivered_during_outage = sum(_pulses(slack, people, u) for u in humans)

        proxy.reopen()
        # Back by itself: healthy, leading again, the interrupted fan-out completed exactly once.
        await eventually(lambda: proxied.services.leadership.is_leader, timeout=15)
        status, health = await _health(proxied)
        assert status == 200 and health["database"] == "ok" and health["leader"] is True
        # Rows in flight when the database went are checked against Slack's history before any is
        # resent, one conversations.history call each at Tier 3 (45/min here): a whole claimed batch
        # of 40 can take 55 s on a loaded machine.
        await eventually(lambda: all(_pulses(slack, people, u) >= 1 for u in humans), timeout=90)
        assert all(_pulses(slack, people, u) == 1 for u in humans)
        code, reply = await people.command(reached, "/pulse", "")
        assert code == 200 and DATABASE_DOWN not in str(reply) and "This week's pulse is open" in str(reply)

    # Nothing the outage interrupted was half-written: no answer, no opt-out, no second round.
    assert delivered_during_outage < len(humans)
    assert await _count(proxied, SurveyAnswer) == 0
    assert await _count(proxied, RoundParticipation) == 0
    assert await _count(proxied, PulseOptOut) == 0
    assert await _count(proxied, SurveyRound) == 1
    assert question  # the click above targeted a real question
