"""The outbox on Teams, with a real database: with no history to look back in, an unconfirmed send is
sent again (at least once: never lost, at worst a cosmetic duplicate), and a refusal is final."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.delivery import UNCONFIRMED, Envelope, Outbox
from bot.ports import OutgoingMessage
from handlers.teams.adapter import TeamsMessenger
from handlers.teams.connector import ConnectorClient
from handlers.teams.pacing import TeamsPacer
from handlers.teams.simulation.connector import FakeTeams
from storage.db import Database, migrate
from storage.models import OutboxMessage


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated database."""
    await asyncio.to_thread(migrate, database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def outbox(db: Database, fake_teams: FakeTeams, clock: ManualClock) -> AsyncIterator[Outbox]:
    # A short timeout stands in for a connector that answers too late to be waited for.
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.5)) as session:
        pacer = TeamsPacer()
        client = ConnectorClient(
            session=session,
            service_url=fake_teams.service_url,
            token_url=fake_teams.token_url,
            app_id=fake_teams.tenant.app_id,
            app_password=fake_teams.app_password,
            pacer=pacer,
        )

        async def render(row: OutboxMessage) -> OutgoingMessage:
            return OutgoingMessage(text="How was your week?")

        yield Outbox(
            db,
            TeamsMessenger(client, tenant_id=fake_teams.tenant.id),
            pacer=pacer,
            clock=clock,
            renderers={"text": render},
        )


async def _rows(db: Database) -> list[OutboxMessage]:
    async with db.session() as session:
        return list(await session.exec(select(OutboxMessage)))


async def _drain(outbox: Outbox, clock: ManualClock) -> None:
    for _ in range(20):
        await outbox.run_once()
        await outbox.settle()
        backlog = await outbox.backlog()
        if not backlog.get("pending") and not backlog.get("sending"):
            return
        clock.advance(timedelta(minutes=10))  # past any retry's backoff
    raise AssertionError(f"outbox did not drain: {await outbox.backlog()}")


async def test_an_unconfirmed_send_is_sent_again_rather_than_lost(
    db: Database, fake_teams: FakeTeams, outbox: Outbox, clock: ManualClock
) -> None:
    person = fake_teams.tenant.people()[0].id
    fake_teams.answer_late("send", 1.5)  # Teams delivers it, the answer never arrives in time
    await outbox.enqueue([Envelope("text", person, "pulse:1", clock.now())])
    await outbox.run_once()
    [row] = await _rows(db)
    assert row.status == "pending" and row.last_error is not None and row.last_error.startswith(UNCONFIRMED)
    await _drain(outbox, clock)
    [row] = await _rows(db)
    assert row.status == "sent"
    [dm] = fake_teams.personal
    # Teams cannot be asked whether the first one landed: the person sees the card twice.
    assert [a.text for a in fake_teams.sent_to(dm)] == ["How was your week?"] * 2


async def test_a_confirmed_send_is_sent_once(
    db: Database, fake_teams: FakeTeams, outbox: Outbox, clock: ManualClock
) -> None:
    people = [u.id for u in fake_teams.tenant.people()[:5]]
    await outbox.enqueue([Envelope("text", p, f"pulse:{p}", clock.now()) for p in people])
    await _drain(outbox, clock)
    assert {r.status for r in await _rows(db)} == {"sent"}
    assert sorted(len(fake_teams.sent_to(dm)) for dm in fake_teams.personal) == [1] * 5


async def test_a_person_without_the_app_fails_for_good_without_retries(
    db: Database, fake_teams: FakeTeams, outbox: Outbox, clock: ManualClock
) -> None:
    person = fake_teams.tenant.people()[0].id
    fake_teams.uninstall(person)
    await outbox.enqueue([Envelope("text", person, "pulse:1", clock.now())])
    await _drain(outbox, clock)
    [row] = await _rows(db)
    assert (row.status, row.attempts) == ("failed", 0)
    assert row.last_error is not None and "403" in row.last_error
    assert fake_teams.requests.count(("POST", "/v3/conversations")) == 1
