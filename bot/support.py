"""Peer support: supporters log sessions and training, get reminders; coordinators see aggregates.

No Slack types here. Form fields are named by the constants below, and the Slack modals use the
same names as their block ids, so `InvalidInput.fields` lands next to the right input.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from importlib import resources
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.delivery import Envelope, Outbox
from bot.errors import InvalidInput
from bot.i18n import N_, _, format_day
from bot.insights.anonymity import SUPPRESSED, Breakdown, Suppressed, is_small, is_small_group, protect_groups
from bot.ports import Directory, Member
from bot.privacy import find_named_member, scrub_text
from bot.roles import SYSTEM, Actor, Roles
from bot.surveys import local_send_time, member_zone
from storage.db import Database
from storage.support_models import SupportFollowUp, SupportSession, SupportTraining
from storage.support_queries import (
    ReleasedSession,
    TrainingState,
    latest_training_by_supporter,
    released_sessions,
    training_state,
)

log = logging.getLogger(__name__)

# Form fields (and the block ids of the Slack modals).
DATE = "session_date"
DURATION = "duration_minutes"
CATEGORY = "category"
CONTACT_CHANNEL = "contact_channel"
OUTCOME = "outcome"
FOLLOW_UP = "follow_up"
FOLLOW_UP_ON = "follow_up_on"
NOTE = "note"
COURSE = "course"
TOPIC = "topic"
COMPLETED_ON = "completed_on"
HOURS = "hours"

EDIT_WINDOW = timedelta(hours=24)
MAX_SESSION_AGE_DAYS = 30
MIN_MINUTES, MAX_MINUTES = 5, 480
MAX_FOLLOW_UP_DAYS = 90
NOTE_LIMIT = 500
TOPIC_LIMIT = 150
MIN_HOURS, MAX_HOURS = 0.5, 100.0
MAX_TRAINING_AGE_DAYS = 3 * 365
SNOOZE = timedelta(days=7)
RECENT_LIMIT = 10
# App Home lists follow-ups due within this many days, and any overdue.
FOLLOW_UPS_AHEAD_DAYS = 7
# Coordinators' figures: the latest completed 4-week period, sessions counted once they are final.
RELEASE_WEEKS = 4
PERIOD_EPOCH = date(2024, 1, 1)  # a Monday: 4-week periods are counted from here
# A session figure that says what sessions were about must come from at least this many supporters.
MIN_SUPPORTERS = 2
FORMER = "former supporters"
# Long enough that a burst of submissions costs one users.list, short enough to learn new names.
NAME_CACHE_SECONDS = 300.0
# Reminders arrive at this hour of the supporter's own day.
REMINDER_AT = clock_time(10, 0)
LATEST_ZONE = ZoneInfo("Etc/GMT+12")
FOLLOW_UP_KIND = "peer_follow_up"
TRAINING_KIND = "peer_training_lapsed"

TaxonomyKind = Literal["categories", "channels", "outcomes", "training_courses"]
_KINDS: tuple[TaxonomyKind, ...] = ("categories", "channels", "outcomes", "training_courses")
_LABEL_LIMIT = 75  # Slack's limit for an option's text


# --- taxonomy -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One option of the taxonomy: a stable id, a label, and whether it counts as a referral."""

    id: str
    label: str
    referral: bool = False


@dataclass(frozen=True)
class SupportTaxonomy:
    """Session categories, contact channels, outcomes and training courses, in display order."""

    categories: tuple[Choice, ...]
    channels: tuple[Choice, ...]
    outcomes: tuple[Choice, ...]
    training_courses: tuple[Choice, ...]

    def choices(self, kind: TaxonomyKind) -> tuple[Choice, ...]:
        """The options of one kind."""
        found: tuple[Choice, ...] = getattr(self, kind)
        return found

    def get(self, kind: TaxonomyKind, choice_id: str | None) -> Choice | None:
        """The option with this id, if the taxonomy has it."""
        return next((c for c in self.choices(kind) if c.id == choice_id), None)

    def label(self, kind: TaxonomyKind, choice_id: str) -> str:
        """The label for an id (the id itself if it has since been removed from the taxonomy)."""
        choice = self.get(kind, choice_id)
        return choice.label if choice is not None else choice_id

    def referral_outcomes(self) -> frozenset[str]:
        """Outcome ids that count as referrals."""
        return frozenset(c.id for c in self.outcomes if c.referral)


def parse_support_taxonomy(data: object, where: str) -> SupportTaxonomy:
    """Validate a taxonomy document; raise ValueError naming what is wrong."""
    if not isinstance(data, dict) or set(data) != set(_KINDS):
        raise ValueError(f"{where}: expected exactly the keys {', '.join(_KINDS)}")
    parsed: dict[str, tuple[Choice, ...]] = {}
    for kind in _KINDS:
        items = data[kind]
        if not isinstance(items, list) or not items:
            raise ValueError(f"{where}: {kind} must be a non-empty list")
        choices: list[Choice] = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
                raise ValueError(f"{where}: every entry of {kind} needs an id")
            label = item.get("label")
            if not isinstance(label, str) or not 0 < len(label) <= _LABEL_LIMIT:
                raise ValueError(f"{where}: {kind}/{item['id']} needs a label of 1-{_LABEL_LIMIT} characters")
            if len(item["id"]) > 64 or any(c.id == item["id"] for c in choices):
                raise ValueError(f"{where}: {kind}/{item['id']} is too long or appears twice")
            choices.append(Choice(item["id"], label, referral=bool(item.get("referral", False))))
        parsed[kind] = tuple(choices)
    return SupportTaxonomy(**parsed)


@functools.cache
def load_support_taxonomy(path: Path | None = None) -> SupportTaxonomy:
    """The taxonomy from `path`, or the one shipped with PeerPulse; read once."""
    if path is None:
        text = (resources.files("bot") / "data" / "support_taxonomy.yml").read_text(encoding="utf-8")
        where = "support_taxonomy.yml"
    else:
        text, where = path.read_text(encoding="utf-8"), str(path)
    return parse_support_taxonomy(yaml.safe_load(text), where)


# --- what goes in and comes out -------------------------------------------------------------


@dataclass(frozen=True)
class SessionForm:
    """A session as typed into the form, unvalidated (dates ISO, numbers as text)."""

    session_date: str | None = None
    duration_minutes: str | None = None
    category: str | None = None
    contact_channel: str | None = None
    outcome: str | None = None
    follow_up: bool = False
    follow_up_on: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class TrainingForm:
    """A training as typed into the form: a course from the list or a topic, date, hours."""

    course: str | None = None
    topic: str | None = None
    completed_on: str | None = None
    hours: str | None = None


@dataclass(frozen=True)
class SessionSummary:
    """A supporter's own view of one of their sessions."""

    id: str
    session_date: date
    duration_minutes: int
    category: str
    contact_channel: str
    outcome: str
    follow_up_on: date | None
    follow_up_done: bool
    note: str | None
    created_at: datetime
    editable: bool


@dataclass(frozen=True)
class SavedSession:
    """A session just logged or edited, and whether its note lost contact details to scrubbing."""

    session: SessionSummary
    edited: bool
    note_scrubbed: bool


@dataclass(frozen=True)
class TrainingStatus:
    """Where a supporter's training stands."""

    state: TrainingState
    last_on: date | None
    last_title: str | None
    valid_until: date | None


@dataclass(frozen=True)
class SavedTraining:
    """A training just recorded, and the supporter's status after it."""

    title: str
    completed_on: date
    hours: float
    status: TrainingStatus


@dataclass(frozen=True)
class FollowUpResult:
    """A follow-up after a click: its (possibly new) due date, and whether it is done."""

    session_id: str
    due_on: date
    done: bool
    changed: bool


@dataclass(frozen=True)
class SupporterRow:
    """One supporter's own activity for coordinators: no session detail, nothing under k sessions."""

    supporter_id: str
    sessions: int | Suppressed
    minutes: int | Suppressed
    training: TrainingStatus
    overdue_follow_ups: int | Suppressed


@dataclass(frozen=True)
class SupportersOverview:
    """Every current supporter's load and overdue follow-ups over the released weeks, and training."""

    since: date
    until: date  # the last day of the released period (inclusive)
    rows: tuple[SupporterRow, ...]
    former_sessions: int | Suppressed
    former_minutes: int | Suppressed
    k: int = 5
    total_sessions: int | Suppressed = 0
    total_minutes: int | Suppressed = 0
    total_overdue: int | Suppressed = 0


@dataclass(frozen=True)
class ReleasedActivity:
    """The sessions coordinators' figures are built from: those that became final in [start, end)."""

    start: datetime
    end: datetime
    sessions: tuple[ReleasedSession, ...]

    @property
    def first_day(self) -> date:
        """The period's first day (UTC)."""
        return self.start.date()

    @property
    def last_day(self) -> date:
        """The period's last day (UTC, inclusive)."""
        return (self.end - timedelta(days=1)).date()

    def overdue(self, session: ReleasedSession) -> bool:
        """Whether the session's follow-up was past its date and not done when the period ended."""
        return (
            session.follow_up_on is not None
            and session.follow_up_on < self.end.date()
            and (session.follow_up_done_at is None or session.follow_up_done_at >= self.end)
        )


def released_period(now: datetime, *, weeks: int = RELEASE_WEEKS) -> tuple[datetime, datetime]:
    """The latest completed period of `weeks` ISO weeks (UTC) before `now`, as [start, end).

    Periods tile the calendar from PERIOD_EPOCH and never overlap, so two periods' figures are
    about disjoint sets: a sliding window would let this period minus the last reveal one week.
    """
    monday = now.astimezone(UTC).date()
    monday -= timedelta(days=monday.weekday())
    length = 7 * weeks
    end_day = PERIOD_EPOCH + timedelta(days=(monday - PERIOD_EPOCH).days // length * length)
    end = datetime.combine(end_day, clock_time(0), tzinfo=UTC)
    return end - timedelta(days=length), end


def content_total(activity: ReleasedActivity, *, k: int) -> int | Suppressed:
    """The period's session count, if it may be shown beside what the sessions were about."""
    sources = [s.supporter_id for s in activity.sessions]
    return SUPPRESSED if is_small_group(sources, k=k, min_sources=MIN_SUPPORTERS) else len(sources)


def supporter_breakdowns(
    activity: ReleasedActivity, *, supporters: Collection[str], k: int
) -> tuple[Breakdown, Breakdown]:
    """Sessions and overdue follow-ups per current supporter (and "former" ones), k-protected."""
    sessions: dict[str, list[str]] = {s: [] for s in sorted(supporters)}
    sessions[FORMER] = []
    overdue: dict[str, list[str]] = {s: [] for s in sorted(supporters)}
    overdue[FORMER] = []
    for row in activity.sessions:
        key = row.supporter_id if row.supporter_id in supporters else FORMER
        sessions[key].append(row.supporter_id)
        if activity.overdue(row):
            overdue[key].append(row.supporter_id)
    by_session = protect_groups(sessions, k=k)
    if isinstance(content_total(activity, k=k), Suppressed):
        # The total is the digest's figure too; where the digest withholds it, so does this table.
        by_session = Breakdown(cells=dict.fromkeys(sessions, SUPPRESSED), total=SUPPRESSED)
    return by_session, _protect_overdue(overdue, by_session, k=k)


def _protect_overdue(overdue: dict[str, list[str]], by_session: Breakdown, *, k: int) -> Breakdown:
    """Overdue follow-ups per supporter, withheld also where sessions minus overdue would be small."""
    by_overdue = protect_groups(overdue, k=k)
    total = sum(len(v) for v in overdue.values())
    sessions_total = by_session.total
    # Sessions without an overdue follow-up are a group too: shown total minus shown overdue.
    if not isinstance(sessions_total, int) or is_small(sessions_total - total, k=k):
        return Breakdown(cells=dict.fromkeys(overdue, SUPPRESSED), total=SUPPRESSED)
    cells = dict(by_overdue.cells)
    for key, count in by_overdue.cells.items():
        sessions = by_session.cells[key]
        if isinstance(count, int) and (not isinstance(sessions, int) or is_small(sessions - count, k=k)):
            cells[key] = SUPPRESSED
    shown = sum(v for v in cells.values() if isinstance(v, int))
    if cells != by_overdue.cells and is_small(total - shown, k=k):
        # Withholding more cells left a small residual: none of them is shown.
        cells = dict.fromkeys(overdue, SUPPRESSED)
    return Breakdown(cells=cells, total=by_overdue.total)


# --- parsing helpers ------------------------------------------------------------------------


def _parse_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw else None
    except ValueError:
        return None


def _parse_int(raw: str | None) -> int | None:
    try:
        return int(raw.strip()) if raw else None
    except ValueError:
        return None


def _parse_hours(raw: str | None) -> float | None:
    try:
        value = float(raw.strip()) if raw else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _summary(row: SupportSession, follow_up: SupportFollowUp | None, now: datetime) -> SessionSummary:
    return SessionSummary(
        id=row.id,
        session_date=row.session_date,
        duration_minutes=row.duration_minutes,
        category=row.category,
        contact_channel=row.contact_channel,
        outcome=row.outcome,
        follow_up_on=follow_up.due_on if follow_up is not None else row.follow_up_on,
        follow_up_done=follow_up is not None and follow_up.done_at is not None,
        note=row.note,
        created_at=row.created_at,
        editable=now - row.created_at < EDIT_WINDOW,
    )


@dataclass(frozen=True)
class _ValidSession:
    session_date: date
    duration_minutes: int
    category: str
    contact_channel: str
    outcome: str
    follow_up_on: date | None
    note: str | None
    note_scrubbed: bool


class SupportService:
    """Session logs, training records, reminders and coordinators' aggregates."""

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        directory: Directory,
        roles: Roles,
        outbox: Outbox,
        clock: Clock,
        taxonomy: SupportTaxonomy | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.settings = settings
        self.directory = directory
        self.roles = roles
        self.outbox = outbox
        self.clock = clock
        self._taxonomy = taxonomy
        self._monotonic = monotonic
        self._members: tuple[float, dict[str, Member], tuple[str, ...]] | None = None
        self._members_lock = asyncio.Lock()
        # Time zones outlive the name cache: a form's default date needs one without any I/O.
        self._zones: dict[str, Member] = {}

    @property
    def taxonomy(self) -> SupportTaxonomy:
        """The session and training taxonomy (the shipped one unless another was given)."""
        if self._taxonomy is None:
            self._taxonomy = load_support_taxonomy()
        return self._taxonomy

    # --- the workspace directory, cached ------------------------------------------------------

    def _fresh_members(self) -> tuple[dict[str, Member], tuple[str, ...]] | None:
        cached = self._members
        if cached is None or self._monotonic() - cached[0] >= NAME_CACHE_SECONDS:
            return None
        return cached[1], cached[2]

    async def _directory(self) -> tuple[dict[str, Member], tuple[str, ...]]:
        fresh = self._fresh_members()
        if fresh is not None:
            return fresh
        async with self._members_lock:
            # Whoever waited on the lock finds the list the first caller just fetched.
            fresh = self._fresh_members()
            if fresh is not None:
                return fresh
            listed = await self.directory.list_members()
            members = {m.id: m for m in listed}
            # People's names only: a bot called "Standup Bot" would make "standup" a name.
            names = tuple(
                dict.fromkeys(n for m in listed if not m.is_bot for n in (m.real_name, m.display_name) if n)
            )
            self._members = (self._monotonic(), members, names)
            self._zones = members
            return members, names

    async def supporters(self) -> set[str]:
        """Current peer supporters: the people in the supporters channel, without its bots."""
        members, _names = await self._directory()
        # The bot has to be in the private channel to read it, so membership alone is not enough.
        return {
            s for s in await self.roles.supporters() if (m := members.get(s)) is not None and m.active_human
        }

    async def member_names(self) -> tuple[str, ...]:
        """Every person's real and display name in the workspace (cached), for scrubbing free text."""
        _, names = await self._directory()
        return names

    async def warm_directory(self) -> None:
        """Fetch the member list now, so a form submitted in a moment is checked quickly."""
        await self._directory()

    def cached_today(self, user_id: str) -> date:
        """The user's local date as far as is known without I/O (a form's default date)."""
        member = self._zones.get(user_id)
        if member is None:
            # Before the first directory fetch: the date in the last time zone to reach midnight,
            # which is never a future date anywhere, so the default can't be refused as one.
            return self.clock.now().astimezone(LATEST_ZONE).date()
        return self._local_today(member)

    async def today_for(self, user_id: str) -> date:
        """The user's local date."""
        members, _names = await self._directory()
        return self._local_today(members.get(user_id))

    def _local_today(self, member: Member | None) -> date:
        zone = (
            member_zone(member, default=self.settings.default_timezone)
            if member is not None
            else ZoneInfo(self.settings.default_timezone)
        )
        return self.clock.now().astimezone(zone).date()

    # --- sessions -----------------------------------------------------------------------------

    async def log_session(self, *, team_id: str, supporter_id: str, form: SessionForm) -> SavedSession:
        """Validate, scrub and store a new session (and its follow-up)."""
        await self.roles.require_supporter(supporter_id)
        valid = await self._validate_session(supporter_id, form, existing=None)
        now = self.clock.now()
        row = SupportSession(
            team_id=team_id,
            supporter_id=supporter_id,
            session_date=valid.session_date,
            duration_minutes=valid.duration_minutes,
            category=valid.category,
            contact_channel=valid.contact_channel,
            outcome=valid.outcome,
            follow_up_on=valid.follow_up_on,
            note=valid.note,
            created_at=now,
        )
        follow_up = None
        async with self.db.session() as session:
            session.add(row)
            await session.flush()
            if valid.follow_up_on is not None:
                follow_up = SupportFollowUp(session_id=row.id, due_on=valid.follow_up_on)
                session.add(follow_up)
        if follow_up is not None:
            await self._queue_follow_up_now(row.id, supporter_id, follow_up.due_on)
        return SavedSession(_summary(row, follow_up, now), edited=False, note_scrubbed=valid.note_scrubbed)

    async def edit_session(self, *, supporter_id: str, session_id: str, form: SessionForm) -> SavedSession:
        """Change one of the supporter's own sessions, within 24 hours of logging it."""
        await self.roles.require_supporter(supporter_id)
        now = self.clock.now()
        async with self.db.session() as session:
            row, follow_up = await self._own_session(session, supporter_id, session_id)
        self._check_window(row, now)
        # Validated outside any transaction: the name check may have to ask Slack for the directory.
        valid = await self._validate_session(supporter_id, form, existing=(row, follow_up))
        async with self.db.session() as session:
            row, follow_up = await self._own_session(session, supporter_id, session_id)
            for name in (
                "session_date",
                "duration_minutes",
                "category",
                "contact_channel",
                "outcome",
                "note",
            ):
                setattr(row, name, getattr(valid, name))
            row.updated_at = now
            if valid.follow_up_on is None:
                if follow_up is not None:
                    await session.delete(follow_up)
                    follow_up = None
            elif follow_up is None:
                follow_up = SupportFollowUp(session_id=row.id, due_on=valid.follow_up_on)
            elif valid.follow_up_on not in (follow_up.due_on, row.follow_up_on):
                # A new date is a new follow-up: its snoozes and any "done" belonged to the old one.
                follow_up.due_on, follow_up.done_at, follow_up.snoozes = valid.follow_up_on, None, 0
            row.follow_up_on = valid.follow_up_on
            session.add(row)
            if follow_up is not None:
                session.add(follow_up)
        if follow_up is not None and follow_up.done_at is None:
            await self._queue_follow_up_now(row.id, supporter_id, follow_up.due_on)
        return SavedSession(_summary(row, follow_up, now), edited=True, note_scrubbed=valid.note_scrubbed)

    async def session_for_edit(self, *, supporter_id: str, session_id: str) -> SessionSummary:
        """One of the supporter's own sessions, if it can still be changed."""
        await self.roles.require_supporter(supporter_id)
        now = self.clock.now()
        async with self.db.session() as session:
            row, follow_up = await self._own_session(session, supporter_id, session_id)
        self._check_window(row, now)
        return _summary(row, follow_up, now)

    async def delete_session(self, *, supporter_id: str, session_id: str) -> None:
        """Delete one of the supporter's own sessions, within 24 hours of logging it."""
        await self.roles.require_supporter(supporter_id)
        now = self.clock.now()
        async with self.db.session() as session:
            row, _follow_up = await self._own_session(session, supporter_id, session_id)
            self._check_window(row, now)
            await session.exec(delete(SupportFollowUp).where(col(SupportFollowUp.session_id) == session_id))
            await session.exec(delete(SupportSession).where(col(SupportSession.id) == session_id))

    async def recent_sessions(self, *, supporter_id: str, limit: int = RECENT_LIMIT) -> list[SessionSummary]:
        """The supporter's own most recently logged sessions, newest first."""
        await self.roles.require_supporter(supporter_id)
        now = self.clock.now()
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(SupportSession, SupportFollowUp)
                    .join(
                        SupportFollowUp,
                        col(SupportFollowUp.session_id) == col(SupportSession.id),
                        isouter=True,
                    )
                    .where(SupportSession.supporter_id == supporter_id)
                    .order_by(col(SupportSession.created_at).desc(), col(SupportSession.id))
                    .limit(limit)
                )
            ).all()
        return [_summary(row, follow_up, now) for row, follow_up in rows]

    async def follow_ups_due(
        self, *, supporter_id: str, within_days: int = FOLLOW_UPS_AHEAD_DAYS, limit: int = RECENT_LIMIT
    ) -> list[SessionSummary]:
        """The supporter's own open follow-ups due within `within_days` (or overdue), soonest first."""
        await self.roles.require_supporter(supporter_id)
        horizon = await self.today_for(supporter_id) + timedelta(days=within_days)
        now = self.clock.now()
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(SupportSession, SupportFollowUp)
                    .join(SupportFollowUp, col(SupportFollowUp.session_id) == col(SupportSession.id))
                    .where(
                        SupportSession.supporter_id == supporter_id,
                        col(SupportFollowUp.done_at).is_(None),
                        col(SupportFollowUp.due_on) <= horizon,
                    )
                    .order_by(col(SupportFollowUp.due_on), col(SupportSession.id))
                    .limit(limit)
                )
            ).all()
        return [_summary(row, follow_up, now) for row, follow_up in rows]

    async def _own_session(
        self, session: AsyncSession, supporter_id: str, session_id: str
    ) -> tuple[SupportSession, SupportFollowUp | None]:
        found = (
            await session.exec(
                select(SupportSession, SupportFollowUp)
                .join(
                    SupportFollowUp,
                    col(SupportFollowUp.session_id) == col(SupportSession.id),
                    isouter=True,
                )
                .where(SupportSession.id == session_id)
            )
        ).one_or_none()
        # Someone else's session gets the same answer as a missing one: ids reveal nothing.
        if found is None or found[0].supporter_id != supporter_id:
            raise InvalidInput(_("That session no longer exists."), next_step="session_list")
        return found[0], found[1]

    @staticmethod
    def _check_window(row: SupportSession, now: datetime) -> None:
        if now - row.created_at >= EDIT_WINDOW:
            raise InvalidInput(
                _(
                    "Sessions can only be changed for 24 hours after logging; this one was logged "
                    "{when} UTC. Ask a coordinator if it must be corrected."
                ).format(when=f"{format_day(row.created_at.date())} {row.created_at:%H:%M}")
            )

    async def _validate_session(
        self,
        supporter_id: str,
        form: SessionForm,
        *,
        existing: tuple[SupportSession, SupportFollowUp | None] | None,
    ) -> _ValidSession:
        members, names = await self._directory()
        today = self._local_today(members.get(supporter_id))
        taxonomy = self.taxonomy
        errors: dict[str, str] = {}

        session_date = _parse_date(form.session_date)
        earliest = today - timedelta(days=MAX_SESSION_AGE_DAYS)
        if session_date is None:
            errors[DATE] = _("Pick the date of the session.")
        elif session_date > today:
            errors[DATE] = _("The session date can't be in the future.")
        elif session_date < earliest:
            errors[DATE] = _("Only sessions from the last {days} days can be logged (from {day}).").format(
                days=MAX_SESSION_AGE_DAYS, day=format_day(earliest)
            )

        minutes = _parse_int(form.duration_minutes)
        if minutes is None:
            errors[DURATION] = _("Enter the length in whole minutes.")
        elif not MIN_MINUTES <= minutes <= MAX_MINUTES:
            errors[DURATION] = _("Between {low} and {high} minutes (8 hours), please.").format(
                low=MIN_MINUTES, high=MAX_MINUTES
            )

        required: tuple[tuple[str, TaxonomyKind, str], ...] = (
            (CATEGORY, "categories", N_("Choose a category.")),
            (CONTACT_CHANNEL, "channels", N_("Choose how you talked.")),
            (OUTCOME, "outcomes", N_("Choose the outcome.")),
        )
        for field, kind, ask in required:
            if taxonomy.get(kind, getattr(form, field)) is None:
                errors[field] = _(ask)

        follow_up_on = None
        if form.follow_up:
            follow_up_on = _parse_date(form.follow_up_on)
            # An edit may keep a follow-up date that has since passed; only new dates must be ahead.
            kept = (
                {existing[0].follow_up_on, existing[1].due_on if existing[1] else None} if existing else set()
            )
            if follow_up_on is None:
                errors[FOLLOW_UP_ON] = _("Pick a date for the follow-up, or untick “Follow-up needed”.")
            elif follow_up_on in kept:
                pass
            elif follow_up_on < today:
                errors[FOLLOW_UP_ON] = _("The follow-up date can't be in the past.")
            elif follow_up_on > today + timedelta(days=MAX_FOLLOW_UP_DAYS):
                errors[FOLLOW_UP_ON] = _("Pick a follow-up date within {days} days.").format(
                    days=MAX_FOLLOW_UP_DAYS
                )

        raw_note = (form.note or "").strip()
        note = None
        if len(raw_note) > NOTE_LIMIT:
            errors[NOTE] = _("Keep the note to {n} characters.").format(n=NOTE_LIMIT)
        elif raw_note:
            named = find_named_member(raw_note, names)
            if named is not None:
                errors[NOTE] = _(
                    "This note names someone in the workspace (“{named}”). Notes must never identify "
                    "the person you supported: please describe the situation without names."
                ).format(named=named)
            note = scrub_text(raw_note, max_chars=NOTE_LIMIT) or None

        if errors:
            raise InvalidInput(_("Some answers need another look."), fields=errors)
        assert session_date is not None
        assert minutes is not None
        return _ValidSession(
            session_date=session_date,
            duration_minutes=minutes,
            category=str(form.category),
            contact_channel=str(form.contact_channel),
            outcome=str(form.outcome),
            follow_up_on=follow_up_on,
            note=note,
            note_scrubbed=note is not None and note != raw_note,
        )

    # --- training -----------------------------------------------------------------------------

    async def record_training(self, *, team_id: str, supporter_id: str, form: TrainingForm) -> SavedTraining:
        """Validate and store a completed training; return the supporter's new status."""
        await self.roles.require_supporter(supporter_id)
        today = await self.today_for(supporter_id)
        errors: dict[str, str] = {}
        course = self.taxonomy.get("training_courses", form.course) if form.course else None
        topic = scrub_text((form.topic or "").strip(), max_chars=TOPIC_LIMIT) if form.topic else ""
        if form.course and course is None:
            errors[COURSE] = _("That course is no longer on the list; pick another or type the topic.")
        elif course is not None and topic:
            errors[TOPIC] = _("Pick a course from the list or type a topic, not both.")
        elif course is None and not topic:
            errors[COURSE] = _("Pick a course from the list, or type the topic below.")

        completed_on = _parse_date(form.completed_on)
        if completed_on is None:
            errors[COMPLETED_ON] = _("Pick the date you completed it.")
        elif completed_on > today:
            errors[COMPLETED_ON] = _("The date can't be in the future.")
        elif completed_on < today - timedelta(days=MAX_TRAINING_AGE_DAYS):
            errors[COMPLETED_ON] = _("Only trainings from the last 3 years can be recorded.")

        hours = _parse_hours(form.hours)
        if hours is None:
            errors[HOURS] = _("Enter the hours, e.g. 1.5.")
        elif not MIN_HOURS <= hours <= MAX_HOURS:
            errors[HOURS] = _("Between {low} and {high} hours, please.").format(
                low=f"{MIN_HOURS:g}", high=f"{MAX_HOURS:g}"
            )
        if errors:
            raise InvalidInput(_("Some answers need another look."), fields=errors)
        assert completed_on is not None
        assert hours is not None
        title = course.label if course is not None else topic
        async with self.db.session() as session:
            session.add(
                SupportTraining(
                    team_id=team_id,
                    supporter_id=supporter_id,
                    course_id=course.id if course is not None else None,
                    title=title,
                    completed_on=completed_on,
                    hours=round(hours, 2),
                    created_at=self.clock.now(),
                )
            )
        status = await self._training_status(supporter_id)
        return SavedTraining(title=title, completed_on=completed_on, hours=round(hours, 2), status=status)

    async def training_status(self, *, supporter_id: str) -> TrainingStatus:
        """Where the supporter's own training stands today (their local today)."""
        await self.roles.require_supporter(supporter_id)
        return await self._training_status(supporter_id)

    async def _training_status(self, supporter_id: str) -> TrainingStatus:
        today = await self.today_for(supporter_id)
        async with self.db.session() as session:
            last = (
                await session.exec(
                    select(SupportTraining)
                    .where(SupportTraining.supporter_id == supporter_id)
                    .order_by(
                        col(SupportTraining.completed_on).desc(), col(SupportTraining.created_at).desc()
                    )
                    .limit(1)
                )
            ).first()
        return self._status(last.completed_on if last else None, last.title if last else None, today)

    def _status(self, last_on: date | None, title: str | None, today: date) -> TrainingStatus:
        valid_days = self.settings.training_valid_days
        return TrainingStatus(
            state=training_state(last_on, today=today, valid_days=valid_days),
            last_on=last_on,
            last_title=title,
            valid_until=last_on + timedelta(days=valid_days) if last_on is not None else None,
        )

    # --- follow-ups ---------------------------------------------------------------------------

    async def complete_follow_up(self, *, supporter_id: str, session_id: str) -> FollowUpResult:
        """Mark the follow-up of one of the supporter's sessions done (again is harmless)."""
        await self.roles.require_supporter(supporter_id)
        async with self.db.session() as session:
            _row, follow_up = await self._own_session(session, supporter_id, session_id)
            if follow_up is None:
                raise InvalidInput(_("That session no longer asks for a follow-up."))
            changed = follow_up.done_at is None
            if changed:
                follow_up.done_at = self.clock.now()
                session.add(follow_up)
        return FollowUpResult(session_id, follow_up.due_on, done=True, changed=changed)

    async def snooze_follow_up(
        self, *, supporter_id: str, session_id: str, seen_due_on: date | None = None
    ) -> FollowUpResult:
        """Move a follow-up a week on; a second click on the same reminder does not move it again."""
        await self.roles.require_supporter(supporter_id)
        today = await self.today_for(supporter_id)
        async with self.db.session() as session:
            _row, follow_up = await self._own_session(session, supporter_id, session_id)
            if follow_up is None:
                raise InvalidInput(_("That session no longer asks for a follow-up."))
            if follow_up.done_at is not None or (seen_due_on is not None and seen_due_on != follow_up.due_on):
                return FollowUpResult(
                    session_id, follow_up.due_on, done=follow_up.done_at is not None, changed=False
                )
            follow_up.due_on = max(follow_up.due_on, today) + SNOOZE
            follow_up.snoozes += 1
            session.add(follow_up)
        return FollowUpResult(session_id, follow_up.due_on, done=False, changed=True)

    # --- reminders ----------------------------------------------------------------------------

    async def plan_follow_up_reminders(self) -> int:
        """Queue a DM for each open follow-up due by tomorrow (UTC); return how many are new."""
        # Tomorrow, because 10:00 tomorrow in the earliest time zones comes before the next daily run.
        horizon = self.clock.now().date() + timedelta(days=1)
        supporters = await self.supporters()
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(
                        col(SupportFollowUp.session_id),
                        col(SupportSession.supporter_id),
                        col(SupportFollowUp.due_on),
                    )
                    .join(SupportSession, col(SupportSession.id) == col(SupportFollowUp.session_id))
                    .where(col(SupportFollowUp.done_at).is_(None), col(SupportFollowUp.due_on) <= horizon)
                )
            ).all()
        due = [(sid, supporter, due_on) for sid, supporter, due_on in rows if supporter in supporters]
        new = await self._enqueue_follow_ups(due, horizon=horizon)
        if new:
            log.info("queued %d follow-up reminder(s)", new)
        return new

    async def _queue_follow_up_now(self, session_id: str, supporter_id: str, due_on: date) -> None:
        try:
            await self._enqueue_follow_ups([(session_id, supporter_id, due_on)])
        except Exception as exc:
            # The session is already saved and the daily run queues this reminder anyway: failing
            # here would tell the supporter "nothing was saved" and invite a duplicate.
            log.warning(
                "could not queue a follow-up reminder now (%s); the daily run will",
                type(exc).__name__,
                exc_info=True,
            )

    async def _enqueue_follow_ups(
        self, follow_ups: list[tuple[str, str, date]], *, horizon: date | None = None
    ) -> int:
        # Only the next day's are queued: a reminder weeks ahead would sit in the outbox backlog.
        horizon = horizon or self.clock.now().date() + timedelta(days=1)
        follow_ups = [f for f in follow_ups if f[2] <= horizon]
        if not follow_ups:
            return 0
        members, _names = await self._directory()
        now = self.clock.now()
        envelopes = [
            Envelope(
                FOLLOW_UP_KIND,
                supporter,
                f"followup:{session_id}:{due_on.isoformat()}",
                local_send_time(
                    members.get(supporter) or Member(supporter),
                    local_date=due_on,
                    at=REMINDER_AT,
                    not_before=now,
                    default_zone=self.settings.default_timezone,
                ),
                payload={"session_id": session_id, "due_on": due_on.isoformat()},
            )
            for session_id, supporter, due_on in follow_ups
        ]
        return await self.outbox.enqueue(envelopes)

    async def plan_training_reminders(self, *, team_id: str) -> int:
        """Queue this week's reminder for each supporter whose training lapsed (or never was)."""
        now = self.clock.now()
        supporters = await self.supporters()
        members, _names = await self._directory()
        async with self.db.session() as session:
            latest = await latest_training_by_supporter(session=session, team_id=team_id)
        envelopes = []
        for supporter in sorted(supporters):
            member = members.get(supporter) or Member(supporter)
            zone = member_zone(member, default=self.settings.default_timezone)
            local_now = now.astimezone(zone)
            state = training_state(
                latest.get(supporter), today=local_now.date(), valid_days=self.settings.training_valid_days
            )
            if state not in ("lapsed", "none"):
                continue
            # The next 10:00 on the supporter's own clock; the week it falls in names the reminder.
            send_day = (
                local_now.date() if local_now.time() < REMINDER_AT else local_now.date() + timedelta(days=1)
            )
            send_at = local_send_time(member, local_date=send_day, at=REMINDER_AT, not_before=now)
            year, week, _weekday = send_day.isocalendar()
            iso_week = f"{year}-W{week:02d}"
            envelopes.append(
                Envelope(
                    TRAINING_KIND,
                    supporter,
                    f"training-lapsed:{supporter}:{iso_week}",
                    send_at,
                    payload={"week": iso_week},
                )
            )
        new = await self.outbox.enqueue(envelopes)
        if new:
            log.info("queued %d lapsed-training reminder(s)", new)
        return new

    async def follow_up_reminder(
        self, *, supporter_id: str, session_id: str, due_on: date
    ) -> SessionSummary | None:
        """At send time: the session whose follow-up is still open and due on `due_on`, else None."""
        if not await self.roles.is_supporter(supporter_id):
            return None
        async with self.db.session() as session:
            found = (
                await session.exec(
                    select(SupportSession, SupportFollowUp)
                    .join(SupportFollowUp, col(SupportFollowUp.session_id) == col(SupportSession.id))
                    .where(SupportSession.id == session_id)
                )
            ).one_or_none()
        if found is None:
            return None
        row, follow_up = found
        # Done, snoozed or re-dated since it was queued: this reminder has nothing left to say.
        if row.supporter_id != supporter_id or follow_up.done_at is not None or follow_up.due_on != due_on:
            return None
        return _summary(row, follow_up, self.clock.now())

    async def training_reminder(self, *, supporter_id: str) -> TrainingStatus | None:
        """At send time: the supporter's status if they are still a supporter and still lapsed."""
        if not await self.roles.is_supporter(supporter_id):
            return None
        status = await self._training_status(supporter_id)
        return status if status.state in ("lapsed", "none") else None

    # --- coordinators -------------------------------------------------------------------------

    async def released_activity(self, *, team_id: str, by: Actor) -> ReleasedActivity:
        """The sessions of the last completed weeks that coordinators' figures may use (raw, not k-safe)."""
        await self.roles.require_coordinator_or_system(by)
        start, end = released_period(self.clock.now())
        async with self.db.session() as session:
            rows = await released_sessions(
                session=session, team_id=team_id, start=start, end=end, settle=EDIT_WINDOW
            )
        return ReleasedActivity(start=start, end=end, sessions=tuple(rows))

    async def supporters_overview(self, *, team_id: str, by: Actor) -> SupportersOverview:
        """Per-supporter sessions and hours and overdue follow-ups (released weeks, k-safe), training."""
        await self.roles.require_coordinator_or_system(by)
        k = self.settings.min_group_size
        today = self.clock.now().date()
        supporters = await self.supporters()
        activity = await self.released_activity(team_id=team_id, by=SYSTEM)
        async with self.db.session() as session:
            latest = await latest_training_by_supporter(session=session, team_id=team_id)
        by_session, by_overdue = supporter_breakdowns(activity, supporters=supporters, k=k)
        minutes: dict[str, int] = {}
        for row in activity.sessions:
            key = row.supporter_id if row.supporter_id in supporters else FORMER
            minutes[key] = minutes.get(key, 0) + row.duration_minutes

        def shown_minutes(key: str) -> int | Suppressed:
            # Minutes are shown exactly where the sessions they add up are.
            return SUPPRESSED if isinstance(by_session.cells[key], Suppressed) else minutes.get(key, 0)

        rows = [
            SupporterRow(
                supporter_id=supporter,
                sessions=by_session.cells[supporter],
                minutes=shown_minutes(supporter),
                training=self._status(latest.get(supporter), None, today),
                overdue_follow_ups=by_overdue.cells[supporter],
            )
            for supporter in supporters
        ]
        # Sorted by id, not by load: an order by sessions would rank the withheld figures.
        rows.sort(key=lambda r: r.supporter_id)
        total_minutes = sum(minutes.values())
        return SupportersOverview(
            since=activity.first_day,
            until=activity.last_day,
            rows=tuple(rows),
            former_sessions=by_session.cells[FORMER],
            former_minutes=shown_minutes(FORMER),
            k=k,
            total_sessions=by_session.total,
            total_minutes=SUPPRESSED if isinstance(by_session.total, Suppressed) else total_minutes,
            total_overdue=by_overdue.total,
        )
