"""The digest's peer-support queries, on hand-made rows in a real database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from storage.db import Database, migrate, sync_url
from storage.support_models import SupportFollowUp, SupportSession, SupportTraining
from storage.support_queries import (
    FollowUpCounts,
    SupporterLoad,
    TrainingCoverage,
    WeeklyCount,
    follow_up_counts,
    latest_training_by_supporter,
    load_per_supporter,
    overdue_follow_ups_by_supporter,
    referrals_per_week,
    sessions_per_week,
    training_coverage,
    training_state,
    week_of,
)

TEAM = "T0TEST"
MON = date(2026, 3, 2)  # a Monday
CREATED = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    # The tables straight from the models; test_migration_matches_the_models keeps the two in step.
    async with database.engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    yield database
    await database.dispose()


def _session(
    supporter: str,
    on: date,
    minutes: int,
    *,
    category: str = "verbal_abuse",
    outcome: str = "listened",
    channel: str = "chat",
    team: str = TEAM,
) -> SupportSession:
    return SupportSession(
        team_id=team,
        supporter_id=supporter,
        session_date=on,
        duration_minutes=minutes,
        category=category,
        contact_channel=channel,
        outcome=outcome,
        created_at=CREATED,
    )


async def _add(db: Database, *rows: object) -> None:
    async with db.session() as session:
        for row in rows:
            session.add(row)
            await session.flush()


def test_week_of_is_the_monday_of_the_iso_week() -> None:
    assert week_of(MON) == MON
    assert week_of(MON + timedelta(days=6)) == MON
    assert week_of(MON + timedelta(days=7)) == MON + timedelta(days=7)


@pytest.mark.parametrize(
    ("last", "state"),
    [
        (None, "none"),
        (date(2026, 3, 1), "current"),
        (date(2026, 3, 1) - timedelta(days=150), "lapsing"),  # 30 days left
        (date(2026, 3, 1) - timedelta(days=180), "lapsing"),  # last valid day
        (date(2026, 3, 1) - timedelta(days=181), "lapsed"),
    ],
)
def test_training_state_boundaries(last: date | None, state: str) -> None:
    assert training_state(last, today=date(2026, 3, 1), valid_days=180) == state


async def test_sessions_per_week_by_each_breakdown(db: Database) -> None:
    await _add(
        db,
        _session("U1", MON, 30, category="exclusion", outcome="referred_hr", channel="call"),
        _session("U1", MON + timedelta(days=6), 45, category="exclusion", outcome="listened"),
        _session("U2", MON + timedelta(days=7), 60, category="intimidation", outcome="referred_hr"),
        _session(
            "U2",
            MON + timedelta(days=8),
            15,
            category="exclusion",
            outcome="referred_eap",
            channel="in_person",
        ),
        _session("U3", MON - timedelta(days=1), 90),  # before the period
        _session("U3", MON, 90, team="T0OTHER"),  # another workspace
    )
    until = MON + timedelta(days=13)
    async with db.session() as session:
        by_category = await sessions_per_week(
            session=session, team_id=TEAM, since=MON, until=until, by="category"
        )
        by_channel = await sessions_per_week(
            session=session, team_id=TEAM, since=MON, until=until, by="contact_channel"
        )
        referrals = await referrals_per_week(
            session=session,
            team_id=TEAM,
            since=MON,
            until=until,
            outcomes={"referred_hr", "referred_eap", "referred_manager"},
        )
        no_referrals = await referrals_per_week(
            session=session, team_id=TEAM, since=MON, until=until, outcomes=[]
        )
    next_week = MON + timedelta(days=7)
    assert by_category == [
        WeeklyCount(MON, "exclusion", 2, 75),
        WeeklyCount(next_week, "exclusion", 1, 15),
        WeeklyCount(next_week, "intimidation", 1, 60),
    ]
    assert by_channel == [
        WeeklyCount(MON, "call", 1, 30),
        WeeklyCount(MON, "chat", 1, 45),
        WeeklyCount(next_week, "chat", 1, 60),
        WeeklyCount(next_week, "in_person", 1, 15),
    ]
    assert referrals == [
        WeeklyCount(MON, "referred_hr", 1, 30),
        WeeklyCount(next_week, "referred_eap", 1, 15),
        WeeklyCount(next_week, "referred_hr", 1, 60),
    ]
    assert no_referrals == []


async def test_follow_ups_due_overdue_and_per_supporter(db: Database) -> None:
    today = MON + timedelta(days=10)
    sessions = [
        _session("U1", MON, 30),
        _session("U1", MON, 30),
        _session("U2", MON, 30),
        _session("U2", MON, 30),
    ]
    sessions.append(_session("U2", MON, 30))
    await _add(db, *sessions)
    await _add(
        db,
        SupportFollowUp(session_id=sessions[0].id, due_on=today - timedelta(days=3)),  # overdue
        SupportFollowUp(session_id=sessions[1].id, due_on=today),  # due today
        SupportFollowUp(session_id=sessions[2].id, due_on=today - timedelta(days=1)),  # overdue
        SupportFollowUp(session_id=sessions[3].id, due_on=today + timedelta(days=7)),  # later
        SupportFollowUp(session_id=sessions[4].id, due_on=today - timedelta(days=9), done_at=CREATED),  # done
    )
    async with db.session() as session:
        counts = await follow_up_counts(session=session, team_id=TEAM, today=today)
        per_supporter = await overdue_follow_ups_by_supporter(session=session, team_id=TEAM, today=today)
        other = await follow_up_counts(session=session, team_id="T0OTHER", today=today)
    assert counts == FollowUpCounts(overdue=2, due=1, later=1)
    assert per_supporter == {"U1": 1, "U2": 1}
    assert other == FollowUpCounts(0, 0, 0)


async def test_training_coverage_and_latest(db: Database) -> None:
    today = date(2026, 3, 20)

    def trained(supporter: str, days_ago: int) -> SupportTraining:
        return SupportTraining(
            team_id=TEAM,
            supporter_id=supporter,
            title="Active listening",
            completed_on=today - timedelta(days=days_ago),
            hours=1.5,
            created_at=CREATED,
        )

    await _add(
        db, trained("U1", 400), trained("U1", 10), trained("U2", 170), trained("U3", 200), trained("U9", 1)
    )
    async with db.session() as session:
        latest = await latest_training_by_supporter(session=session, team_id=TEAM)
        coverage = await training_coverage(
            session=session, team_id=TEAM, supporter_ids=["U1", "U2", "U3", "U4"], today=today, valid_days=180
        )
    assert latest["U1"] == today - timedelta(days=10)
    assert coverage == TrainingCoverage(current=1, lapsing=1, lapsed=1, never=1)
    assert coverage.total == 4  # U9 has left the supporters channel and is not counted


async def test_load_per_supporter_in_a_period(db: Database) -> None:
    await _add(
        db,
        _session("U1", MON, 30),
        _session("U1", MON + timedelta(days=27), 60),
        _session("U1", MON + timedelta(days=28), 60),  # after the period
        _session("U2", MON + timedelta(days=3), 45),
    )
    async with db.session() as session:
        load = await load_per_supporter(
            session=session, team_id=TEAM, since=MON, until=MON + timedelta(days=27)
        )
    assert load == {"U1": SupporterLoad("U1", 2, 90), "U2": SupporterLoad("U2", 1, 45)}


def test_no_column_can_hold_the_person_supported() -> None:
    # The schema is the promise: supporter, when, how long, what kind, how it ended; nobody else.
    assert set(SupportSession.model_fields) == {
        "id",
        "team_id",
        "supporter_id",
        "session_date",
        "duration_minutes",
        "category",
        "contact_channel",
        "outcome",
        "follow_up_on",
        "note",
        "created_at",
        "updated_at",
    }


async def test_migration_matches_the_models(database_url: str) -> None:
    await asyncio.to_thread(migrate, database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert [d for d in diff if "support_" in repr(d)] == []
