"""Improvement actions: adopt a suggested practice, track it, close it with before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.announcements import ActionAdopted, ActionClosed, ActionProgress, Announcement, announcement
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import Outbox
from bot.errors import Conflict, InvalidInput
from bot.insights import Estimate, Suppressed
from bot.insights.monitor import BASELINE_ROUNDS, ActionVerdict, judge_action
from bot.measures import (
    closed_rounds,
    latest_with,
    measure_rounds,
    numeric_constructs,
    scale_of,
    summarize_construct,
)
from bot.questions import QuestionBank
from bot.roles import Actor, Roles
from storage.db import Database
from storage.digest_models import ImprovementAction

MAX_DUE_DAYS = 366
VERDICT_ROUNDS = 60  # about a year of weekly rounds: enough for any action's before and after


def _aware(moment: datetime) -> datetime:
    """A datetime in UTC (SQLite hands back naive UTC values)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Reading:
    """A construct's favourable share in one round, or why there is none."""

    round_id: str | None
    estimate: Estimate | None
    reason: str = ""


class ActionService:
    """Adopting, updating and closing improvement actions: coordinators only."""

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        clock: Clock,
        bank: QuestionBank,
        roles: Roles,
        outbox: Outbox,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.bank = bank
        self.roles = roles
        self.outbox = outbox

    async def _announce(self, session: AsyncSession, view: Announcement) -> None:
        """Queue the channel's note with the change itself: both happen, or neither."""
        channel, at = self.settings.coordinator_channel, self.clock.now()
        await self.outbox.enqueue([announcement(view, channel=channel, at=at)], session=session)

    async def _reading(self, *, team_id: str, construct: str) -> Reading:
        """The construct's favourable share in the latest closed round that asked it."""
        rounds = await closed_rounds(self.db, team_id=team_id, limit=12)
        measures = await measure_rounds(self.db, self.bank, rounds)
        latest = latest_with(measures, construct)
        if latest is None:
            return Reading(None, None, "not asked in a closed round yet")
        summary = summarize_construct(
            self.bank, construct, latest.constructs[construct], k=self.settings.min_group_size
        )
        if isinstance(summary, Suppressed):
            return Reading(latest.round.id, None, str(summary))
        return Reading(latest.round.id, summary.favourable)

    async def adopt(
        self,
        *,
        team_id: str,
        practice_id: str,
        title: str,
        owner_id: str,
        by: str,
        due_on: date | None,
        construct: str,
        success_measure: str,
    ) -> ImprovementAction:
        """Record an action a coordinator adopted, with the construct's current value as its baseline."""
        await self.roles.require_coordinator(by)
        if not practice_id:
            # Only a form that lost its suggestion (or was forged) comes without one.
            raise InvalidInput(
                "This form is out of date; adopt again from the digest.",
                fields={"title": "This form is out of date; adopt again from the digest."},
            )
        today = self.clock.now().date()
        errors: dict[str, str] = {}
        if not title.strip() or len(title) > 200:
            errors["title"] = "Give the action a short title (up to 200 characters)."
        if not owner_id:
            errors["owner"] = "Pick who owns this action."
        if due_on is None or due_on < today:
            errors["due"] = "Pick a due date from today on."
        elif due_on > today + timedelta(days=MAX_DUE_DAYS):
            errors["due"] = "Pick a due date within a year, so its effect can still be measured."
        if construct not in numeric_constructs(self.bank):
            errors["measure"] = "Pick the survey measure this action should move."
        if len(success_measure) > 300:
            errors["success"] = "Keep the success measure under 300 characters."
        if errors:
            raise InvalidInput("Some fields need attention.", fields=errors)
        assert due_on is not None
        before = await self._reading(team_id=team_id, construct=construct)
        action = ImprovementAction(
            team_id=team_id,
            practice_id=practice_id[:64],
            title=title.strip(),
            owner_id=owner_id,
            adopted_by=by,
            due_on=due_on,
            construct_id=construct,
            success_measure=success_measure.strip()
            or f"{construct.replace('_', ' ')} favourable share rises",
            created_at=self.clock.now(),
            before_round_id=before.round_id,
            before_value=before.estimate.value if before.estimate else None,
            before_low=before.estimate.low if before.estimate else None,
            before_high=before.estimate.high if before.estimate else None,
        )
        async with self.db.session() as session:
            session.add(action)
            await self._announce(session, ActionAdopted(by=by, action=action))
        self.outbox.wakeup.set()
        return action

    async def get(self, *, team_id: str, action_id: str, by: Actor) -> ImprovementAction:
        """An action by id, for a coordinator; InvalidInput if it is not this team's."""
        await self.roles.require_coordinator_or_system(by)
        return await self._find(team_id=team_id, action_id=action_id)

    async def _find(self, *, team_id: str, action_id: str) -> ImprovementAction:
        async with self.db.session() as session:
            action = await session.get(ImprovementAction, action_id)
        if action is None or action.team_id != team_id:
            raise InvalidInput("That action no longer exists.")
        return action

    async def update(
        self, *, team_id: str, action_id: str, progress_note: str, due_on: date | None, by: str
    ) -> ImprovementAction:
        """Record a coordinator's progress note and optionally move the due date."""
        await self.roles.require_coordinator(by)
        action = await self._find(team_id=team_id, action_id=action_id)
        if action.status != "open":
            raise Conflict("That action is already closed.")
        today = self.clock.now().date()
        if due_on is not None and (due_on < today or due_on > today + timedelta(days=MAX_DUE_DAYS)):
            raise InvalidInput(
                "Pick a due date between today and a year from now.",
                fields={"due": "Pick a date from today on."},
            )
        if len(progress_note) > 500:
            raise InvalidInput(
                "Keep the note under 500 characters.", fields={"note": "Keep it under 500 characters."}
            )
        async with self.db.session() as session:
            fresh = await session.get(ImprovementAction, action_id, with_for_update=True)
            assert fresh is not None
            fresh.progress_note = progress_note.strip() or fresh.progress_note
            fresh.due_on = due_on or fresh.due_on
            session.add(fresh)
            await self._announce(session, ActionProgress(by=by, action=fresh))
        self.outbox.wakeup.set()
        return await self._find(team_id=team_id, action_id=action_id)

    async def close(self, *, team_id: str, action_id: str, outcome_note: str, by: str) -> ImprovementAction:
        """A coordinator closes an action; its construct is measured again in the latest round since adoption."""
        await self.roles.require_coordinator(by)
        action = await self._find(team_id=team_id, action_id=action_id)
        if action.status != "open":
            raise Conflict("That action is already closed.")
        if len(outcome_note) > 500:
            raise InvalidInput(
                "Keep the note under 500 characters.", fields={"note": "Keep it under 500 characters."}
            )
        after = await self._reading(team_id=team_id, construct=action.construct_id)
        # The same round before and after would claim an effect nobody measured.
        measured = after.estimate is not None and after.round_id != action.before_round_id
        async with self.db.session() as session:
            fresh = await session.get(ImprovementAction, action_id, with_for_update=True)
            assert fresh is not None
            fresh.status = "closed"
            fresh.closed_at = self.clock.now()
            fresh.outcome_note = outcome_note.strip() or None
            if measured and after.estimate is not None:
                fresh.after_round_id = after.round_id
                fresh.after_value = after.estimate.value
                fresh.after_low = after.estimate.low
                fresh.after_high = after.estimate.high
            session.add(fresh)
            await self._announce(session, ActionClosed(by=by, action=fresh))
        self.outbox.wakeup.set()
        return await self._find(team_id=team_id, action_id=action_id)

    async def verdict(self, action: ImprovementAction, *, by: Actor) -> ActionVerdict | Suppressed | None:
        """A closed action's effect: every round before adoption (up to six) against every one after.

        None when the action has no survey measure or no round on one side yet.
        """
        await self.roles.require_coordinator_or_system(by)
        construct = action.construct_id
        if construct not in numeric_constructs(self.bank) or action.closed_at is None:
            return None
        rounds = await closed_rounds(self.db, team_id=action.team_id, limit=VERDICT_ROUNDS)
        measures = await measure_rounds(self.db, self.bank, rounds)
        adopted, closed = _aware(action.created_at), _aware(action.closed_at)
        before = [
            m.constructs[construct]
            for m in measures
            if construct in m.constructs
            and _aware(m.round.opened_at) < adopted
            and m.round.closed_at
            and _aware(m.round.closed_at) <= adopted
        ]
        # Rounds that opened after adoption and closed by the time the action was closed.
        after = [
            m.constructs[construct]
            for m in measures
            if construct in m.constructs
            and _aware(m.round.opened_at) >= adopted
            and m.round.closed_at
            and _aware(m.round.closed_at) <= closed
        ]
        if not before or not after:
            return None
        return judge_action(
            before[-BASELINE_ROUNDS:],
            after,
            k=self.settings.min_group_size,
            scale=scale_of(self.bank, construct),
        )

    async def open_actions(self, *, team_id: str, by: Actor) -> list[ImprovementAction]:
        """Open actions, soonest due first."""
        await self.roles.require_coordinator_or_system(by)
        async with self.db.session() as session:
            rows = await session.exec(
                select(ImprovementAction)
                .where(ImprovementAction.team_id == team_id, ImprovementAction.status == "open")
                .order_by(col(ImprovementAction.due_on))
            )
            return list(rows)

    async def closed_actions(self, *, team_id: str, by: Actor, limit: int = 5) -> list[ImprovementAction]:
        """The most recently closed actions."""
        await self.roles.require_coordinator_or_system(by)
        async with self.db.session() as session:
            rows = await session.exec(
                select(ImprovementAction)
                .where(ImprovementAction.team_id == team_id, ImprovementAction.status == "closed")
                .order_by(col(ImprovementAction.closed_at).desc())
                .limit(limit)
            )
            return list(rows)
