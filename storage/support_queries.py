"""Peer-support figures for the weekly digest and `/pulse supporters`. Keyword-only, plain data out.

These return raw counts. Whoever shows them applies MIN_GROUP_SIZE (bot/insights/anonymity.py);
coordinators' figures are built from `released_sessions` only, so they change only when a period
completes (docs/privacy.md, "Coordinators, supporters and colleagues").
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.support_models import SupportFollowUp, SupportSession, SupportTraining

Breakdown = Literal["category", "outcome", "contact_channel"]
TrainingState = Literal["current", "lapsing", "lapsed", "none"]
LAPSING_WITHIN_DAYS = 30


def week_of(day: date) -> date:
    """The Monday that starts the ISO week containing `day`."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class WeeklyCount:
    """Sessions and minutes in one ISO week (starting `week`, a Monday) for one key."""

    week: date
    key: str
    sessions: int
    minutes: int


@dataclass(frozen=True)
class FollowUpCounts:
    """Open follow-ups: past their date, due within the next 7 days (today included), or later."""

    overdue: int
    due: int
    later: int


@dataclass(frozen=True)
class TrainingCoverage:
    """How many of the given supporters are current, lapsing within 30 days, lapsed, or never trained."""

    current: int
    lapsing: int
    lapsed: int
    never: int

    @property
    def total(self) -> int:
        """Supporters counted."""
        return self.current + self.lapsing + self.lapsed + self.never


@dataclass(frozen=True)
class SupporterLoad:
    """One supporter's sessions and minutes over a period."""

    supporter_id: str
    sessions: int
    minutes: int


def training_state(
    last: date | None, *, today: date, valid_days: int, lapsing_within: int = LAPSING_WITHIN_DAYS
) -> TrainingState:
    """Whether training completed on `last` is current, lapsing soon, lapsed, or missing."""
    if last is None:
        return "none"
    days_left = (last + timedelta(days=valid_days) - today).days
    if days_left < 0:
        return "lapsed"
    return "lapsing" if days_left <= lapsing_within else "current"


async def _weekly(
    session: AsyncSession,
    *,
    team_id: str,
    since: date,
    until: date,
    key: Any,
    where: ColumnElement[bool] | None = None,
) -> list[WeeklyCount]:
    stmt = (
        select(
            col(SupportSession.session_date),
            key,
            func.count(),
            func.sum(SupportSession.duration_minutes),
        )
        .where(
            SupportSession.team_id == team_id,
            col(SupportSession.session_date) >= since,
            col(SupportSession.session_date) <= until,
        )
        .group_by(col(SupportSession.session_date), key)
    )
    if where is not None:
        stmt = stmt.where(where)
    # Grouped by day in SQL and folded into weeks here: week arithmetic differs between SQLite
    # and PostgreSQL, and a few hundred day-rows are nothing to fold.
    weeks: dict[tuple[date, str], list[int]] = {}
    for day, value, sessions, minutes in (await session.exec(stmt)).all():
        totals = weeks.setdefault((week_of(day), str(value)), [0, 0])
        totals[0] += int(sessions)
        totals[1] += int(minutes or 0)
    return [WeeklyCount(week, value, s, m) for (week, value), (s, m) in sorted(weeks.items())]


async def sessions_per_week(
    *, session: AsyncSession, team_id: str, since: date, until: date, by: Breakdown
) -> list[WeeklyCount]:
    """Sessions and minutes per ISO week, broken down by category, outcome or contact channel."""
    column = {
        "category": SupportSession.category,
        "outcome": SupportSession.outcome,
        "contact_channel": SupportSession.contact_channel,
    }[by]
    return await _weekly(session, team_id=team_id, since=since, until=until, key=col(column))


async def referrals_per_week(
    *, session: AsyncSession, team_id: str, since: date, until: date, outcomes: Collection[str]
) -> list[WeeklyCount]:
    """Sessions per ISO week that ended in a referral, by referral outcome (the taxonomy says which)."""
    if not outcomes:
        return []
    return await _weekly(
        session,
        team_id=team_id,
        since=since,
        until=until,
        key=col(SupportSession.outcome),
        where=col(SupportSession.outcome).in_(list(outcomes)),
    )


async def follow_up_counts(*, session: AsyncSession, team_id: str, today: date) -> FollowUpCounts:
    """Open follow-ups by whether they are overdue, due within a week, or later."""
    stmt = (
        select(col(SupportFollowUp.due_on), func.count())
        .join(SupportSession, col(SupportSession.id) == col(SupportFollowUp.session_id))
        .where(SupportSession.team_id == team_id, col(SupportFollowUp.done_at).is_(None))
        .group_by(col(SupportFollowUp.due_on))
    )
    overdue = due = later = 0
    week_end = today + timedelta(days=7)
    for due_on, count in (await session.exec(stmt)).all():
        if due_on < today:
            overdue += int(count)
        elif due_on < week_end:
            due += int(count)
        else:
            later += int(count)
    return FollowUpCounts(overdue=overdue, due=due, later=later)


async def overdue_follow_ups_by_supporter(
    *, session: AsyncSession, team_id: str, today: date
) -> dict[str, int]:
    """Open follow-ups past their date, per supporter."""
    stmt = (
        select(SupportSession.supporter_id, func.count())
        .join(SupportFollowUp, col(SupportFollowUp.session_id) == col(SupportSession.id))
        .where(
            SupportSession.team_id == team_id,
            col(SupportFollowUp.done_at).is_(None),
            col(SupportFollowUp.due_on) < today,
        )
        .group_by(col(SupportSession.supporter_id))
    )
    return {supporter: int(count) for supporter, count in (await session.exec(stmt)).all()}


async def latest_training_by_supporter(*, session: AsyncSession, team_id: str) -> dict[str, date]:
    """Each supporter's most recent training date (supporters with none are absent)."""
    stmt = (
        select(SupportTraining.supporter_id, func.max(SupportTraining.completed_on))
        .where(SupportTraining.team_id == team_id)
        .group_by(col(SupportTraining.supporter_id))
    )
    return {supporter: last for supporter, last in (await session.exec(stmt)).all() if last is not None}


async def training_coverage(
    *,
    session: AsyncSession,
    team_id: str,
    supporter_ids: Collection[str],
    today: date,
    valid_days: int,
) -> TrainingCoverage:
    """How the given supporters' training stands today (pass the live supporters channel)."""
    latest = await latest_training_by_supporter(session=session, team_id=team_id)
    states = [training_state(latest.get(s), today=today, valid_days=valid_days) for s in supporter_ids]
    return TrainingCoverage(
        current=states.count("current"),
        lapsing=states.count("lapsing"),
        lapsed=states.count("lapsed"),
        never=states.count("none"),
    )


async def load_per_supporter(
    *, session: AsyncSession, team_id: str, since: date, until: date
) -> dict[str, SupporterLoad]:
    """Sessions and minutes per supporter with session dates in [since, until]."""
    stmt = (
        select(
            SupportSession.supporter_id,
            func.count(),
            func.sum(SupportSession.duration_minutes),
        )
        .where(
            SupportSession.team_id == team_id,
            col(SupportSession.session_date) >= since,
            col(SupportSession.session_date) <= until,
        )
        .group_by(col(SupportSession.supporter_id))
    )
    return {
        supporter: SupporterLoad(supporter, int(sessions), int(minutes or 0))
        for supporter, sessions, minutes in (await session.exec(stmt)).all()
    }


@dataclass(frozen=True)
class ReleasedSession:
    """What coordinators' figures may use of one session: no note, no dates finer than its period."""

    supporter_id: str
    category: str
    outcome: str
    duration_minutes: int
    follow_up_on: date | None
    follow_up_done_at: datetime | None
    released_at: datetime


async def released_sessions(
    *, session: AsyncSession, team_id: str, start: datetime, end: datetime, settle: timedelta
) -> list[ReleasedSession]:
    """Sessions whose edit window (`settle` after logging) closed in [start, end), i.e. final ones."""
    stmt = (
        select(SupportSession, SupportFollowUp)
        .outerjoin(SupportFollowUp, col(SupportFollowUp.session_id) == col(SupportSession.id))
        .where(
            SupportSession.team_id == team_id,
            col(SupportSession.created_at) >= start - settle,
            col(SupportSession.created_at) < end - settle,
        )
    )
    out = []
    for row, follow_up in (await session.exec(stmt)).all():
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        done = follow_up.done_at if follow_up is not None else None
        out.append(
            ReleasedSession(
                supporter_id=row.supporter_id,
                category=row.category,
                outcome=row.outcome,
                duration_minutes=row.duration_minutes,
                follow_up_on=row.follow_up_on,
                follow_up_done_at=done if done is None or done.tzinfo else done.replace(tzinfo=UTC),
                released_at=created + settle,
            )
        )
    return out
