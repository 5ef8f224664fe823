"""The program's policy register: each policy is reviewed on a cycle, with reminders when due.

No Slack types here. Form fields are named by the constants below, and the Slack modals use the
same names as their block ids, so `InvalidInput.fields` lands next to the right input.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.announcements import PolicyChanged, announcement
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import Envelope, Outbox
from bot.errors import Conflict, InvalidInput
from bot.i18n import _
from bot.roles import SYSTEM, Actor, Roles
from bot.surveys import EARLIEST_ZONE
from storage.db import Database
from storage.policy_models import Policy, PolicyReview

log = logging.getLogger(__name__)

# Form fields (and the block ids of the Slack modals).
NAME = "policy_name"
LINK = "policy_link"
OWNER = "policy_owner"
INTERVAL = "review_interval"
LAST_REVIEWED = "last_reviewed_on"
REVIEWED_ON = "reviewed_on"
SUMMARY = "review_summary"
RETIRE_REASON = "retire_reason"

NAME_MIN, NAME_MAX = 3, 120
LINK_MAX = 500
INTERVAL_MIN, INTERVAL_MAX = 1, 36
DEFAULT_INTERVAL = 12
SUMMARY_MAX = 500
DUE_SOON_DAYS = 30
REMINDER_KIND = "policy_review_reminder"

PolicyState = Literal["overdue", "due", "never_reviewed", "current"]
RegisterView = Literal["active", "retired"]
ReminderKind = Literal["due", "overdue"]


@dataclass(frozen=True)
class PolicyForm:
    """A policy as typed into the add or edit form, unvalidated (numbers as text, dates ISO)."""

    name: str | None = None
    link: str | None = None
    owner_id: str | None = None
    interval_months: str | None = None
    last_reviewed_on: str | None = None


@dataclass(frozen=True)
class PolicyStatus:
    """A policy with its next review date and where it stands today."""

    policy: Policy
    next_due: date
    state: PolicyState
    days_to_due: int  # negative once overdue
    last_review: PolicyReview | None = None

    @property
    def never_reviewed(self) -> bool:
        """No review of this policy has ever been recorded."""
        return self.policy.last_reviewed_on is None


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def policy_status(policy: Policy, *, today: date, last_review: PolicyReview | None = None) -> PolicyStatus:
    """Where a policy stands: its next due date is its last review (or creation) plus the interval."""
    start = policy.last_reviewed_on or policy.created_at.date()
    next_due = add_months(start, policy.review_interval_months)
    days = (next_due - today).days
    state: PolicyState
    if days < 0:
        state = "overdue"
    elif days <= DUE_SOON_DAYS:
        state = "due"
    elif policy.last_reviewed_on is None:
        state = "never_reviewed"
    else:
        state = "current"
    return PolicyStatus(policy, next_due, state, days, last_review)


def policy_signals(statuses: Iterable[PolicyStatus], *, today: date) -> dict[str, float | None]:
    """The playbook's policy signals; all None for an empty register, which says nothing either way."""
    statuses = list(statuses)
    if not statuses:
        return {"policies_overdue": None, "policies_never_reviewed": None, "days_since_policy_review": None}
    reviewed = [s.policy.last_reviewed_on for s in statuses if s.policy.last_reviewed_on is not None]
    return {
        "policies_overdue": float(sum(1 for s in statuses if s.state == "overdue")),
        "policies_never_reviewed": float(sum(1 for s in statuses if s.never_reviewed)),
        "days_since_policy_review": float((today - max(reviewed)).days) if reviewed else None,
    }


def _parse_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw and raw.strip() else None
    except ValueError:
        return None


def _valid_link(raw: str) -> bool:
    try:
        parts = urlsplit(raw)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in raw)


class PolicyService:
    """Adding, editing and reviewing policies (coordinators only); the register's status and reminders."""

    def __init__(
        self, *, db: Database, settings: Settings, clock: Clock, outbox: Outbox, roles: Roles
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.outbox = outbox
        self.roles = roles

    def today(self) -> date:
        """Today on the coordinators' clock (the digest's time zone)."""
        return self.clock.now().astimezone(ZoneInfo(self.settings.digest_timezone)).date()

    def _latest_today(self) -> date:
        # "Not in the future" must hold for a coordinator anywhere: their date can run a day ahead of UTC.
        return self.clock.now().astimezone(ZoneInfo(EARLIEST_ZONE)).date()

    async def _validate(
        self, form: PolicyForm, *, team_id: str, editing: str | None
    ) -> tuple[str, str, str, int, date | None]:
        errors: dict[str, str] = {}
        name = " ".join((form.name or "").split())
        if not NAME_MIN <= len(name) <= NAME_MAX:
            errors[NAME] = _("Give the policy a name of {low} to {high} characters.").format(
                low=NAME_MIN, high=NAME_MAX
            )
        else:
            async with self.db.session() as session:
                # A retired policy's name is free for its successor.
                names = await session.exec(
                    select(Policy.id, Policy.name).where(
                        Policy.team_id == team_id, col(Policy.retired_at).is_(None)
                    )
                )
                if any(n.casefold() == name.casefold() and pid != editing for pid, n in names):
                    errors[NAME] = _("A policy with that name is already in the register.")
        link = (form.link or "").strip()
        if len(link) > LINK_MAX or not _valid_link(link):
            errors[LINK] = _("Link to the document with a web address starting http:// or https://.")
        owner = (form.owner_id or "").strip()
        if not owner:
            errors[OWNER] = _("Pick who owns this policy.")
        raw_interval = (form.interval_months or "").strip()
        if not raw_interval:
            interval = DEFAULT_INTERVAL
        else:
            interval = int(raw_interval) if raw_interval.isdigit() else 0
        if not INTERVAL_MIN <= interval <= INTERVAL_MAX:
            errors[INTERVAL] = _("Review every {low} to {high} months (a whole number).").format(
                low=INTERVAL_MIN, high=INTERVAL_MAX
            )
        last = _parse_date(form.last_reviewed_on)
        if form.last_reviewed_on and last is None:
            errors[LAST_REVIEWED] = _("Pick the date of the last review from the calendar.")
        elif last is not None and last > self._latest_today():
            errors[LAST_REVIEWED] = _("The last review can't be in the future.")
        if errors:
            raise InvalidInput(_("Some fields need attention."), fields=errors)
        return name, link, owner, interval, last

    async def add(self, *, team_id: str, form: PolicyForm, by: str) -> PolicyStatus:
        """A coordinator puts a policy in the register (a review date only if one was given)."""
        await self.roles.require_coordinator(by)
        name, link, owner, interval, last = await self._validate(form, team_id=team_id, editing=None)
        policy = Policy(
            team_id=team_id,
            name=name,
            link=link,
            owner_id=owner,
            review_interval_months=interval,
            last_reviewed_on=last,
            created_at=self.clock.now(),
        )
        status = policy_status(policy, today=self.today())
        async with self.db.session() as session:
            session.add(policy)
            await self._announce(session, PolicyChanged(by=by, change="added", status=status))
        self.outbox.wakeup.set()
        log.info("policy %s added to the register", policy.id)
        return status

    async def get(self, *, team_id: str, policy_id: str, by: Actor) -> Policy:
        """A policy by id, for a coordinator; InvalidInput if it is not in this team's register."""
        await self.roles.require_coordinator_or_system(by)
        return await self._find(team_id=team_id, policy_id=policy_id)

    async def _find(self, *, team_id: str, policy_id: str) -> Policy:
        async with self.db.session() as session:
            policy = await session.get(Policy, policy_id) if policy_id else None
        if policy is None or policy.team_id != team_id:
            raise InvalidInput(_("That policy is no longer in the register."))
        return policy

    async def _find_active(self, *, team_id: str, policy_id: str) -> Policy:
        policy = await self._find(team_id=team_id, policy_id=policy_id)
        if policy.retired_at is not None:
            raise Conflict(_("That policy is retired; bring it back into the register first."))
        return policy

    async def retire(self, *, team_id: str, policy_id: str, reason: str | None, by: str) -> Policy:
        """A coordinator retires a policy: out of the register's default view, reminders and due lists.

        Who, when and why are kept on the policy; its reviews stay. A second click changes nothing.
        """
        await self.roles.require_coordinator(by)
        await self._find(team_id=team_id, policy_id=policy_id)
        text = " ".join((reason or "").split())
        if not text:
            raise InvalidInput(
                _("Say why it is retired."), fields={RETIRE_REASON: _("Say in a few words why.")}
            )
        if len(text) > SUMMARY_MAX:
            raise InvalidInput(
                _("Keep the reason short."),
                fields={RETIRE_REASON: _("Keep it under {n} characters.").format(n=SUMMARY_MAX)},
            )
        async with self.db.session() as session:
            # The retired test is in the UPDATE: of two racing clicks only one records who and why.
            result = await session.exec(
                update(Policy)
                .where(col(Policy.id) == policy_id, col(Policy.retired_at).is_(None))
                .values(retired_at=self.clock.now(), retired_by=by, retired_reason=text)
            )
            if not result.rowcount:
                raise Conflict(_("That policy is already retired."))
            policy = await session.get(Policy, policy_id, populate_existing=True)
            assert policy is not None
            status = policy_status(policy, today=self.today())
            await self._announce(session, PolicyChanged(by=by, change="retired", status=status))
        self.outbox.wakeup.set()
        log.info("policy %s retired", policy_id)
        return await self._find(team_id=team_id, policy_id=policy_id)

    async def unretire(self, *, team_id: str, policy_id: str, by: str) -> PolicyStatus:
        """A coordinator brings a retired policy back; its review cycle carries on from its last review."""
        await self.roles.require_coordinator(by)
        policy = await self._find(team_id=team_id, policy_id=policy_id)
        async with self.db.session() as session:
            names = await session.exec(
                select(Policy.id, Policy.name).where(
                    Policy.team_id == team_id, col(Policy.retired_at).is_(None)
                )
            )
            if any(n.casefold() == policy.name.casefold() and pid != policy_id for pid, n in names):
                raise Conflict(_("A policy with that name is in the register now; rename one of them first."))
            result = await session.exec(
                update(Policy)
                .where(col(Policy.id) == policy_id, col(Policy.retired_at).is_not(None))
                .values(retired_at=None, retired_by=None, retired_reason=None)
            )
            if not result.rowcount:
                raise Conflict(_("That policy is not retired."))
            restored = await session.get(Policy, policy_id, populate_existing=True)
            assert restored is not None
            status = policy_status(restored, today=self.today())
            await self._announce(session, PolicyChanged(by=by, change="restored", status=status))
        self.outbox.wakeup.set()
        log.info("policy %s back in the register", policy_id)
        policy = await self._find(team_id=team_id, policy_id=policy_id)
        return policy_status(policy, today=self.today(), last_review=await self._last_review(policy_id))

    async def edit(self, *, team_id: str, policy_id: str, form: PolicyForm, by: str) -> PolicyStatus:
        """A coordinator changes a policy's name, link, owner or review interval (its history stays)."""
        await self.roles.require_coordinator(by)
        await self._find_active(team_id=team_id, policy_id=policy_id)
        name, link, owner, interval, _ = await self._validate(form, team_id=team_id, editing=policy_id)
        last_review = await self._last_review(policy_id)
        async with self.db.session() as session:
            policy = await session.get(Policy, policy_id, with_for_update=True)
            assert policy is not None
            policy.name, policy.link, policy.owner_id = name, link, owner
            policy.review_interval_months = interval
            session.add(policy)
            status = policy_status(policy, today=self.today(), last_review=last_review)
            await self._announce(session, PolicyChanged(by=by, change="edited", status=status))
        self.outbox.wakeup.set()
        return status

    async def mark_reviewed(
        self, *, team_id: str, policy_id: str, reviewed_on: str | None, summary: str | None, by: str
    ) -> PolicyStatus:
        """A coordinator records a review with a short summary of what changed ("no change" is fine)."""
        await self.roles.require_coordinator(by)
        await self._find_active(team_id=team_id, policy_id=policy_id)
        errors: dict[str, str] = {}
        day = _parse_date(reviewed_on)
        if day is None:
            errors[REVIEWED_ON] = _("Pick the date of the review.")
        elif day > self._latest_today():
            errors[REVIEWED_ON] = _("The review date can't be in the future.")
        text = (summary or "").strip()
        if not text:
            errors[SUMMARY] = _("Say in a few words what changed, or write “no change”.")
        elif len(text) > SUMMARY_MAX:
            errors[SUMMARY] = _("Keep the summary under {n} characters.").format(n=SUMMARY_MAX)
        if errors:
            raise InvalidInput(_("Some fields need attention."), fields=errors)
        assert day is not None
        review = PolicyReview(
            policy_id=policy_id,
            reviewed_on=day,
            reviewed_by=by,
            summary=text,
            recorded_at=self.clock.now(),
        )
        async with self.db.session() as session:
            policy = await session.get(Policy, policy_id, with_for_update=True)
            assert policy is not None
            # A review recorded late must not move the register back in time.
            if policy.last_reviewed_on is None or day > policy.last_reviewed_on:
                policy.last_reviewed_on = day
            session.add(policy)
            session.add(review)
            status = policy_status(policy, today=self.today(), last_review=review)
            await self._announce(session, PolicyChanged(by=by, change="reviewed", status=status))
        self.outbox.wakeup.set()
        log.info("policy %s marked reviewed", policy_id)
        return status

    async def _announce(self, session: AsyncSession, view: PolicyChanged) -> None:
        """Queue the channel's note with the change itself: both happen, or neither."""
        channel, at = self.settings.coordinator_channel, self.clock.now()
        await self.outbox.enqueue([announcement(view, channel=channel, at=at)], session=session)

    async def _last_review(self, policy_id: str) -> PolicyReview | None:
        history = await self._history(policy_id=policy_id, limit=1)
        return history[0] if history else None

    async def with_history(
        self, *, team_id: str, policy_id: str, by: Actor, limit: int = 5
    ) -> tuple[Policy, list[PolicyReview]]:
        """A policy and its recorded reviews, newest first, for a coordinator."""
        await self.roles.require_coordinator_or_system(by)
        policy = await self._find(team_id=team_id, policy_id=policy_id)
        return policy, await self._history(policy_id=policy_id, limit=limit)

    async def _history(self, *, policy_id: str, limit: int) -> list[PolicyReview]:
        async with self.db.session() as session:
            rows = await session.exec(
                select(PolicyReview)
                .where(PolicyReview.policy_id == policy_id)
                .order_by(col(PolicyReview.reviewed_on).desc(), col(PolicyReview.recorded_at).desc())
                .limit(limit)
            )
            return list(rows)

    async def register(self, *, team_id: str, by: Actor, view: RegisterView = "active") -> list[PolicyStatus]:
        """The team's policies in force (or, with view="retired", the retired ones), the soonest due first."""
        await self.roles.require_coordinator_or_system(by)
        today = self.today()
        retired = (
            col(Policy.retired_at).is_not(None) if view == "retired" else col(Policy.retired_at).is_(None)
        )
        async with self.db.session() as session:
            policies = list(await session.exec(select(Policy).where(Policy.team_id == team_id, retired)))
            reviews = list(
                await session.exec(
                    select(PolicyReview)
                    .where(col(PolicyReview.policy_id).in_([p.id for p in policies]))
                    .order_by(col(PolicyReview.reviewed_on), col(PolicyReview.recorded_at))
                )
            )
        latest = {r.policy_id: r for r in reviews}  # ascending order: the last one wins
        statuses = [policy_status(p, today=today, last_review=latest.get(p.id)) for p in policies]
        return sorted(statuses, key=lambda s: (s.next_due, s.policy.name.casefold()))

    async def plan_reminders(self, *, team_id: str) -> int:
        """Queue the coordinators' reminders: one 30 days before a review is due, then weekly once overdue."""
        today = self.today()
        year, week, _ = today.isocalendar()
        envelopes = []
        for status in await self.register(team_id=team_id, by=SYSTEM):
            kind: ReminderKind
            if status.state == "overdue":
                kind, key = "overdue", f"policy:{status.policy.id}:overdue:{year}-W{week:02d}"
            elif status.state == "due":
                # Keyed by the due date: a review moves the date, so the next cycle gets its own reminder.
                kind, key = "due", f"policy:{status.policy.id}:due:{status.next_due.isoformat()}"
            else:
                continue
            envelopes.append(
                Envelope(
                    REMINDER_KIND,
                    self.settings.coordinator_channel,
                    key,
                    self.clock.now(),
                    payload={
                        "policy_id": status.policy.id,
                        "due_on": status.next_due.isoformat(),
                        "kind": kind,
                    },
                )
            )
        new = await self.outbox.enqueue(envelopes)
        if new:
            log.info("queued %d policy review reminder(s)", new)
        return new

    async def reminder(self, *, policy_id: str, due_on: date, kind: str) -> PolicyStatus | None:
        """At send time: the policy's status if the reminder still applies, else None."""
        async with self.db.session() as session:
            policy = await session.get(Policy, policy_id)
        if policy is None or policy.retired_at is not None:
            return None  # retired since it was queued: nothing is due
        status = policy_status(policy, today=self.today(), last_review=await self._last_review(policy_id))
        # Reviewed or re-scheduled since it was queued: this reminder has nothing left to say.
        if status.next_due != due_on or (kind == "overdue" and status.state != "overdue"):
            return None
        if status.state not in ("due", "overdue"):
            return None
        return status
