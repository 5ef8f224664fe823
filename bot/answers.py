"""Group commit of pulse answers: clicks arriving together are checked and stored in one transaction.

A click's answer must be durable before Slack is told the click worked, yet one transaction per
click makes a busy survey pay a commit (and, on SQLite, a turn at the single write lock) per click.
So answers queue here; one writer drains whatever has queued into a single transaction while the
next clicks queue behind it. Alone, a click is written at once; under load, commits are shared.

Participation (the keyed hash of who answered) never shares a transaction with answers: on
PostgreSQL a transaction id (`xmin`) and commit order would join a person's key to their answers
for anyone holding the secret. Keys wait here, in memory, and are written in shuffled batches of at
least MIN_GROUP_SIZE, each in a transaction of its own; a lost batch (a crash) only means a
reminder goes to someone who had answered.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, literal, tuple_, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import InvalidInput, NotAllowed, PeerPulseError, RoundClosed
from bot.i18n import N_
from bot.questions import Question
from storage.db import Database
from storage.models import (
    OutboxMessage,
    ProcessedRequest,
    PulseOptOut,
    RoundParticipation,
    SurveyAnswer,
    SurveyRound,
    random_id,
)
from storage.queries import insert_ignoring_duplicates, insert_new

log = logging.getLogger(__name__)

# Bounded so one transaction stays short and its IN lists stay far below parameter limits.
MAX_BATCH = 200
# Stands for a stored decline in the progress read back (no scale has a negative value).
DECLINED = -1


@dataclass(frozen=True)
class AnswerWrite:
    """One checked click or comment, waiting for its transaction."""

    team_id: str
    round_id: str
    question: Question
    ballot: str
    value: int | None
    text: str | None
    now: datetime
    optout_key: str
    invitation_key: str
    participation_key: str
    # The delivery's identity when the caller lets this transaction record it (see handlers/slack/dedupe.py).
    request_key: str | None = None
    # "Prefer not to say" (value and text None): stored like an answer, in the same row, flagged.
    declined: bool = False


@dataclass(frozen=True)
class AnswerProgress:
    """What one ballot has answered in a round; `repeated` when the click was a redelivery.

    `chosen` holds the ballot's stored value per answered scale question, and `declined` the questions
    it said "prefer not to say" to, for its own DM only: never log them. A declined question counts as
    answered (the person responded to it). `sequence` orders progress read by this writer's commits, so
    a late redraw can tell it is stale.
    """

    round: SurveyRound
    answered: frozenset[str]
    repeated: bool = False
    chosen: Mapping[str, int] = field(default_factory=dict)
    sequence: int = 0
    declined: frozenset[str] = frozenset()


class AnswerWriter:
    """Queues answer writes and commits everything queued so far in one transaction."""

    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH, min_group: int = 5) -> None:
        self.db = db
        self.max_batch = max_batch
        self.min_group = max(1, min_group)
        self._queue: list[tuple[AnswerWrite, asyncio.Future[AnswerProgress]]] = []
        self._writer: asyncio.Task[None] | None = None
        # Participation keys not yet written (key -> round id); see the module docstring.
        self._participants: dict[str, str] = {}
        # Keys this process has written, so a person's later clicks don't queue them again.
        self._recorded: dict[str, str] = {}
        # Held by every answer transaction and by closing, so no answer lands after (or is lost
        # to) a close in this process; PostgreSQL table locks do the same across replicas.
        self.lock = asyncio.Lock()
        # Counts commits; each batch's progress carries it (see AnswerProgress.sequence).
        self._commits = 0

    def has_pending(self, key: str) -> bool:
        """Whether a participation key is waiting in memory for its batch."""
        return key in self._participants

    def pending(self) -> int:
        """How many participation keys wait in memory for their batch."""
        return len(self._participants)

    def forget_round(self, round_id: str) -> None:
        """Drop the waiting keys of a round being closed (closing erases participation anyway)."""
        self._participants = {k: r for k, r in self._participants.items() if r != round_id}
        self._recorded = {k: r for k, r in self._recorded.items() if r != round_id}

    async def flush_participation(self, *, force: bool = False) -> int:
        """Write the waiting keys, shuffled, in a transaction of their own, once >= k wait; return how many."""
        async with self.lock:
            return await self._flush_participation(force=force)

    async def _flush_participation(self, *, force: bool) -> int:
        if not self._participants or (len(self._participants) < self.min_group and not force):
            return 0
        async with self.db.session() as session:
            known = set(
                await session.exec(
                    select(RoundParticipation.key).where(
                        col(RoundParticipation.key).in_(list(self._participants))
                    )
                )
            )
            # A batch counts only the keys it adds: a recorded key re-sent with a later click must
            # not pad a batch whose new rows (the ones its transaction id marks) are fewer than k.
            fresh = {k: r for k, r in self._participants.items() if k not in known}
            if len(fresh) < self.min_group and not force:
                self._participants = fresh
                return 0
            rows = [{"key": key, "round_id": round_id} for key, round_id in fresh.items()]
            # Shuffled, so neither the heap nor the insert order replays the order people answered in.
            random.SystemRandom().shuffle(rows)
            await insert_ignoring_duplicates(
                session=session, model=RoundParticipation, rows=rows, keys=["key"]
            )
        self._recorded.update(fresh)
        self._participants = {}
        return len(rows)

    async def submit(self, write: AnswerWrite) -> AnswerProgress:
        """Store one answer (with every check) and return the ballot's progress once committed."""
        future: asyncio.Future[AnswerProgress] = asyncio.get_running_loop().create_future()
        self._queue.append((write, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="answer-writer")
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            try:
                async with self.lock:
                    outcomes = await self._commit([write for write, _ in batch])
            except asyncio.CancelledError:
                # Shutting down: nobody will drain what is queued, so no caller may wait on it.
                for _, future in [*batch, *self._queue]:
                    future.cancel()
                self._queue = []
                raise
            except Exception as exc:
                # Nothing of the batch was written; every click in it hears about the failure.
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, PeerPulseError):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
            try:
                await self.flush_participation()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # The keys stay in memory for the next attempt; answers are already safe.
                log.warning(
                    "could not record a participation batch yet (%s); retrying after the next answer",
                    type(exc).__name__,
                )

    async def _commit(self, writes: Sequence[AnswerWrite]) -> list[AnswerProgress | PeerPulseError]:
        async with self.db.session() as session:
            ids = {w.round_id for w in writes}
            # FOR SHARE (PostgreSQL; SQLite has one writer) conflicts with the FOR UPDATE a close
            # takes: an answer transaction either ends before a close reads the round or waits and
            # then sees it closed. The lock rides on a query made anyway, so it costs no round trip.
            rounds = {
                r.id: r
                for r in await session.exec(
                    select(SurveyRound).where(col(SurveyRound.id).in_(ids)).with_for_update(read=True)
                )
            }
            refusals = await _refusals(session, writes, rounds)
            fresh = await _first_deliveries(session, writes, refusals)
            accepted = [w for i, w in enumerate(writes) if i not in refusals and fresh[i]]
            await _store_answers(session, accepted, rounds)
            answered = await _answered(
                session, [w for i, w in enumerate(writes) if i not in refusals], rounds
            )
        self._commits += 1
        progress: list[AnswerProgress | PeerPulseError] = [
            refusals[i]
            if i in refusals
            else AnswerProgress(
                round=rounds[w.round_id],
                answered=frozenset(answered.get((w.round_id, w.ballot), {})),
                repeated=not fresh[i],
                chosen={
                    q: v
                    for q, v in answered.get((w.round_id, w.ballot), {}).items()
                    if v is not None and v != DECLINED
                },
                sequence=self._commits,
                declined=frozenset(
                    q for q, v in answered.get((w.round_id, w.ballot), {}).items() if v == DECLINED
                ),
            )
            for i, w in enumerate(writes)
        ]
        # Only once the answers are committed; written later, apart from them (module docstring).
        for w in accepted:
            if w.participation_key not in self._recorded:
                self._participants[w.participation_key] = w.round_id
        return progress


async def _refusals(
    session: AsyncSession, writes: Sequence[AnswerWrite], rounds: dict[str, SurveyRound]
) -> dict[int, PeerPulseError]:
    """Why each refused write (by position) can't be stored; the rest are allowed."""
    # Both look-ups in one statement: a round trip less while every click of the batch waits.
    both = union_all(
        select(literal("optout").label("kind"), col(PulseOptOut.key).label("key")).where(
            col(PulseOptOut.key).in_({w.optout_key for w in writes})
        ),
        select(literal("invited").label("kind"), col(OutboxMessage.dedupe_key).label("key")).where(
            col(OutboxMessage.dedupe_key).in_({w.invitation_key for w in writes})
        ),
    ).subquery()
    found = await session.exec(select(both.c.kind, both.c.key))
    opted_out: set[str] = set()
    invited: set[str] = set()
    for kind, key in found:
        (opted_out if kind == "optout" else invited).add(key)
    refusals: dict[int, PeerPulseError] = {}
    for i, write in enumerate(writes):
        refusal = _refusal(write, rounds.get(write.round_id), opted_out=opted_out, invited=invited)
        if refusal is not None:
            refusals[i] = refusal
    return refusals


def _refusal(
    write: AnswerWrite, round_: SurveyRound | None, *, opted_out: set[str], invited: set[str]
) -> PeerPulseError | None:
    if write.optout_key in opted_out:
        return NotAllowed(
            N_("You've opted out of pulse surveys, so this answer wasn't recorded."), next_step="opt_in"
        )
    # Worded when shown (N_ and params): a batch holds many people's clicks, each in its own language.
    if round_ is None or round_.team_id != write.team_id:
        return InvalidInput(N_("This survey no longer exists."))
    if round_.closed_at is not None or write.now >= round_.closes_at:
        return RoundClosed(
            N_("This pulse closed on {day}; thank you all the same."), params={"day": round_.closes_at}
        )
    if write.question.id not in round_.question_ids:
        return InvalidInput(N_("That question isn't part of this round."))
    if write.invitation_key not in invited:
        return NotAllowed(N_("This survey wasn't sent to you, so the answer wasn't recorded."))
    return None


async def _first_deliveries(
    session: AsyncSession, writes: Sequence[AnswerWrite], refusals: dict[int, PeerPulseError]
) -> list[bool]:
    """Record the request keys of allowed writes; False for a write whose key was already recorded."""
    keyed = {w.request_key: w.now for i, w in enumerate(writes) if w.request_key and i not in refusals}
    new = set(
        await insert_new(
            session=session,
            model=ProcessedRequest,
            rows=[{"key": key, "seen_at": now} for key, now in keyed.items()],
            keys=["key"],
        )
    )
    # A key twice in one batch is a redelivery racing its original: the first one counts.
    fresh: list[bool] = []
    for write in writes:
        key = write.request_key
        fresh.append(not key or key in new)
        new.discard(key or "")
    return fresh


async def _store_answers(
    session: AsyncSession, writes: Sequence[AnswerWrite], rounds: dict[str, SurveyRound]
) -> None:
    """Upsert answers in one statement per batch; later clicks on the same question win."""
    latest: dict[tuple[str, str, str], AnswerWrite] = {}
    for write in writes:
        key = (write.round_id, write.question.id, write.ballot)
        latest.pop(key, None)  # re-inserted so the dict keeps the latest click's order
        latest[key] = write
    withdrawn = [w for w in latest.values() if w.question.kind == "text" and not w.text]
    kept = [w for w in latest.values() if not (w.question.kind == "text" and not w.text)]
    if withdrawn:
        # An emptied comment box withdraws the comment.
        await session.exec(
            delete(SurveyAnswer).where(
                tuple_(
                    col(SurveyAnswer.round_id), col(SurveyAnswer.question_id), col(SurveyAnswer.ballot)
                ).in_([(w.round_id, w.question.id, w.ballot) for w in withdrawn])
            )
        )
    if not kept:
        return
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = maker(SurveyAnswer.__table__)  # type: ignore[attr-defined]
    stmt = stmt.on_conflict_do_update(
        index_elements=["round_id", "question_id", "ballot"],
        # A decline replaces an answer and an answer a decline, like any changed answer.
        set_={"value": stmt.excluded.value, "text": stmt.excluded.text, "declined": stmt.excluded.declined},
    )
    rows: list[dict[str, Any]] = [
        {
            "id": random_id(),
            "round_id": w.round_id,
            "question_id": w.question.id,
            "construct_id": w.question.construct,
            # A decline carries no value or text, whatever the write held: it must never count as one.
            "value": None if w.declined else w.value,
            "text": None if w.declined else w.text,
            "declined": w.declined,
            # The round's date, never the click's: a day would tell time zones (and people) apart.
            "answered_on": rounds[w.round_id].opened_at.date(),
            "ballot": w.ballot,
        }
        for w in kept
    ]
    # One statement executed for many rows: compiled once and cached, unlike a VALUES list whose
    # length (and so whose SQL) changes with every batch.
    await session.exec(stmt, params=rows)


async def _answered(
    session: AsyncSession, writes: Sequence[AnswerWrite], rounds: dict[str, SurveyRound]
) -> dict[tuple[str, str], dict[str, int | None]]:
    """The questions each (round, ballot) of the batch has answered, with the stored values (DECLINED for a
    decline), as committed."""
    pairs = {(w.round_id, w.ballot) for w in writes}
    answered: dict[tuple[str, str], dict[str, int | None]] = defaultdict(dict)
    if not pairs:
        return answered
    round_ids = {round_id for round_id, _ in pairs}
    rows = await session.exec(
        select(
            SurveyAnswer.round_id,
            SurveyAnswer.ballot,
            SurveyAnswer.question_id,
            # A decline reads back as DECLINED in place of its (absent) value.
            case((col(SurveyAnswer.declined), literal(DECLINED)), else_=col(SurveyAnswer.value)),
        ).where(
            col(SurveyAnswer.round_id).in_(round_ids),
            # Naming the questions lets the (round, question, ballot) key seek each ballot's rows;
            # without them the ballots are filtered out of every answer of the round, a scan that
            # grew with the round (2.6 ms a batch at 7,000 answers on SQLite, with the loop idle).
            col(SurveyAnswer.question_id).in_({q for r in round_ids for q in rounds[r].question_ids}),
            col(SurveyAnswer.ballot).in_({ballot for _, ballot in pairs}),
        )
    )
    for round_id, ballot, question_id, value in rows:
        if ballot is not None:
            answered[(round_id, ballot)][question_id] = value
    return answered
