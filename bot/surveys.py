"""Pulse rounds: open on schedule, fan out per time zone, record answers unlinkably, close."""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import time as clocktime
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import delete, func, insert, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.answers import AnswerProgress, AnswerWrite, AnswerWriter
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import Envelope, Outbox
from bot.errors import Conflict, InvalidInput, NotAllowed
from bot.i18n import _, format_day
from bot.ports import Directory, Member
from bot.privacy import NameSource, respondent_key, scrub_text
from bot.questions import Question, QuestionBank, select_questions
from bot.roles import SYSTEM, Actor, Roles
from storage.db import Database, erase_dead_rows
from storage.models import (
    OutboxMessage,
    ProcessedRequest,
    PulseOptOut,
    RoundParticipation,
    SurveyAnswer,
    SurveyRound,
    random_id,
)
from storage.queries import insert_ignoring_duplicates, outbox_counts

log = logging.getLogger(__name__)

# The earliest time zone on Earth: a schedule fires here first, then follows the sun.
EARLIEST_ZONE = "Etc/GMT-14"
FREE_TEXT_LIMIT = 1000
# chat.update is Tier 3 (about 50 calls a minute), so closing rewrites go out no faster than that.
CLOSED_REWRITE_SPACING = timedelta(seconds=1.25)
# How long after a close a pulse DM that was being sent at that moment may still be confirmed.
LATE_DELIVERY_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Schedules:
    """When pulses and digests go out, as configured."""

    pulse: str
    pulse_window_days: int
    digest: str
    digest_timezone: str
    coordinator_channel: str


@dataclass(frozen=True)
class RoundStatus:
    """Participation in a round so far."""

    round: SurveyRound
    invited: int
    delivered: int
    waiting: int
    failed: int
    answered: int
    reminders_scheduled: int


@dataclass(frozen=True)
class AnsweredFigure:
    """How many answered a round, told only as far as the k rule allows."""

    # "exact": the count itself; "at_least": a floor in steps of k; "fewer": under k, not shown.
    shown: Literal["exact", "at_least", "fewer"]
    count: int  # the exact count, the floor, or k itself for "fewer"
    rate: float | None  # answered / invited, with "exact" only
    closed: bool
    k: int


@dataclass(frozen=True)
class RoundPreview:
    """What a round opened now would be, for the coordinator to confirm before anything is sent."""

    people: int  # the audience, opted-out people left out
    audience_channel: str | None  # None: every active person in the workspace
    questions: int
    closes_at: datetime
    zone: str  # the coordinator's own time zone, for showing closes_at
    # Names the round this confirmation opens: confirming it twice (a double click) opens one round.
    token: str


@dataclass(frozen=True)
class SentRound:
    """The round a confirmation opened; `opened` is False when it had opened it already."""

    round: SurveyRound
    opened: bool


@dataclass(frozen=True)
class CancelledRound:
    """What cancelling a round did; `cancelled` is False when it had already closed."""

    round_id: str
    cancelled: bool
    withdrawn: int = 0  # pulse DMs taken out of the outbox before they went
    delivered: int = 0  # pulse DMs already delivered: rewritten to the closed message
    in_flight: int = 0  # being sent at that moment: rewritten once Slack confirms them
    answered: AnsweredFigure | None = None  # how many had answered (k rules): their answers are deleted


@dataclass(frozen=True)
class CloseCheck:
    """What closing the open round early would close: its answered count as far as k allows."""

    round: SurveyRound
    answered: AnsweredFigure


def is_cancelled(round_: SurveyRound) -> bool:
    """Whether a round was cancelled: closed with nobody counted as invited (see cancel_round)."""
    return round_.closed_at is not None and round_.invited == 0 and round_.answered_final == 0


def answered_figure(status: RoundStatus, *, k: int) -> AnsweredFigure:
    """What may be told of a round's answered count, wherever it is shown (`/pulse status`, App Home)."""
    closed = status.round.closed_at is not None
    # Invited minus answered is a group too (who did not answer): both must be 0 or at least k.
    exact = status.answered >= k and not 0 < status.invited - status.answered < k
    if closed and exact:
        rate = status.answered / status.invited if status.invited else 0.0
        return AnsweredFigure("exact", status.answered, rate, closed, k)
    if status.answered >= k:
        # While open the count moves in steps of k: two looks a minute apart never differ by 1..k-1.
        return AnsweredFigure("at_least", status.answered // k * k, None, closed, k)
    return AnsweredFigure("fewer", k, None, closed, k)


def ballot_tag(secret: str, *, ballot: str, user_id: str) -> str:
    """A MAC binding a DM's ballot to its recipient; it lives only in that DM, never in storage."""
    digest = hmac.new(secret.encode(), f"ballot:{ballot}:{user_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:20]


def member_zone(member: Member, *, default: str = "UTC") -> ZoneInfo:
    """The member's own time zone; `default` when the platform gave none we know."""
    try:
        return ZoneInfo(member.tz or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def local_send_time(
    member: Member, *, local_date: date, at: time, not_before: datetime, default_zone: str = "UTC"
) -> datetime:
    """The instant the member's clock shows `local_date at`, never earlier than `not_before`."""
    zone = member_zone(member, default=default_zone)
    local = datetime.combine(local_date, at, tzinfo=zone).astimezone(UTC)
    return max(local, not_before)


def delivery_waves(send_times: dict[str, datetime], *, k: int) -> dict[str, datetime]:
    """Send times moved later (never earlier) so each distinct time is shared by at least k people."""
    # Answers arrive in an order a database file reader can see; if someone alone in their zone got
    # their DM hours before anyone else, the first answers would be theirs. A zone with fewer than
    # k joins the next one; the last, the one before.
    by_time: dict[datetime, list[str]] = {}
    for person, at in send_times.items():
        by_time.setdefault(at, []).append(person)
    waves: list[tuple[list[str], datetime]] = []
    pending: list[str] = []
    for at in sorted(by_time):
        pending += by_time[at]
        if len(pending) >= k:
            waves.append((pending, at))
            pending = []
    if pending:
        # Too few left for a wave of their own: the previous wave waits for them.
        earlier = waves.pop()[0] if waves else []
        waves.append((earlier + pending, max(send_times[p] for p in pending)))
    return {person: at for people, at in waves for person in people}


def latest_fire_time(cron: str, *, now: datetime) -> datetime | None:
    """The most recent occurrence of a cron schedule (in the earliest zone) at or before now."""
    trigger = CronTrigger.from_crontab(cron, timezone=ZoneInfo(EARLIEST_ZONE))
    fire: datetime | None = None
    cursor = trigger.get_next_fire_time(None, now - timedelta(days=32))
    while cursor is not None and cursor <= now:
        fire = cursor
        cursor = trigger.get_next_fire_time(cursor, cursor + timedelta(seconds=1))
    return fire


# A preview's listing of the workspace is reused by its "Send it" for this long: reading it again
# (users.list is Tier 2, 20 a minute) held a 10,000-person round's first DM back ~35 s. Opt-outs and the
# audience channel are still read when the round opens.
PREVIEW_LISTING_FRESH_SECONDS = 120.0
REMEMBERED_PREVIEWS = 8


class SurveyService:
    """Opens, answers and closes pulse rounds."""

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        directory: Directory,
        outbox: Outbox,
        clock: Clock,
        bank: QuestionBank,
        roles: Roles,
        names: NameSource | None = None,
    ) -> None:
        self.db = db
        self.roles = roles
        self.settings = settings
        self.directory = directory
        self.outbox = outbox
        self.clock = clock
        self.bank = bank
        self.names = names
        self.answers = AnswerWriter(db, min_group=settings.min_group_size)
        # Preview token -> (when, the workspace's members then); in this process only.
        self._previews: OrderedDict[str, tuple[float, list[Member]]] = OrderedDict()

    # --- audience and opt-out -------------------------------------------------------------

    def _optout_key(self, team_id: str, user_id: str) -> str:
        return respondent_key(
            self.settings.peerpulse_secret, team_id=team_id, user_id=user_id, round_id="optout"
        )

    async def audience(self, team_id: str) -> list[Member]:
        """Who gets this round: the audience channel or every active human, minus opt-outs."""
        return await self._audience_of(team_id, await self.directory.list_members())

    async def _audience_of(self, team_id: str, everyone: list[Member]) -> list[Member]:
        members = [m for m in everyone if m.active_human]
        if self.settings.pulse_audience_channel:
            wanted = await self.directory.channel_members(self.settings.pulse_audience_channel)
            members = [m for m in members if m.id in wanted]
        async with self.db.session() as session:
            opted_out = set(await session.exec(select(PulseOptOut.key)))
        return [m for m in members if self._optout_key(team_id, m.id) not in opted_out]

    async def set_opt_out(self, *, team_id: str, user_id: str, opted_out: bool) -> None:
        """Opt a user out of pulses, or back in."""
        key = self._optout_key(team_id, user_id)
        async with self.db.session() as session:
            if opted_out:
                await insert_ignoring_duplicates(
                    session=session, model=PulseOptOut, rows=[{"key": key}], keys=["key"]
                )
            else:
                await session.exec(delete(PulseOptOut).where(col(PulseOptOut.key) == key))

    async def is_opted_out(self, *, team_id: str, user_id: str) -> bool:
        """Whether the user asked not to get pulses."""
        async with self.db.session() as session:
            found = await session.get(PulseOptOut, self._optout_key(team_id, user_id))
        return found is not None

    # --- opening ----------------------------------------------------------------------------

    async def open_scheduled_round(self, *, team_id: str) -> SurveyRound | None:
        """Open the round for the latest schedule occurrence, once, however often this is called."""
        now = self.clock.now()
        fire = latest_fire_time(self.settings.pulse_schedule, now=now)
        if fire is None:
            return None
        if now - fire > timedelta(days=self.settings.pulse_window_days):
            log.info("skipping the pulse scheduled for %s: it is already past its window", fire.date())
            return None
        local = fire.astimezone(ZoneInfo(EARLIEST_ZONE))
        key = f"sched:{local.date().isoformat()}"
        current = await self.current_round(team_id=team_id)
        if current is not None and current.schedule_key != key:
            # A new scheduled round supersedes whatever is still open, so rounds never overlap.
            await self.close_round(current.id)
        return await self.open_round(
            team_id=team_id,
            schedule_key=key,
            local_date=local.date(),
            at=local.time(),
        )

    async def preview_round(self, *, team_id: str, by: str) -> RoundPreview:
        """Who a round opened now would reach, for a coordinator to confirm (nothing is sent)."""
        await self.roles.require_coordinator(by)
        await self._refuse_if_open(team_id)
        members = await self.directory.list_members()
        audience = await self._audience_of(team_id, members)
        async with self.db.session() as session:
            count = (
                await session.exec(
                    select(func.count()).select_from(SurveyRound).where(col(SurveyRound.team_id) == team_id)
                )
            ).one()
        questions = select_questions(self.bank, round_number=count, count=self.settings.questions_per_round)
        coordinator = next((m for m in members if m.id == by), None)
        zone = self.settings.default_timezone
        if coordinator is not None:
            zone = member_zone(coordinator, default=zone).key
        token = random_id()
        self._previews[token] = (clocktime.monotonic(), members)
        while len(self._previews) > REMEMBERED_PREVIEWS:
            self._previews.popitem(last=False)
        return RoundPreview(
            people=len(audience),
            audience_channel=self.settings.pulse_audience_channel or None,
            questions=len(questions),
            # A round sent now goes to everyone at once, so it closes one window from now.
            closes_at=self.clock.now() + timedelta(days=self.settings.pulse_window_days),
            zone=zone,
            token=token,
        )

    def _previewed_members(self, token: str) -> list[Member] | None:
        """The members a recent preview listed (None: too old, or previewed by another replica)."""
        found = self._previews.pop(token, None)
        if found is None or clocktime.monotonic() - found[0] > PREVIEW_LISTING_FRESH_SECONDS:
            return None
        return found[1]

    async def send_now(self, *, team_id: str, by: str, token: str) -> SentRound:
        """A coordinator confirms a preview: open its round now, once however often it is confirmed."""
        await self.roles.require_coordinator(by)
        if not (0 < len(token) <= 32 and token.isalnum()):
            raise InvalidInput(
                _("This confirmation is damaged, so nothing was opened; please ask to send the round again.")
            )
        schedule_key = f"manual:{token}"
        mine = await self._round_by_key(team_id, schedule_key)
        if mine is not None:
            # A double click, or the same confirmation clicked again: the round it opened, not a second.
            return SentRound(mine, opened=False)
        await self._refuse_if_open(team_id)
        latest = await self.latest_round(team_id=team_id)
        # Two coordinators confirming different previews at the same moment would both find no open
        # round; the first to claim "the round after the latest one" wins, in the round's transaction.
        claim = f"pulse-send:{team_id}:{latest.id if latest is not None else 'first'}"
        try:
            round_ = await self.open_round(
                team_id=team_id,
                schedule_key=schedule_key,
                local_date=None,
                at=None,
                claim=claim,
                members=self._previewed_members(token),
            )
        except Conflict:
            round_ = None
        if round_ is None:
            mine = await self._round_by_key(team_id, schedule_key)
            if mine is not None:
                return SentRound(mine, opened=False)
            await self._refuse_if_open(team_id)
            raise Conflict(
                _("Another coordinator opened a pulse round at the same moment."), next_step="round_status"
            )
        return SentRound(round_, opened=True)

    async def _refuse_if_open(self, team_id: str) -> None:
        current = await self.current_round(team_id=team_id)
        if current is not None:
            raise Conflict(
                _("A pulse round is already open until {day} {time} UTC.").format(
                    day=format_day(current.closes_at.date()), time=f"{current.closes_at:%H:%M}"
                ),
                next_step="round_status",
            )

    async def _round_by_key(self, team_id: str, schedule_key: str) -> SurveyRound | None:
        async with self.db.session() as session:
            return (
                await session.exec(
                    select(SurveyRound).where(
                        col(SurveyRound.team_id) == team_id, col(SurveyRound.schedule_key) == schedule_key
                    )
                )
            ).one_or_none()

    async def open_round(
        self,
        *,
        team_id: str,
        schedule_key: str,
        local_date: date | None,
        at: time | None,
        claim: str | None = None,
        members: list[Member] | None = None,
    ) -> SurveyRound | None:
        """Create a round and queue a DM (and a reminder) for each audience member.

        `claim`, if given, is a key recorded in the same transaction: when it was taken already the
        round is not opened (Conflict). `members`: the workspace as just listed (else it is read now).
        """
        now = self.clock.now()
        async with self.db.session() as session:
            existing = (
                await session.exec(
                    select(SurveyRound).where(
                        col(SurveyRound.team_id) == team_id, col(SurveyRound.schedule_key) == schedule_key
                    )
                )
            ).one_or_none()
            if existing is not None:
                return existing
            # The rotation counts this team's rounds only: another team's rounds must not skip ours.
            count = (
                await session.exec(
                    select(func.count()).select_from(SurveyRound).where(col(SurveyRound.team_id) == team_id)
                )
            ).one()
        if members is None:
            members = await self.directory.list_members()
        audience = await self._audience_of(team_id, members)
        window = timedelta(days=self.settings.pulse_window_days)
        send_times = {
            m.id: local_send_time(
                m,
                local_date=local_date,
                at=at,
                not_before=now,
                default_zone=self.settings.default_timezone,
            )
            if local_date is not None and at is not None
            else now
            for m in audience
        }
        send_times = delivery_waves(send_times, k=self.settings.min_group_size)
        last_send = max(send_times.values(), default=now)
        questions = select_questions(self.bank, round_number=count, count=self.settings.questions_per_round)
        round_ = SurveyRound(
            team_id=team_id,
            schedule_key=schedule_key,
            question_ids=[q.id for q in questions],
            opened_at=now,
            closes_at=last_send + window,
            invited=len(audience),
        )
        # The reminder goes out a day before each person's own window ends (halfway if shorter).
        remind_after = max(window - timedelta(days=1), window / 2)
        envelopes: list[Envelope] = []
        for member in audience:
            send_at = send_times[member.id]
            envelopes.append(
                Envelope("pulse", member.id, f"pulse:{round_.id}:{member.id}", send_at, round_id=round_.id)
            )
            envelopes.append(
                Envelope(
                    "pulse_reminder",
                    member.id,
                    f"reminder:{round_.id}:{member.id}",
                    send_at + remind_after,
                    round_id=round_.id,
                )
            )
        try:
            # The round and its DMs commit together: a crash leaves either both or neither.
            async with self.db.session() as session:
                if claim is not None:
                    claimed = await insert_ignoring_duplicates(
                        session=session,
                        model=ProcessedRequest,
                        rows=[{"key": claim, "seen_at": now}],
                        keys=["key"],
                    )
                    if claimed != 1:
                        raise Conflict(_("Another pulse round was opened at the same moment."))
                session.add(round_)
                await session.flush()
                await self.outbox.enqueue(envelopes, session=session)
        except IntegrityError:
            # Another opener (a second replica, a retried job) won the race: use its round.
            log.info("round %s was opened concurrently; keeping the first", schedule_key)
            return None
        self.outbox.wakeup.set()
        log.info(
            "opened pulse round %s for %d people (%d questions)", round_.id, len(audience), len(questions)
        )
        return round_

    # --- reading ----------------------------------------------------------------------------

    async def get_round(self, round_id: str) -> SurveyRound | None:
        """A round by id."""
        async with self.db.session() as session:
            return await session.get(SurveyRound, round_id)

    async def current_round(self, *, team_id: str) -> SurveyRound | None:
        """The open round, if any."""
        now = self.clock.now()
        async with self.db.session() as session:
            return (
                await session.exec(
                    select(SurveyRound)
                    .where(
                        col(SurveyRound.team_id) == team_id,
                        col(SurveyRound.closed_at).is_(None),
                        col(SurveyRound.closes_at) > now,
                    )
                    .order_by(col(SurveyRound.opened_at).desc())
                    .limit(1)
                )
            ).one_or_none()

    async def latest_round(self, *, team_id: str) -> SurveyRound | None:
        """The most recently opened round, open or closed."""
        async with self.db.session() as session:
            return (
                await session.exec(
                    select(SurveyRound)
                    .where(col(SurveyRound.team_id) == team_id)
                    .order_by(col(SurveyRound.opened_at).desc())
                    .limit(1)
                )
            ).one_or_none()

    def questions_of(self, round_: SurveyRound) -> list[Question]:
        """The round's questions, in order (skipping any since removed from the bank)."""
        return [q for q in (self.bank.get(qid) for qid in round_.question_ids) if q is not None]

    async def has_answered(self, *, team_id: str, user_id: str, round_id: str) -> bool:
        """Whether the user's participation key is recorded for the round."""
        key = respondent_key(
            self.settings.peerpulse_secret, team_id=team_id, user_id=user_id, round_id=round_id
        )
        if self.answers.has_pending(key):
            return True
        async with self.db.session() as session:
            return await session.get(RoundParticipation, key) is not None

    async def schedules(self, *, by: Actor) -> Schedules:
        """When pulses and digests go out (coordinators only)."""
        await self.roles.require_coordinator_or_system(by)
        s = self.settings
        return Schedules(
            pulse=s.pulse_schedule,
            pulse_window_days=s.pulse_window_days,
            digest=s.digest_schedule,
            digest_timezone=s.digest_timezone,
            coordinator_channel=s.coordinator_channel,
        )

    async def question_bank(self, *, by: Actor) -> QuestionBank:
        """The question bank with each item's construct and source (coordinators only)."""
        await self.roles.require_coordinator_or_system(by)
        return self.bank

    async def latest_status(self, *, team_id: str, by: Actor) -> RoundStatus | None:
        """Participation in the most recently opened round, None before the first (coordinators only)."""
        await self.roles.require_coordinator_or_system(by)
        round_ = await self.latest_round(team_id=team_id)
        return None if round_ is None else await self.status(round_, by=SYSTEM)

    async def status(self, round_: SurveyRound, *, by: Actor) -> RoundStatus:
        """Invited, delivered, waiting, failed and answered counts for a round (coordinators only)."""
        await self.roles.require_coordinator_or_system(by)
        async with self.db.session() as session:
            by_status = await outbox_counts(session=session, round_id=round_.id, kind="pulse")
            reminders = await outbox_counts(session=session, round_id=round_.id, kind="pulse_reminder")
            if round_.answered_final is not None:
                answered = round_.answered_final
            else:
                # Distinct ballots, not participation rows: those are written late, in batches.
                answered = await _respondents(session, round_.id)
        return RoundStatus(
            round=round_,
            invited=round_.invited,
            delivered=by_status.get("sent", 0),
            waiting=by_status.get("pending", 0) + by_status.get("sending", 0),
            failed=by_status.get("failed", 0),
            answered=answered,
            reminders_scheduled=reminders.get("pending", 0),
        )

    # --- answering --------------------------------------------------------------------------

    async def record_answer(
        self,
        *,
        team_id: str,
        user_id: str,
        round_id: str,
        question_id: str,
        ballot: str,
        tag: str,
        value: int | None = None,
        text: str | None = None,
        request_key: str | None = None,
        declined: bool = False,
    ) -> AnswerProgress:
        """Store (or change) one answer without linking it to the user; mark participation.

        `request_key` is the delivery's identity: a redelivered click is stored once and comes back
        with `repeated` set. `declined` records "prefer not to say" (sensitive items only) in place of
        an answer; it counts as taking part, never as an answer.
        """
        if not ballot or len(ballot) > 64:
            raise InvalidInput(_("This survey message is damaged; please use the latest pulse DM."))
        expected = ballot_tag(self.settings.peerpulse_secret, ballot=ballot, user_id=user_id)
        if not hmac.compare_digest(expected, tag):
            # A forwarded survey, or a forged button: the clicker is not the person it was sent to.
            raise NotAllowed(_("This survey was sent to someone else, so the answer wasn't recorded."))
        now = self.clock.now()
        question = self.bank.get(question_id)
        if question is None:
            raise InvalidInput(_("That question is no longer part of the survey."))
        if declined:
            if not question.sensitive or question.kind == "text":
                raise InvalidInput(_("That question has no “Prefer not to say” option."))
            cleaned, value = None, None
        elif question.kind == "text":
            # Members' names go too; the list is cached, so this rarely waits on the directory.
            names = await self.names() if self.names is not None else ()
            cleaned = scrub_text((text or "").strip(), max_chars=FREE_TEXT_LIMIT, names=names)
            value = None
        else:
            cleaned = None
            if value not in question.values:
                raise InvalidInput(_("That answer isn't one of the options."))
        write = AnswerWrite(
            team_id=team_id,
            round_id=round_id,
            question=question,
            ballot=ballot,
            value=value,
            text=cleaned,
            now=now,
            optout_key=self._optout_key(team_id, user_id),
            invitation_key=f"pulse:{round_id}:{user_id}",
            participation_key=respondent_key(
                self.settings.peerpulse_secret, team_id=team_id, user_id=user_id, round_id=round_id
            ),
            request_key=request_key,
            declined=declined,
        )
        return await self.answers.submit(write)

    # --- closing ----------------------------------------------------------------------------

    async def close_due_rounds(self) -> list[str]:
        """Close every round past its end; return their ids."""
        now = self.clock.now()
        async with self.db.session() as session:
            due = list(
                await session.exec(
                    select(SurveyRound.id).where(
                        col(SurveyRound.closed_at).is_(None),
                        col(SurveyRound.closes_at) <= now,
                    )
                )
            )
        for round_id in due:
            await self.close_round(round_id)
        await self.rewrite_late_deliveries()
        return due

    async def close_round(self, round_id: str) -> bool:
        """Close a round and erase everything that could link answers to people or to each other.

        True if this call closed it, False if it was closed already (so closing is idempotent).
        """
        return (await self._close_and_erase(round_id, cancel=False)) is not None

    async def _close_and_erase(self, round_id: str, *, cancel: bool) -> _Closed | None:
        # Under the writer's lock: an answer in flight is either stored before this or refused.
        async with self.answers.lock:
            closed = await self._close(round_id, cancel=cancel)
            self.answers.forget_round(round_id)
        if closed is not None:
            self.outbox.wakeup.set()
            try:
                await erase_dead_rows(self.db)
            except SQLAlchemyError as exc:
                # The round is closed and its rows deleted; only their bytes wait for the next close.
                log.error(
                    "closed pulse round %s, but could not erase its deleted rows from the database files "
                    "(%s); run VACUUM FULL on survey_answer, round_participation, outbox_message",
                    round_id,
                    type(exc).__name__,
                )
            log.info("%s pulse round %s", "cancelled" if cancel else "closed", round_id)
        return closed

    # --- a coordinator's early close and cancel ---------------------------------------------

    async def close_check(self, *, team_id: str, by: str) -> CloseCheck:
        """What closing the open round now would close, for a coordinator to confirm."""
        await self.roles.require_coordinator(by)
        round_ = await self.current_round(team_id=team_id)
        if round_ is None:
            raise Conflict(
                _("No pulse round is open, so there is nothing to close."), next_step="round_status"
            )
        status = await self.status(round_, by=SYSTEM)
        return CloseCheck(round_, answered_figure(status, k=self.settings.min_group_size))

    async def close_now(self, *, team_id: str, round_id: str, by: str) -> bool:
        """A coordinator closes a round before its end, exactly as the scheduled close does.

        True if this call closed it; False if it was closed already (a double click, another coordinator).
        """
        await self.roles.require_coordinator(by)
        await self._round_of_team(team_id, round_id)
        return await self.close_round(round_id)

    async def cancel_round(self, *, team_id: str, round_id: str, by: str) -> CancelledRound:
        """A coordinator withdraws a round: unsent DMs are not sent, sent ones close, answers are deleted.

        Cancel is allowed any time before the round closes. A cancelled round has no results: the
        answers already given and the participation records are deleted in the same transaction that
        closes it, rather than kept under the k rules, because a round stopped early by hand has a
        self-selected, often tiny, audience (the first wave of DMs) whose answers no later report
        should treat as a round's results. Without a schema change (no status column), a cancelled
        round is recorded as closed with invited = 0 and answered_final = 0 (`is_cancelled`), which
        the digest, trends and export leave out.
        """
        await self.roles.require_coordinator(by)
        round_ = await self._round_of_team(team_id, round_id)
        status = await self.status(round_, by=SYSTEM)
        closed = await self._close_and_erase(round_id, cancel=True)
        if closed is None:
            return CancelledRound(round_id, cancelled=False)
        return CancelledRound(
            round_id,
            cancelled=True,
            withdrawn=closed.withdrawn,
            delivered=closed.delivered,
            in_flight=closed.in_flight,
            answered=answered_figure(status, k=self.settings.min_group_size),
        )

    async def _round_of_team(self, team_id: str, round_id: str) -> SurveyRound:
        round_ = await self.get_round(round_id) if round_id else None
        if round_ is None or round_.team_id != team_id:
            raise InvalidInput(_("That pulse round doesn't exist."))
        return round_

    async def rewrite_late_deliveries(self) -> int:
        """Rewrite pulse DMs that Slack confirmed after their round closed (sent as it closed)."""
        # A close blanks every pulse row's message reference; one that has a reference again was in
        # flight at the close and delivered just after it, so it still shows live buttons.
        now = self.clock.now()
        async with self.db.session() as session:
            late = list(
                await session.exec(
                    select(OutboxMessage)
                    .join(SurveyRound, col(SurveyRound.id) == col(OutboxMessage.round_id))
                    .where(
                        # A send in flight settles within minutes (an unconfirmed one within the hour
                        # of history it is checked against): older closed rounds need no look.
                        col(SurveyRound.closed_at) >= now - LATE_DELIVERY_WINDOW,
                        col(OutboxMessage.kind) == "pulse",
                        col(OutboxMessage.message_ref).is_not(None),
                    )
                )
            )
            if not late:
                return 0
            await _queue_closed_rewrites(
                session,
                [(r.round_id or "", r.recipient, r.conversation, r.message_ref) for r in late],
                now=now,
            )
            await session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_([r.id for r in late]))
                .values(sent_at=None, conversation=None, message_ref=None)
            )
        self.outbox.wakeup.set()
        return len(late)

    async def _close(self, round_id: str, *, cancel: bool = False) -> _Closed | None:
        now = self.clock.now()
        async with self.db.session() as session:
            # Waits for answer transactions holding the round FOR SHARE (other replicas included);
            # those that come later wait for this one and then see the round closed.
            round_ = await session.get(SurveyRound, round_id, with_for_update=True)
            if round_ is None or round_.closed_at is not None:
                return None
            answered = await _respondents(session, round_id)
            # Participation was only needed to target reminders; a count is all that stays.
            await session.exec(delete(RoundParticipation).where(col(RoundParticipation.round_id) == round_id))
            answers = (
                []
                if cancel
                else list(
                    await session.exec(select(SurveyAnswer).where(col(SurveyAnswer.round_id) == round_id))
                )
            )
            rows = [
                {
                    "id": random_id(),
                    "round_id": a.round_id,
                    "question_id": a.question_id,
                    "construct_id": a.construct_id,
                    "value": a.value,
                    "text": a.text,
                    "declined": a.declined,
                    "answered_on": round_.opened_at.date(),
                    "ballot": None,
                }
                for a in answers
            ]
            # Rewriting in random order drops ballots and any physical arrival order with them.
            # A cancelled round keeps no answers at all (cancel_round says why).
            random.SystemRandom().shuffle(rows)
            await session.exec(delete(SurveyAnswer).where(col(SurveyAnswer.round_id) == round_id))
            for start in range(0, len(rows), 500):
                await session.exec(insert(SurveyAnswer), params=rows[start : start + 500])
            # A reminder row says who was reminded and who was skipped for having answered; its
            # job ends with the round.
            await session.exec(
                delete(OutboxMessage).where(
                    col(OutboxMessage.round_id) == round_id, col(OutboxMessage.kind) == "pulse_reminder"
                )
            )
            withdrawn = await session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.round_id) == round_id, col(OutboxMessage.status) == "pending")
                .values(
                    status="skipped",
                    last_error="round cancelled before sending" if cancel else "round closed before sending",
                )
            )
            in_flight = (
                await session.exec(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(
                        col(OutboxMessage.round_id) == round_id,
                        col(OutboxMessage.kind) == "pulse",
                        col(OutboxMessage.status) == "sending",
                    )
                )
            ).one()
            # Every delivered pulse DM is rewritten to one neutral message (no buttons, nothing that
            # differs between answerers and others); the (channel, ts) it needs moves to that row,
            # which is erased once the rewrite is done.
            delivered = list(
                await session.exec(
                    select(
                        OutboxMessage.recipient, OutboxMessage.conversation, OutboxMessage.message_ref
                    ).where(
                        col(OutboxMessage.round_id) == round_id,
                        col(OutboxMessage.kind) == "pulse",
                        col(OutboxMessage.message_ref).is_not(None),
                    )
                )
            )
            await _queue_closed_rewrites(
                session, [(round_id, recipient, channel, ts) for recipient, channel, ts in delivered], now=now
            )
            # Per-person delivery times would line up with answer order; the status stays for counts.
            await session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.round_id) == round_id)
                .where(col(OutboxMessage.kind) == "pulse")
                .values(
                    next_attempt_at=round_.opened_at,
                    claimed_at=None,
                    sent_at=None,
                    attempts=0,
                    conversation=None,
                    message_ref=None,
                )
            )
            round_.closed_at = now
            round_.answered_final = 0 if cancel else answered
            if cancel:
                # No status column (and no migration): invited = 0 with answered_final = 0 marks it.
                round_.invited = 0
            session.add(round_)
        return _Closed(
            withdrawn=int(getattr(withdrawn, "rowcount", 0) or 0),
            delivered=len(delivered),
            in_flight=in_flight,
        )


@dataclass(frozen=True)
class _Closed:
    withdrawn: int
    delivered: int
    in_flight: int


async def _queue_closed_rewrites(
    session: AsyncSession, delivered: list[tuple[str, str, str | None, str | None]], *, now: datetime
) -> None:
    """Queue the rewrite of delivered pulse DMs (round, recipient, channel, ts) to the closed message."""
    delivered = list(delivered)
    random.SystemRandom().shuffle(delivered)
    await insert_ignoring_duplicates(
        session=session,
        model=OutboxMessage,
        rows=[
            {
                "dedupe_key": f"closed:{round_id}:{recipient}",
                "kind": "pulse_closed",
                "recipient": recipient,
                "conversation": channel,
                "message_ref": ts,
                "round_id": round_id,
                "status": "pending",
                "attempts": 0,
                # chat.update is Tier 3 (about 50 a minute): spread the rewrites out.
                "next_attempt_at": now + i * CLOSED_REWRITE_SPACING,
            }
            for i, (round_id, recipient, channel, ts) in enumerate(delivered)
        ],
        keys=["dedupe_key"],
    )


async def _respondents(session: AsyncSession, round_id: str) -> int:
    """How many people answered a round while it is open: its distinct ballots."""
    return (
        await session.exec(
            select(func.count(func.distinct(SurveyAnswer.ballot))).where(
                col(SurveyAnswer.round_id) == round_id, col(SurveyAnswer.ballot).is_not(None)
            )
        )
    ).one()
