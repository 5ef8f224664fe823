"""The domain decides each pulse DM at send time: a fresh ballot bound to its recipient, and nothing
for someone who opted out or a round that closed (every platform renders only what it is given)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import SQLModel

from bot.actions import ActionService
from bot.ballots import Ballots, PulsePromise
from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery import Outbox
from bot.ports import Member
from bot.questions import load_question_bank
from bot.roles import Roles
from bot.surveys import SurveyService, ballot_tag
from bot.updates import UpdateService
from handlers.slack.pacing import Pacer
from storage.db import Database
from tests.bot.test_support import FakeDirectory, NoMessenger

TEAM, SECRET = "T0TEAM", "unit-peerpulse-secret-0123456789"
PEOPLE = [Member(f"U0PERSON{i:02d}", "Europe/Berlin") for i in range(8)]
START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[tuple[Ballots, SurveyService, ManualClock]]:
    """Surveys, updates and ballots over a real database, the directory faked at the port."""
    db = Database(database_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    clock = ManualClock(START)
    directory = FakeDirectory(members=PEOPLE, channels={"G0COORD": set(), "G0SUPPORT": set()})
    settings = Settings(
        peerpulse_secret=SECRET,
        coordinator_channel="G0COORD",
        supporters_channel="G0SUPPORT",
        database_url=database_url,
        # Not the defaults, so the promise a DM makes is seen to come from the settings.
        min_group_size=7,
        retention_days=90,
        default_timezone="Europe/Berlin",
    )
    roles = Roles(directory, coordinator_channel="G0COORD", supporters_channel="G0SUPPORT")
    outbox = Outbox(db, NoMessenger(), pacer=Pacer(100.0), clock=clock, renderers={})
    bank = load_question_bank()
    surveys = SurveyService(
        db=db, settings=settings, directory=directory, outbox=outbox, clock=clock, bank=bank, roles=roles
    )
    actions = ActionService(db=db, settings=settings, clock=clock, bank=bank, roles=roles, outbox=outbox)
    updates = UpdateService(
        db=db, settings=settings, clock=clock, outbox=outbox, surveys=surveys, actions=actions, roles=roles
    )
    yield Ballots(surveys=surveys, updates=updates, secret=SECRET, clock=clock), surveys, clock
    await db.dispose()


async def _open(surveys: SurveyService) -> str:
    round_ = await surveys.open_round(team_id=TEAM, schedule_key="manual:t", local_date=None, at=None)
    assert round_ is not None
    return round_.id


async def test_each_dm_gets_a_fresh_ballot_bound_to_its_recipient(
    world: tuple[Ballots, SurveyService, ManualClock],
) -> None:
    ballots, surveys, _ = world
    round_id = await _open(surveys)
    first = await ballots.ballot_for(round_id=round_id, recipient=PEOPLE[0].id)
    again = await ballots.ballot_for(round_id=round_id, recipient=PEOPLE[0].id)
    assert first is not None and again is not None
    assert first.ballot != again.ballot  # a redelivery is a new ballot, never a stored one
    assert first.tag == ballot_tag(SECRET, ballot=first.ballot, user_id=PEOPLE[0].id)
    assert first.tag != ballot_tag(SECRET, ballot=first.ballot, user_id=PEOPLE[1].id)
    round_ = await surveys.get_round(round_id)
    assert round_ is not None
    assert [q.id for q in first.questions] == [q.id for q in surveys.questions_of(round_)]
    # What the DM promises is what the settings enforce.
    assert first.promise == PulsePromise(min_group_size=7, retention_days=90, timezone="Europe/Berlin")
    reminder = await ballots.reminder_for(round_id=round_id, recipient=PEOPLE[0].id)
    assert reminder is not None and reminder.promise == first.promise == ballots.promise


async def test_no_dm_and_no_reminder_for_an_opt_out_or_a_closed_round(
    world: tuple[Ballots, SurveyService, ManualClock],
) -> None:
    ballots, surveys, clock = world
    round_id = await _open(surveys)
    await surveys.set_opt_out(team_id=TEAM, user_id=PEOPLE[1].id, opted_out=True)
    assert await ballots.ballot_for(round_id=round_id, recipient=PEOPLE[1].id) is None
    assert await ballots.reminder_for(round_id=round_id, recipient=PEOPLE[1].id) is None
    reminder = await ballots.reminder_for(round_id=round_id, recipient=PEOPLE[2].id)
    assert reminder is not None
    assert reminder.pulse is None  # the DM has not been delivered: nowhere to link to yet
    clock.advance(timedelta(days=30))  # past the round's close
    assert await ballots.reminder_for(round_id=round_id, recipient=PEOPLE[2].id) is None
    await surveys.close_round(round_id)
    assert await ballots.ballot_for(round_id=round_id, recipient=PEOPLE[2].id) is None
    assert await ballots.ballot_for(round_id="no-such-round", recipient=PEOPLE[2].id) is None
