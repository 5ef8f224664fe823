"""Cancelling a round counts its DMs honestly, and a DM being sent as it closed is closed once Slack confirms it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import SQLModel, col, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery import Outbox
from bot.errors import Conflict, InvalidInput
from bot.measures import closed_rounds
from bot.ports import Member
from bot.questions import load_question_bank
from bot.roles import Roles
from bot.surveys import SurveyService, is_cancelled
from handlers.slack.pacing import Pacer
from storage.db import Database
from storage.models import OutboxMessage, SurveyRound
from tests.bot.test_support import FakeDirectory, NoMessenger

TEAM, CORA = "T0TEAM", "U0CORACOOR"
PEOPLE = [Member(f"U0PERSON{i:02d}", "Europe/Berlin") for i in range(6)]
START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@dataclass
class World:
    db: Database
    surveys: SurveyService
    clock: ManualClock


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    db = Database(database_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    clock = ManualClock(START)
    directory = FakeDirectory(
        members=[*PEOPLE, Member(CORA, "America/New_York")], channels={"G0COORD": {CORA}, "G0SUPPORT": set()}
    )
    settings = Settings(
        peerpulse_secret="unit-peerpulse-secret-0123456789",
        coordinator_channel="G0COORD",
        supporters_channel="G0SUPPORT",
        database_url=database_url,
    )
    roles = Roles(directory, coordinator_channel="G0COORD", supporters_channel="G0SUPPORT", ttl=0.0)
    outbox = Outbox(db, NoMessenger(), pacer=Pacer(100.0), clock=clock, renderers={})
    surveys = SurveyService(
        db=db,
        settings=settings,
        directory=directory,
        outbox=outbox,
        clock=clock,
        bank=load_question_bank(),
        roles=roles,
    )
    yield World(db, surveys, clock)
    await db.dispose()


async def _set(db: Database, round_id: str, recipients: list[str], **values: object) -> None:
    async with db.session() as session:
        await session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.round_id) == round_id,
                col(OutboxMessage.kind) == "pulse",
                col(OutboxMessage.recipient).in_(recipients),
            )
            .values(**values)
        )


async def _rewrites(db: Database) -> list[OutboxMessage]:
    async with db.session() as session:
        return list(await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "pulse_closed")))


async def test_preview_counts_the_audience_in_the_coordinators_zone_and_opens_nothing(world: World) -> None:
    preview = await world.surveys.preview_round(team_id=TEAM, by=CORA)
    # Everyone in the directory is an active human, the coordinator included.
    assert preview.people == len(PEOPLE) + 1
    assert preview.audience_channel is None
    assert preview.zone == "America/New_York"
    assert preview.closes_at == START + timedelta(days=world.surveys.settings.pulse_window_days)
    assert await world.surveys.latest_round(team_id=TEAM) is None

    # A forged token that is not one a preview could make opens nothing.
    with pytest.raises(InvalidInput):
        await world.surveys.send_now(team_id=TEAM, by=CORA, token="x:" + preview.token)
    assert await world.surveys.latest_round(team_id=TEAM) is None
    first = await world.surveys.send_now(team_id=TEAM, by=CORA, token=preview.token)
    again = await world.surveys.send_now(team_id=TEAM, by=CORA, token=preview.token)
    assert first.opened and not again.opened and again.round.id == first.round.id
    # Another confirmation while that round is open is refused.
    with pytest.raises(Conflict):
        await world.surveys.send_now(team_id=TEAM, by=CORA, token="another0")


async def _pulse_recipients(db: Database, round_id: str) -> set[str]:
    async with db.session() as session:
        found = await session.exec(
            select(OutboxMessage.recipient).where(
                col(OutboxMessage.round_id) == round_id, col(OutboxMessage.kind) == "pulse"
            )
        )
        return set(found)


async def test_send_it_reuses_its_previews_listing_and_still_reads_opt_outs_anew(world: World) -> None:
    directory = world.surveys.directory
    assert isinstance(directory, FakeDirectory)
    preview = await world.surveys.preview_round(team_id=TEAM, by=CORA)
    listed = directory.list_calls
    await world.surveys.set_opt_out(team_id=TEAM, user_id=PEOPLE[0].id, opted_out=True)
    sent = await world.surveys.send_now(team_id=TEAM, by=CORA, token=preview.token)
    # Slack's users.list is Tier 2: a 10,000-person workspace is not listed twice in a minute.
    assert directory.list_calls == listed
    assert await _pulse_recipients(world.db, sent.round.id) == {m.id for m in PEOPLE[1:]} | {CORA}


async def test_a_confirmation_this_process_did_not_preview_lists_the_workspace_again(world: World) -> None:
    directory = world.surveys.directory
    assert isinstance(directory, FakeDirectory)
    await world.surveys.preview_round(team_id=TEAM, by=CORA)
    listed = directory.list_calls
    directory.members.append(Member("U0NEWCOMER", "Europe/Berlin"))
    # Previewed by another replica (or before a restart): nothing here to reuse.
    sent = await world.surveys.send_now(team_id=TEAM, by=CORA, token="another0")
    assert directory.list_calls == listed + 1
    assert "U0NEWCOMER" in await _pulse_recipients(world.db, sent.round.id)


async def test_two_confirmations_at_the_same_moment_open_one_round(world: World) -> None:
    tokens = [(await world.surveys.preview_round(team_id=TEAM, by=CORA)).token for _ in range(2)]
    results = await asyncio.gather(
        *(world.surveys.send_now(team_id=TEAM, by=CORA, token=t) for t in tokens), return_exceptions=True
    )
    opened = [r for r in results if not isinstance(r, BaseException)]
    assert len(opened) == 1 and opened[0].opened
    assert [type(r) for r in results if isinstance(r, BaseException)] == [Conflict]
    async with world.db.session() as session:
        assert len(list(await session.exec(select(SurveyRound)))) == 1


async def test_cancel_counts_withdrawn_delivered_and_in_flight_dms_and_closes_late_ones(world: World) -> None:
    preview = await world.surveys.preview_round(team_id=TEAM, by=CORA)
    round_id = (await world.surveys.send_now(team_id=TEAM, by=CORA, token=preview.token)).round.id
    delivered, in_flight = [p.id for p in PEOPLE[:2]], [PEOPLE[2].id]
    await _set(world.db, round_id, delivered, status="sent", conversation="D1", message_ref="1.0")
    await _set(world.db, round_id, in_flight, status="sending")

    report = await world.surveys.cancel_round(team_id=TEAM, round_id=round_id, by=CORA)
    assert report.cancelled
    assert (report.withdrawn, report.delivered, report.in_flight) == (len(PEOPLE) + 1 - 3, 2, 1)
    assert {r.recipient for r in await _rewrites(world.db)} == set(delivered)
    round_ = await world.surveys.get_round(round_id)
    assert round_ is not None and is_cancelled(round_)
    assert await closed_rounds(world.db, team_id=TEAM, limit=5) == []

    # Slack confirms the DM that was in flight only now: the next close job closes it too.
    await _set(world.db, round_id, in_flight, status="sent", conversation="D2", message_ref="2.0")
    world.clock.advance(timedelta(minutes=5))
    await world.surveys.close_due_rounds()
    assert {r.recipient for r in await _rewrites(world.db)} == {*delivered, *in_flight}
    # Once only: its reference moved to the rewrite row.
    await world.surveys.close_due_rounds()
    assert len(await _rewrites(world.db)) == 3

    again = await world.surveys.cancel_round(team_id=TEAM, round_id=round_id, by=CORA)
    assert not again.cancelled


async def test_close_now_is_the_scheduled_close_and_happens_once(world: World) -> None:
    preview = await world.surveys.preview_round(team_id=TEAM, by=CORA)
    round_id = (await world.surveys.send_now(team_id=TEAM, by=CORA, token=preview.token)).round.id
    check = await world.surveys.close_check(team_id=TEAM, by=CORA)
    assert check.round.id == round_id and check.answered.shown == "fewer"
    assert await world.surveys.close_now(team_id=TEAM, round_id=round_id, by=CORA)
    assert not await world.surveys.close_now(team_id=TEAM, round_id=round_id, by=CORA)
    round_ = await world.surveys.get_round(round_id)
    assert round_ is not None and round_.closed_at == START and not is_cancelled(round_)
    assert [r.id for r in await closed_rounds(world.db, team_id=TEAM, limit=5)] == [round_id]
    with pytest.raises(Conflict):
        await world.surveys.close_check(team_id=TEAM, by=CORA)
