"""Improvement actions: adopt a suggested practice, track it, close it with before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.announcements import (
    ActionAdopted,
    ActionChanged,
    ActionClosed,
    ActionProgress,
    Announcement,
    announcement,
)
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import Outbox
from bot.errors import Conflict, InvalidInput
from bot.i18n import _
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
from storage.digest_models import ImprovementAction, ImprovementActionEvent
from storage.models import SurveyRound

MAX_DUE_DAYS = 366
VERDICT_ROUNDS = 60  # about a year of weekly rounds: enough for any action's before and after
PAGE_SIZE = 10  # two blocks each: a page stays far inside a message's 50 blocks
NOTE_MAX = 500
ListedStatus = Literal["open", "closed"]
Direction = Literal["next", "prev"]


def _aware(moment: datetime) -> datetime:
    """A datetime in UTC (SQLite hands back naive UTC values)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Reading:
    """A construct's favourable share in one round, or why there is none."""

    round_id: str | None
    estimate: Estimate | None
    reason: str = ""


@dataclass(frozen=True)
class ActionPage:
    """One page of a list of actions, with cursors to the pages either side (None: nothing there)."""

    status: ListedStatus
    items: tuple[ImprovementAction, ...]
    total: int
    first_position: int  # 1-based position of items[0] in the whole list (0 when empty)
    next_cursor: str | None
    prev_cursor: str | None


def _cursor(action: ImprovementAction, status: ListedStatus) -> str:
    """A page boundary that stays put when actions are added or removed elsewhere in the list."""
    if status == "open":
        return f"{action.due_on.isoformat()}|{action.id}"
    assert action.closed_at is not None
    return f"{_aware(action.closed_at).isoformat()}|{action.id}"


def _parse_cursor(raw: str, status: ListedStatus) -> tuple[date | datetime, str]:
    key, _sep, action_id = raw.partition("|")
    try:
        value: date | datetime = (
            date.fromisoformat(key) if status == "open" else _aware(datetime.fromisoformat(key))
        )
    except ValueError:
        raise InvalidInput(_("That page is out of date; list the actions again.")) from None
    if not action_id or len(action_id) > 32:
        raise InvalidInput(_("That page is out of date; list the actions again."))
    return value, action_id


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
                _("This form is out of date; adopt again from the digest."),
                fields={"title": _("This form is out of date; adopt again from the digest.")},
            )
        today = self.clock.now().date()
        errors: dict[str, str] = {}
        if not title.strip() or len(title) > 200:
            errors["title"] = _("Give the action a short title (up to 200 characters).")
        if not owner_id:
            errors["owner"] = _("Pick who owns this action.")
        if due_on is None or due_on < today:
            errors["due"] = _("Pick a due date from today on.")
        elif due_on > today + timedelta(days=MAX_DUE_DAYS):
            errors["due"] = _("Pick a due date within a year, so its effect can still be measured.")
        if construct not in numeric_constructs(self.bank):
            errors["measure"] = _("Pick the survey measure this action should move.")
        if len(success_measure) > 300:
            errors["success"] = _("Keep the success measure under 300 characters.")
        if errors:
            raise InvalidInput(_("Some fields need attention."), fields=errors)
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
            await session.flush()  # the event's foreign key needs the action's row first
            self._record(session, action.id, "adopted", by=by)
            await self._announce(session, ActionAdopted(by=by, action=action))
        self.outbox.wakeup.set()
        return action

    def _record(
        self, session: AsyncSession, action_id: str, kind: str, *, by: str, note: str | None = None
    ) -> None:
        """Append to the action's history, in the same transaction as the change it records."""
        session.add(
            ImprovementActionEvent(
                action_id=action_id, kind=kind, by=by, at=self.clock.now(), note=note or None
            )
        )

    async def get(self, *, team_id: str, action_id: str, by: Actor) -> ImprovementAction:
        """An action by id, for a coordinator; InvalidInput if it is not this team's (or was deleted)."""
        await self.roles.require_coordinator_or_system(by)
        await self.settle_after_measures(team_id=team_id)
        return await self._find(team_id=team_id, action_id=action_id)

    async def _find(self, *, team_id: str, action_id: str) -> ImprovementAction:
        async with self.db.session() as session:
            action = await session.get(ImprovementAction, action_id) if action_id else None
        if action is None or action.team_id != team_id or action.status == "deleted":
            raise InvalidInput(_("That action no longer exists."))
        return action

    async def _transition(
        self,
        *,
        action_id: str,
        from_status: str,
        values: dict[str, Any],
        kind: Literal["reopened", "deleted"],
        by: str,
        note: str | None,
    ) -> bool:
        """Change an action only if it is still in `from_status`, with its event; False if it was not.

        The status test is in the UPDATE itself, so of two clicks racing only one changes the row
        and records an event, on SQLite and PostgreSQL alike.
        """
        async with self.db.session() as session:
            result = await session.exec(
                update(ImprovementAction)
                .where(col(ImprovementAction.id) == action_id, col(ImprovementAction.status) == from_status)
                .values(**values)
            )
            if not result.rowcount:
                return False
            self._record(session, action_id, kind, by=by, note=note)
            fresh = await session.get(ImprovementAction, action_id, populate_existing=True)
            assert fresh is not None
            await self._announce(session, ActionChanged(by=by, change=kind, action=fresh))
        self.outbox.wakeup.set()
        return True

    async def update(
        self, *, team_id: str, action_id: str, progress_note: str, due_on: date | None, by: str
    ) -> ImprovementAction:
        """Record a coordinator's progress note and optionally move the due date."""
        await self.roles.require_coordinator(by)
        action = await self._find(team_id=team_id, action_id=action_id)
        if action.status != "open":
            raise Conflict(_("That action is already closed."))
        today = self.clock.now().date()
        if due_on is not None and (due_on < today or due_on > today + timedelta(days=MAX_DUE_DAYS)):
            raise InvalidInput(
                _("Pick a due date between today and a year from now."),
                fields={"due": _("Pick a date from today on.")},
            )
        if len(progress_note) > 500:
            raise InvalidInput(
                _("Keep the note under 500 characters."), fields={"note": _("Keep it under 500 characters.")}
            )
        async with self.db.session() as session:
            fresh = await session.get(ImprovementAction, action_id, with_for_update=True)
            assert fresh is not None
            if fresh.status != "open":
                raise Conflict(_("That action is no longer open."))
            fresh.progress_note = progress_note.strip() or fresh.progress_note
            moved = due_on is not None and due_on != fresh.due_on
            fresh.due_on = due_on or fresh.due_on
            session.add(fresh)
            detail = progress_note.strip() + (f" (due {fresh.due_on.isoformat()})" if moved else "")
            self._record(session, action_id, "updated", by=by, note=detail.strip()[:NOTE_MAX])
            await self._announce(session, ActionProgress(by=by, action=fresh))
        self.outbox.wakeup.set()
        return await self._find(team_id=team_id, action_id=action_id)

    async def close(self, *, team_id: str, action_id: str, outcome_note: str, by: str) -> ImprovementAction:
        """A coordinator closes an action; its "after" is read from the first round that closes after this."""
        await self.roles.require_coordinator(by)
        action = await self._find(team_id=team_id, action_id=action_id)
        if action.status != "open":
            raise Conflict(_("That action is already closed."))
        if len(outcome_note) > NOTE_MAX:
            raise InvalidInput(
                _("Keep the note under 500 characters."), fields={"note": _("Keep it under 500 characters.")}
            )
        note = outcome_note.strip() or None
        # A round that closed before now measured the action while it was still being done, so the
        # after measure waits for the next round to close (settle_after_measures fills it in).
        values = {
            "status": "closed",
            "closed_at": self.clock.now(),
            "outcome_note": note,
            "after_round_id": None,
            "after_value": None,
            "after_low": None,
            "after_high": None,
        }
        async with self.db.session() as session:
            result = await session.exec(
                update(ImprovementAction)
                .where(col(ImprovementAction.id) == action_id, col(ImprovementAction.status) == "open")
                .values(**values)
            )
            if not result.rowcount:
                raise Conflict(_("That action is already closed."))
            self._record(session, action_id, "closed", by=by, note=note)
            fresh = await session.get(ImprovementAction, action_id, populate_existing=True)
            assert fresh is not None
            await self._announce(session, ActionClosed(by=by, action=fresh))
        self.outbox.wakeup.set()
        return await self._find(team_id=team_id, action_id=action_id)

    async def reopen(self, *, team_id: str, action_id: str, by: str) -> ImprovementAction:
        """A coordinator reopens a closed action: its after measure is cleared, to be measured after it closes again."""
        await self.roles.require_coordinator(by)
        await self._find(team_id=team_id, action_id=action_id)
        values = {
            "status": "open",
            "closed_at": None,
            "outcome_note": None,
            "after_round_id": None,
            "after_value": None,
            "after_low": None,
            "after_high": None,
        }
        if not await self._transition(
            action_id=action_id, from_status="closed", values=values, kind="reopened", by=by, note=None
        ):
            raise Conflict(_("That action is already open."))
        return await self._find(team_id=team_id, action_id=action_id)

    async def delete(self, *, team_id: str, action_id: str, reason: str, by: str) -> None:
        """A coordinator deletes an action: hidden from every list and digest, its row and history kept."""
        await self.roles.require_coordinator(by)
        action = await self._find(team_id=team_id, action_id=action_id)
        if len(reason) > NOTE_MAX:
            raise InvalidInput(
                _("Keep the reason under 500 characters."),
                fields={"note": _("Keep it under 500 characters.")},
            )
        done = await self._transition(
            action_id=action_id,
            from_status=action.status,
            values={"status": "deleted"},
            kind="deleted",
            by=by,
            note=reason.strip() or None,
        )
        if not done:
            # A second click, or a change in between: nothing is deleted twice.
            raise Conflict(_("That action was changed or deleted meanwhile; list the actions again."))

    async def history(self, *, team_id: str, action_id: str, by: Actor) -> list[ImprovementActionEvent]:
        """Everything done to an action, oldest first."""
        await self.roles.require_coordinator_or_system(by)
        await self._find(team_id=team_id, action_id=action_id)
        async with self.db.session() as session:
            rows = await session.exec(
                select(ImprovementActionEvent)
                .where(ImprovementActionEvent.action_id == action_id)
                .order_by(col(ImprovementActionEvent.at), col(ImprovementActionEvent.id))
            )
            return list(rows)

    async def settle_after_measures(self, *, team_id: str) -> int:
        """Fill in closed actions' after measure from the first round (asking their construct) that
        closed after they did; return how many were filled. Safe to run any number of times."""
        async with self.db.session() as session:
            pending = list(
                await session.exec(
                    select(ImprovementAction).where(
                        ImprovementAction.team_id == team_id,
                        ImprovementAction.status == "closed",
                        col(ImprovementAction.after_round_id).is_(None),
                        col(ImprovementAction.closed_at).is_not(None),
                    )
                )
            )
            if not pending:
                return 0
            earliest = min(_aware(a.closed_at) for a in pending if a.closed_at is not None)
            rounds = list(
                await session.exec(
                    select(SurveyRound)
                    .where(SurveyRound.team_id == team_id, col(SurveyRound.closed_at) > earliest)
                    # No limit: an old action whose construct is no longer asked must not hide
                    # the rounds that measure a newer one (a year of weekly rounds is 52 rows).
                    .order_by(col(SurveyRound.closed_at), col(SurveyRound.id))
                )
            )
        if not rounds:
            return 0
        # Each action's round is chosen by the questions it asked, so only those rounds are measured.
        chosen: dict[str, SurveyRound] = {}
        for action in pending:
            assert action.closed_at is not None
            closed, asked = _aware(action.closed_at), {q.id for q in self.bank.items_of(action.construct_id)}
            first = next(
                (
                    r
                    for r in rounds
                    if r.closed_at is not None
                    and _aware(r.closed_at) > closed
                    and asked & set(r.question_ids)
                ),
                None,
            )
            if first is not None:
                chosen[action.id] = first
        if not chosen:
            return 0
        needed = list({r.id: r for r in chosen.values()}.values())
        measured = {m.round.id: m for m in await measure_rounds(self.db, self.bank, needed)}
        filled = 0
        for action in pending:
            if action.id not in chosen:
                continue
            first_round = chosen[action.id]
            # A round that asked the construct but got no answer to it is fewer than k all the same.
            counts = measured[first_round.id].constructs.get(action.construct_id, {})
            summary = summarize_construct(
                self.bank, action.construct_id, counts, k=self.settings.min_group_size
            )
            estimate = None if isinstance(summary, Suppressed) else summary.favourable
            async with self.db.session() as session:
                # Only if still closed at the same moment: a reopen in between is measured afresh.
                result = await session.exec(
                    update(ImprovementAction)
                    .where(
                        col(ImprovementAction.id) == action.id,
                        col(ImprovementAction.status) == "closed",
                        col(ImprovementAction.closed_at) == action.closed_at,
                        col(ImprovementAction.after_round_id).is_(None),
                    )
                    .values(
                        after_round_id=first_round.id,
                        after_value=estimate.value if estimate else None,
                        after_low=estimate.low if estimate else None,
                        after_high=estimate.high if estimate else None,
                    )
                )
                filled += int(result.rowcount or 0)
        return filled

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
        """The most recently closed actions, their after measure filled in where a round has closed since."""
        await self.roles.require_coordinator_or_system(by)
        await self.settle_after_measures(team_id=team_id)
        async with self.db.session() as session:
            rows = await session.exec(
                select(ImprovementAction)
                .where(ImprovementAction.team_id == team_id, ImprovementAction.status == "closed")
                .order_by(col(ImprovementAction.closed_at).desc())
                .limit(limit)
            )
            return list(rows)

    async def page(
        self,
        *,
        team_id: str,
        by: Actor,
        status: ListedStatus = "open",
        cursor: str | None = None,
        direction: Direction = "next",
        size: int = PAGE_SIZE,
    ) -> ActionPage:
        """A page of open actions (soonest due first) or closed ones (latest closed first).

        The cursor is the boundary action's sort key, so paging on while actions are added or
        removed never shows one twice or skips one that was there all along.
        """
        await self.roles.require_coordinator_or_system(by)
        if status not in ("open", "closed") or direction not in ("next", "prev"):
            raise InvalidInput(_("That page is out of date; list the actions again."))
        if status == "closed":
            await self.settle_after_measures(team_id=team_id)
        key_col: Any = col(ImprovementAction.due_on) if status == "open" else col(ImprovementAction.closed_at)
        id_col: Any = col(ImprovementAction.id)
        ascending = status == "open"  # open: soonest due first; closed: latest first
        base = and_(col(ImprovementAction.team_id) == team_id, col(ImprovementAction.status) == status)

        def after(value: Any, action_id: str) -> Any:
            """Rows after (value, id) in the list's own order."""
            if ascending:
                return or_(key_col > value, and_(key_col == value, id_col > action_id))
            return or_(key_col < value, and_(key_col == value, id_col < action_id))

        def before(value: Any, action_id: str) -> Any:
            if ascending:
                return or_(key_col < value, and_(key_col == value, id_col < action_id))
            return or_(key_col > value, and_(key_col == value, id_col > action_id))

        forward = (key_col.asc(), id_col.asc()) if ascending else (key_col.desc(), id_col.desc())
        backward = (key_col.desc(), id_col.desc()) if ascending else (key_col.asc(), id_col.asc())
        async with self.db.session() as session:
            total = int(
                (await session.exec(select(func.count()).select_from(ImprovementAction).where(base))).one()
            )
            if cursor is None:
                rows = list(
                    await session.exec(select(ImprovementAction).where(base).order_by(*forward).limit(size))
                )
            else:
                value, boundary = _parse_cursor(cursor, status)
                if direction == "next":
                    rows = list(
                        await session.exec(
                            select(ImprovementAction)
                            .where(base, after(value, boundary))
                            .order_by(*forward)
                            .limit(size)
                        )
                    )
                else:
                    rows = list(
                        await session.exec(
                            select(ImprovementAction)
                            .where(base, before(value, boundary))
                            .order_by(*backward)
                            .limit(size)
                        )
                    )
                    rows.reverse()
            if not rows:
                return ActionPage(status, (), total, 0, None, None)
            first_value, first_id = _parse_cursor(_cursor(rows[0], status), status)
            last_value, last_id = _parse_cursor(_cursor(rows[-1], status), status)
            ahead = int(
                (
                    await session.exec(
                        select(func.count())
                        .select_from(ImprovementAction)
                        .where(base, before(first_value, first_id))
                    )
                ).one()
            )
            more = (
                await session.exec(
                    select(col(ImprovementAction.id)).where(base, after(last_value, last_id)).limit(1)
                )
            ).first()
        return ActionPage(
            status=status,
            items=tuple(rows),
            total=total,
            first_position=ahead + 1,
            next_cursor=_cursor(rows[-1], status) if more is not None else None,
            prev_cursor=_cursor(rows[0], status) if ahead else None,
        )
