"""SupportService against a real database, with the Slack directory and roles faked at the port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery import Outbox
from bot.errors import InvalidInput, NotAllowed
from bot.insights import Suppressed
from bot.ports import Member, OutgoingFile, OutgoingMessage, PostedMessage
from bot.roles import Roles
from bot.support import (
    CATEGORY,
    COURSE,
    DATE,
    DURATION,
    FOLLOW_UP_KIND,
    FOLLOW_UP_ON,
    HOURS,
    NOTE,
    OUTCOME,
    TOPIC,
    TRAINING_KIND,
    SessionForm,
    SupportService,
    TrainingForm,
    load_support_taxonomy,
    parse_support_taxonomy,
)
from handlers.slack.blocks.supporters import build_supporters_text
from handlers.slack.pacing import Pacer
from storage.db import Database
from storage.models import OutboxMessage
from storage.support_models import SupportFollowUp, SupportSession

TEAM = "T0TEST"
SUPPORTERS = "G0SUPPORT"
COORDINATORS = "G0COORD"
SAM = "U0SAMRIVER"  # supporter, London
KIM = "U0KIMSYDNY"  # supporter, Sydney
CORA = "U0CORACOOR"  # coordinator
ANA = "U0ANALOPEZ"  # an employee
BOT = "U0BOTPULSE"
START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday


@dataclass
class FakeDirectory:
    """The Directory port over in-memory members and channels, counting users.list calls."""

    members: list[Member]
    channels: dict[str, set[str]]
    list_calls: int = 0

    async def list_members(self) -> list[Member]:
        self.list_calls += 1
        return list(self.members)

    async def channel_members(self, channel_id: str) -> set[str]:
        return set(self.channels.get(channel_id, set()))


class NoMessenger:
    """The outbox is only filled here, never run."""

    def is_person(self, address: str) -> bool:
        raise AssertionError("not sent in these tests")

    async def open_dm(self, user_id: str) -> str:
        raise AssertionError("not sent in these tests")

    async def post(self, channel: str, message: OutgoingMessage) -> PostedMessage:
        raise AssertionError("not sent in these tests")

    async def find_posted(self, channel: str, *, since: datetime, outbox_id: int) -> str | None:
        raise AssertionError("not sent in these tests")

    async def update(self, channel: str, ts: str, message: OutgoingMessage) -> PostedMessage:
        raise AssertionError("not sent in these tests")

    async def upload_file(self, channel: str, file: OutgoingFile, *, comment: str, outbox_id: int) -> None:
        raise AssertionError("not sent in these tests")


@dataclass
class Ticker:
    """A monotonic clock for the directory cache."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    service: SupportService
    clock: ManualClock
    directory: FakeDirectory
    db: Database
    ticker: Ticker = field(default_factory=Ticker)


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    db = Database(database_url)
    # The tables straight from the models: fast, and the migration is checked in tests/storage.
    async with db.engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    clock = ManualClock(START)
    directory = FakeDirectory(
        members=[
            Member(SAM, "Europe/London", "Sam Rivers", "sam.r"),
            Member(KIM, "Australia/Sydney", "Kim Park", "kim"),
            Member(CORA, "America/New_York", "Cora Bell", "cora"),
            Member(ANA, "Europe/Madrid", "Ana López", "ana.lopez"),
            Member("U0WILLONLY", "UTC", "Will", ""),
            Member("U0JOBLOGGS", "UTC", "Joanna Smith", "jo.bloggs"),
            Member(BOT, "UTC", "PeerPulse", "PeerPulse", active_human=False),
        ],
        channels={SUPPORTERS: {SAM, KIM, BOT}, COORDINATORS: {CORA, BOT}},
    )
    settings = Settings(
        peerpulse_secret="unit-peerpulse-secret-0123456789",
        coordinator_channel=COORDINATORS,
        supporters_channel=SUPPORTERS,
        database_url=database_url,
    )
    roles = Roles(directory, coordinator_channel=COORDINATORS, supporters_channel=SUPPORTERS, ttl=0.0)
    outbox = Outbox(db, NoMessenger(), pacer=Pacer(100.0), clock=clock, renderers={})
    ticker = Ticker()
    service = SupportService(
        db=db,
        settings=settings,
        directory=directory,
        roles=roles,
        outbox=outbox,
        clock=clock,
        monotonic=ticker,
    )
    yield World(service, clock, directory, db, ticker)
    await db.dispose()


def form(on: date | None, **changes: Any) -> SessionForm:
    values: dict[str, Any] = {
        "session_date": on.isoformat() if on else None,
        "duration_minutes": "30",
        "category": "verbal_abuse",
        "contact_channel": "chat",
        "outcome": "listened",
    }
    values.update(changes)
    return SessionForm(**values)


TODAY = START.date()  # London's date at START


async def _fields(coro: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refused:
        await coro
    return refused.value.fields


# --- taxonomy -------------------------------------------------------------------------------


def test_shipped_taxonomy_has_the_program_categories_and_referrals() -> None:
    taxonomy = load_support_taxonomy()
    assert {"verbal_abuse", "exclusion", "work_sabotage", "cyberbullying", "intimidation", "other"} <= {
        c.id for c in taxonomy.categories
    }
    assert [c.id for c in taxonomy.channels] == ["in_person", "chat", "call"]
    # A safety escalation is a referral too: the digest's "Referrals" line and signal count it.
    assert taxonomy.referral_outcomes() == {
        "referred_hr",
        "referred_eap",
        "referred_manager",
        "escalated_safety",
    }
    assert taxonomy.label("categories", "retired_id") == "retired_id"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("channels"), "expected exactly the keys"),
        (lambda d: d["outcomes"].append(dict(d["outcomes"][0])), "appears twice"),
        (lambda d: d["categories"].append({"id": "long", "label": "x" * 76}), "label of 1-75"),
        (lambda d: d["training_courses"].append({"label": "No id"}), "needs an id"),
    ],
)
def test_a_broken_taxonomy_file_is_refused_with_the_reason(mutate: Any, message: str) -> None:
    import yaml

    data = yaml.safe_load(Path("bot/data/support_taxonomy.yml").read_text(encoding="utf-8"))
    mutate(data)
    with pytest.raises(ValueError, match=message):
        parse_support_taxonomy(data, "test.yml")


# --- logging --------------------------------------------------------------------------------


async def test_boundary_values_are_accepted(world: World) -> None:
    for on, minutes, follow_up in (
        (TODAY, "5", TODAY),
        (TODAY - timedelta(days=30), "480", TODAY + timedelta(days=90)),
    ):
        saved = await world.service.log_session(
            team_id=TEAM,
            supporter_id=SAM,
            form=form(on, duration_minutes=minutes, follow_up=True, follow_up_on=follow_up.isoformat()),
        )
        assert saved.session.session_date == on
        assert saved.session.follow_up_on == follow_up


async def test_every_problem_is_reported_at_once_next_to_its_field(world: World) -> None:
    fields = await _fields(
        world.service.log_session(
            team_id=TEAM,
            supporter_id=SAM,
            form=SessionForm(
                session_date="not-a-date",
                duration_minutes="half an hour",
                category="gossip",
                contact_channel=None,
                outcome="fired",
                follow_up=True,
                note="Talked to ana lopez after the meeting.",
            ),
        )
    )
    assert set(fields) == {DATE, DURATION, CATEGORY, "contact_channel", OUTCOME, FOLLOW_UP_ON, NOTE}


async def test_today_is_the_supporters_own_date(world: World) -> None:
    # 20:00 in London is already tomorrow morning in Sydney.
    world.clock.set(datetime(2026, 3, 10, 20, 0, tzinfo=UTC))
    tomorrow = date(2026, 3, 11)
    await world.service.log_session(team_id=TEAM, supporter_id=KIM, form=form(tomorrow))
    fields = await _fields(world.service.log_session(team_id=TEAM, supporter_id=SAM, form=form(tomorrow)))
    assert "future" in fields[DATE]


@pytest.mark.parametrize(
    ("note", "named"),
    [
        ("Talked with ana lopez about her lead.", "Ana López"),
        ("Followed up with Ana López.", "Ana López"),
        ("jo.bloggs felt excluded from planning.", "jo.bloggs"),
    ],
)
async def test_a_note_naming_a_member_is_refused(world: World, note: str, named: str) -> None:
    fields = await _fields(
        world.service.log_session(team_id=TEAM, supporter_id=SAM, form=form(TODAY, note=note))
    )
    assert f"“{named}”" in fields[NOTE]
    assert "never identify" in fields[NOTE]
    async with world.db.session() as session:
        assert list(await session.exec(select(SupportSession))) == []


async def test_a_single_common_first_name_is_not_treated_as_naming_someone(world: World) -> None:
    saved = await world.service.log_session(
        team_id=TEAM, supporter_id=SAM, form=form(TODAY, note="They will talk to HR next week.")
    )
    assert saved.session.note == "They will talk to HR next week."
    assert saved.note_scrubbed is False


async def test_the_note_is_scrubbed_before_it_is_stored(world: World) -> None:
    saved = await world.service.log_session(
        team_id=TEAM,
        supporter_id=SAM,
        form=form(TODAY, note="  Call me on 020 7946 0958 or mail x.y@corp.example, or <@U0ANALOPEZ>.  "),
    )
    assert saved.note_scrubbed is True
    async with world.db.session() as session:
        [row] = list(await session.exec(select(SupportSession)))
    assert row.note == "Call me on [phone] or mail [email], or [person]."


async def test_the_directory_is_fetched_once_per_five_minutes(world: World) -> None:
    assert world.service.cached_today(SAM) == date(2026, 3, 10)  # UTC-12 before any fetch: 00:00
    world.clock.set(datetime(2026, 3, 10, 23, 30, tzinfo=UTC))
    assert world.service.cached_today(KIM) == date(2026, 3, 10)  # not yet known: never a future date
    for _ in range(3):
        await world.service.log_session(team_id=TEAM, supporter_id=SAM, form=form(date(2026, 3, 10)))
    assert world.directory.list_calls == 1
    assert world.service.cached_today(KIM) == date(2026, 3, 11)  # now known: Sydney is a day ahead
    world.directory.members.append(Member("U0NEWCOMER", "UTC", "Newt Comer", ""))
    world.ticker.now += 301
    fields = await _fields(
        world.service.log_session(
            team_id=TEAM, supporter_id=SAM, form=form(date(2026, 3, 10), note="newt comer")
        )
    )
    assert NOTE in fields
    assert world.directory.list_calls == 2


async def test_only_supporters_may_log_or_read_and_bots_are_not_supporters(world: World) -> None:
    with pytest.raises(NotAllowed):
        await world.service.log_session(team_id=TEAM, supporter_id=ANA, form=form(TODAY))
    with pytest.raises(NotAllowed):
        await world.service.recent_sessions(supporter_id=CORA)
    with pytest.raises(NotAllowed):
        await world.service.record_training(team_id=TEAM, supporter_id=ANA, form=TrainingForm())
    assert await world.service.supporters() == {SAM, KIM}


# --- list, edit, delete ---------------------------------------------------------------------


async def test_list_is_own_latest_ten_newest_first(world: World) -> None:
    for minutes in range(10, 130, 10):
        await world.service.log_session(
            team_id=TEAM, supporter_id=SAM, form=form(TODAY, duration_minutes=str(minutes))
        )
        world.clock.advance(timedelta(minutes=1))
    await world.service.log_session(team_id=TEAM, supporter_id=KIM, form=form(date(2026, 3, 10)))
    listed = await world.service.recent_sessions(supporter_id=SAM)
    assert [s.duration_minutes for s in listed] == list(range(120, 20, -10))
    assert all(s.editable for s in listed)


async def test_changes_are_allowed_for_24_hours_after_logging_only(world: World) -> None:
    saved = await world.service.log_session(team_id=TEAM, supporter_id=SAM, form=form(TODAY))
    session_id = saved.session.id
    world.clock.advance(timedelta(hours=23, minutes=59))
    edited = await world.service.edit_session(
        supporter_id=SAM, session_id=session_id, form=form(TODAY, duration_minutes="50")
    )
    assert edited.session.duration_minutes == 50
    assert edited.edited
    world.clock.advance(timedelta(minutes=1))
    for attempt in (
        world.service.edit_session(supporter_id=SAM, session_id=session_id, form=form(TODAY)),
        world.service.delete_session(supporter_id=SAM, session_id=session_id),
        world.service.session_for_edit(supporter_id=SAM, session_id=session_id),
    ):
        with pytest.raises(InvalidInput, match="24 hours"):
            await attempt
    [listed] = await world.service.recent_sessions(supporter_id=SAM)
    assert not listed.editable
    assert listed.duration_minutes == 50


async def test_another_supporters_session_cannot_be_seen_changed_or_deleted(world: World) -> None:
    saved = await world.service.log_session(
        team_id=TEAM, supporter_id=SAM, form=form(TODAY, follow_up=True, follow_up_on=TODAY.isoformat())
    )
    for attempt in (
        world.service.session_for_edit(supporter_id=KIM, session_id=saved.session.id),
        world.service.edit_session(supporter_id=KIM, session_id=saved.session.id, form=form(TODAY)),
        world.service.delete_session(supporter_id=KIM, session_id=saved.session.id),
        world.service.complete_follow_up(supporter_id=KIM, session_id=saved.session.id),
    ):
        with pytest.raises(InvalidInput, match="no longer exists"):
            await attempt
    assert await world.service.recent_sessions(supporter_id=KIM) == []


async def test_deleting_removes_the_session_and_its_follow_up(world: World) -> None:
    saved = await world.service.log_session(
        team_id=TEAM, supporter_id=SAM, form=form(TODAY, follow_up=True, follow_up_on=TODAY.isoformat())
    )
    await world.service.delete_session(supporter_id=SAM, session_id=saved.session.id)
    async with world.db.session() as session:
        assert list(await session.exec(select(SupportSession))) == []
        assert list(await session.exec(select(SupportFollowUp))) == []


async def test_editing_keeps_a_snoozed_follow_up_and_resets_a_new_one(world: World) -> None:
    due = TODAY + timedelta(days=2)
    saved = await world.service.log_session(
        team_id=TEAM, supporter_id=SAM, form=form(TODAY, follow_up=True, follow_up_on=due.isoformat())
    )
    sid = saved.session.id
    snoozed = await world.service.snooze_follow_up(supporter_id=SAM, session_id=sid, seen_due_on=due)
    assert snoozed.due_on == due + timedelta(days=7)
    # Saving the form unchanged keeps the snooze.
    kept = await world.service.edit_session(
        supporter_id=SAM, session_id=sid, form=form(TODAY, follow_up=True, follow_up_on=due.isoformat())
    )
    assert kept.session.follow_up_on == due + timedelta(days=7)
    # A new date is a new follow-up.
    new_date = TODAY + timedelta(days=4)
    moved = await world.service.edit_session(
        supporter_id=SAM, session_id=sid, form=form(TODAY, follow_up=True, follow_up_on=new_date.isoformat())
    )
    assert moved.session.follow_up_on == new_date
    async with world.db.session() as session:
        [follow_up] = list(await session.exec(select(SupportFollowUp)))
    assert (follow_up.due_on, follow_up.snoozes, follow_up.done_at) == (new_date, 0, None)
    # Unticking removes it.
    await world.service.edit_session(supporter_id=SAM, session_id=sid, form=form(TODAY))
    async with world.db.session() as session:
        assert list(await session.exec(select(SupportFollowUp))) == []


# --- follow-ups and reminders ---------------------------------------------------------------


async def _outbox(world: World, kind: str) -> list[OutboxMessage]:
    async with world.db.session() as session:
        return list(await session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)))


async def test_follow_up_reminders_are_queued_for_10_local_on_the_day_and_once(world: World) -> None:
    due = TODAY + timedelta(days=3)
    saved = await world.service.log_session(
        team_id=TEAM, supporter_id=SAM, form=form(TODAY, follow_up=True, follow_up_on=due.isoformat())
    )
    assert await world.service.plan_follow_up_reminders() == 0  # not due by tomorrow yet
    world.clock.advance(timedelta(days=2))
    assert await world.service.plan_follow_up_reminders() == 1
    assert await world.service.plan_follow_up_reminders() == 0
    [queued] = await _outbox(world, FOLLOW_UP_KIND)
    assert queued.recipient == SAM
    assert queued.dedupe_key == f"followup:{saved.session.id}:{due.isoformat()}"
    assert queued.next_attempt_at == datetime(2026, 3, 13, 10, 0, tzinfo=UTC)  # London is on GMT in March
    assert queued.payload == {"session_id": saved.session.id, "due_on": due.isoformat()}

    reminder = await world.service.follow_up_reminder(
        supporter_id=SAM, session_id=saved.session.id, due_on=due
    )
    assert reminder is not None
    await world.service.complete_follow_up(supporter_id=SAM, session_id=saved.session.id)
    assert (
        await world.service.follow_up_reminder(supporter_id=SAM, session_id=saved.session.id, due_on=due)
        is None
    )


async def test_snooze_moves_a_week_from_today_once_per_reminder(world: World) -> None:
    due = TODAY + timedelta(days=1)
    saved = await world.service.log_session(
        team_id=TEAM, supporter_id=SAM, form=form(TODAY, follow_up=True, follow_up_on=due.isoformat())
    )
    sid = saved.session.id
    world.clock.advance(timedelta(days=5))  # overdue: a week from today, not from the old date
    first = await world.service.snooze_follow_up(supporter_id=SAM, session_id=sid, seen_due_on=due)
    assert (first.due_on, first.changed) == (TODAY + timedelta(days=12), True)
    again = await world.service.snooze_follow_up(supporter_id=SAM, session_id=sid, seen_due_on=due)
    assert (again.due_on, again.changed) == (first.due_on, False)
    assert await world.service.follow_up_reminder(supporter_id=SAM, session_id=sid, due_on=due) is None
    done = await world.service.complete_follow_up(supporter_id=SAM, session_id=sid)
    assert done.done
    after_done = await world.service.snooze_follow_up(
        supporter_id=SAM, session_id=sid, seen_due_on=first.due_on
    )
    assert (after_done.done, after_done.changed) == (True, False)


async def test_training_reminders_go_to_lapsed_human_supporters_once_a_week(world: World) -> None:
    await world.service.record_training(
        team_id=TEAM,
        supporter_id=KIM,
        form=TrainingForm(course="active_listening", completed_on="2026-03-01", hours="2"),
    )
    assert await world.service.plan_training_reminders(team_id=TEAM) == 1  # Sam: never trained; not the bot
    assert await world.service.plan_training_reminders(team_id=TEAM) == 0
    world.clock.advance(timedelta(days=1))
    assert await world.service.plan_training_reminders(team_id=TEAM) == 0
    [queued] = await _outbox(world, TRAINING_KIND)
    assert queued.recipient == SAM
    assert queued.dedupe_key == f"training-lapsed:{SAM}:2026-W11"
    assert queued.next_attempt_at == datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
    world.clock.advance(timedelta(days=13))
    assert await world.service.plan_training_reminders(team_id=TEAM) == 1
    # Kim's training lapses 180 days after it was completed.
    world.clock.set(datetime(2026, 8, 20, 12, 0, tzinfo=UTC))
    assert (await world.service.training_status(supporter_id=KIM)).state == "lapsing"
    assert await world.service.training_reminder(supporter_id=KIM) is None
    world.clock.set(datetime(2026, 8, 29, 12, 0, tzinfo=UTC))
    assert (await world.service.training_status(supporter_id=KIM)).state == "lapsed"
    assert await world.service.training_reminder(supporter_id=KIM) is not None


async def test_training_status_follows_the_latest_record(world: World) -> None:
    status = await world.service.training_status(supporter_id=SAM)
    assert (status.state, status.last_on, status.valid_until) == ("none", None, None)
    for days_ago, state in ((200, "lapsed"), (170, "lapsing"), (120, "current")):
        completed = TODAY - timedelta(days=days_ago)
        saved = await world.service.record_training(
            team_id=TEAM,
            supporter_id=SAM,
            form=TrainingForm(topic="Trauma-informed care", completed_on=completed.isoformat(), hours="1"),
        )
        assert saved.status.state == state
        assert saved.status.valid_until == completed + timedelta(days=180)


@pytest.mark.parametrize(
    ("training", "field", "fragment"),
    [
        (
            TrainingForm(course="knitting", completed_on="2026-03-01", hours="1"),
            COURSE,
            "no longer on the list",
        ),
        (TrainingForm(completed_on="2026-03-01", hours="1"), COURSE, "Pick a course"),
        (
            TrainingForm(course="self_care", topic="Yoga", completed_on="2026-03-01", hours="1"),
            TOPIC,
            "not both",
        ),
        (TrainingForm(course="self_care", completed_on="2026-03-11", hours="1"), "completed_on", "future"),
        (TrainingForm(course="self_care", completed_on="2023-03-01", hours="1"), "completed_on", "3 years"),
        (TrainingForm(course="self_care", completed_on="2026-03-01", hours="100.5"), HOURS, "Between"),
        (TrainingForm(course="self_care", completed_on="2026-03-01", hours="nan"), HOURS, "Enter the hours"),
    ],
)
async def test_training_validation(world: World, training: TrainingForm, field: str, fragment: str) -> None:
    fields = await _fields(world.service.record_training(team_id=TEAM, supporter_id=SAM, form=training))
    assert fragment in fields[field]


# --- coordinators -------------------------------------------------------------


async def test_coordinators_overview_counts_each_supporter_and_nothing_more(world: World) -> None:
    # START is Tuesday 10 March, in the 4-week period 23 Feb - 22 Mar released Monday 23 March.
    for _ in range(5):
        await world.service.log_session(
            team_id=TEAM, supporter_id=SAM, form=form(TODAY, duration_minutes="45")
        )
    due = (TODAY + timedelta(days=1)).isoformat()
    for _ in range(5):
        await world.service.log_session(
            team_id=TEAM,
            supporter_id=KIM,
            form=form(TODAY - timedelta(days=1), follow_up=True, follow_up_on=due),
        )
    await world.service.record_training(
        team_id=TEAM,
        supporter_id=KIM,
        form=TrainingForm(course="self_care", completed_on="2026-03-01", hours="1"),
    )
    with pytest.raises(NotAllowed):
        await world.service.supporters_overview(team_id=TEAM, by=SAM)
    # Nothing logged in the running period shows: the figures move only when a period completes.
    before = await world.service.supporters_overview(team_id=TEAM, by=CORA)
    assert {(r.sessions, r.minutes, r.overdue_follow_ups) for r in before.rows} == {(0, 0, 0)}
    assert before.total_sessions == 0
    world.clock.advance(timedelta(days=13))  # Monday 23 March, 12:00 UTC
    overview = await world.service.supporters_overview(team_id=TEAM, by=CORA)
    assert (overview.since, overview.until) == (date(2026, 2, 23), date(2026, 3, 22))
    rows = {r.supporter_id: r for r in overview.rows}
    assert set(rows) == {SAM, KIM}
    assert (rows[SAM].sessions, rows[SAM].minutes, rows[SAM].overdue_follow_ups) == (5, 225, 0)
    # The follow-ups were due on the 11th and not done by the period's end: 5 overdue.
    assert (rows[KIM].sessions, rows[KIM].minutes, rows[KIM].overdue_follow_ups) == (5, 150, 5)
    assert rows[SAM].training.state == "none"
    assert rows[KIM].training.state == "current"
    assert (overview.total_sessions, overview.total_minutes, overview.total_overdue) == (10, 375, 5)
    # Marking them done now does not rewrite a completed period.
    async with world.db.session() as session:
        for follow_up in await session.exec(select(SupportFollowUp)):
            follow_up.done_at = world.clock.now()
            session.add(follow_up)
    assert await world.service.supporters_overview(team_id=TEAM, by=CORA) == overview
    world.directory.channels[SUPPORTERS].discard(SAM)
    overview = await world.service.supporters_overview(team_id=TEAM, by=CORA)
    assert [r.supporter_id for r in overview.rows] == [KIM]
    assert (overview.former_sessions, overview.former_minutes) == (5, 225)


async def test_a_supporter_under_k_sessions_is_withheld_and_cannot_be_subtracted_out(world: World) -> None:
    for _ in range(5):
        await world.service.log_session(team_id=TEAM, supporter_id=SAM, form=form(TODAY))
    for _ in range(2):
        await world.service.log_session(team_id=TEAM, supporter_id=KIM, form=form(TODAY))
    world.clock.advance(timedelta(days=13))
    overview = await world.service.supporters_overview(team_id=TEAM, by=CORA)
    # Kim's 2 are withheld, and so are Sam's 5: the total 7 minus 5 would give Kim's 2.
    assert overview.total_sessions == 7
    assert all(
        isinstance(r.sessions, Suppressed) and isinstance(r.minutes, Suppressed) for r in overview.rows
    )
    text = build_supporters_text(overview)
    assert "2 sessions" not in text and "5 sessions" not in text and "7 sessions" in text


async def test_sessions_all_from_one_supporter_show_no_total(world: World) -> None:
    for _ in range(6):
        await world.service.log_session(team_id=TEAM, supporter_id=SAM, form=form(TODAY))
    world.clock.advance(timedelta(days=13))
    overview = await world.service.supporters_overview(team_id=TEAM, by=CORA)
    assert isinstance(overview.total_sessions, Suppressed)
    assert all(isinstance(r.sessions, Suppressed) for r in overview.rows)
