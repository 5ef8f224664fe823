"""The DM outbox: every message recorded before it is sent, sent once, paced, resumable."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.errors import DeliveryError
from bot.ports import Messenger, OutgoingMessage, Pacer
from storage.db import Database
from storage.models import OutboxMessage
from storage.queries import claim_due_outbox, insert_ignoring_duplicates, outbox_counts

log = logging.getLogger(__name__)

Renderer = Callable[[OutboxMessage], Awaitable[OutgoingMessage | None]]
# How many messages a view-model takes on the platform (its limits), asked when it is queued.
Splitter = Callable[[Any], int]
METADATA_EVENT = "peerpulse_outbox"
# Marks a row whose last attempt got no answer: Slack may hold the message already.
UNCONFIRMED = "unconfirmed: "
# Kinds whose row is erased once its job is done: a reminder that was sent or skipped says who
# had answered, and no later job needs it (docs/privacy.md).
# A "pulse closed" rewrite holds the (channel, ts) of one person's pulse DM until it is done.
ERASE_WHEN_DONE = frozenset({"pulse_reminder", "pulse_closed"})
# Unconfirmed rows being checked against Slack (paced at Tier 3) beside the normal sends, at most.
MAX_CHECKS = 64
# Kinds sent through a Tier 3 method (chat.update): like checks they run beside the batches, so a
# close's rewrite of every DM never holds up the next round's DMs, a digest or a reminder.
SIDE_LANE_KINDS = frozenset({"pulse_closed"})


@dataclass(frozen=True)
class Envelope:
    """A message to enqueue: who, what kind, when, and the key that makes it unique."""

    kind: str
    recipient: str
    dedupe_key: str
    send_at: datetime
    round_id: str | None = None
    payload: dict[str, Any] | None = None


@dataclass
class _Outcome:
    row_id: int
    status: str
    conversation: str | None = None
    ref: str | None = None
    error: str | None = None
    retry_at: datetime | None = None


class _Batch:
    """A claimed batch being sent: how many rows, and whether half its sends have returned."""

    def __init__(self, *, claimed: int, sends: int) -> None:
        self.claimed = claimed
        self.failed = False
        self._sends = sends
        self._left = sends
        self._half = asyncio.Event()
        if sends <= 1:
            self._half.set()
        self.task: asyncio.Task[None]

    def start(self, sending: Awaitable[None]) -> None:
        self.task = asyncio.ensure_future(sending)
        # A batch that fails early must not leave the loop waiting for a half that never comes.
        self.task.add_done_callback(lambda _task: self._half.set())

    def returned(self) -> None:
        """One send came back (sent, failed or deferred) and its outcome is recorded."""
        self._left -= 1
        if self._left * 2 <= self._sends:
            self._half.set()

    async def half_sent(self) -> None:
        """Wait until half of the batch's sends have returned (or the batch has ended)."""
        await self._half.wait()

    async def finished(self) -> None:
        """Wait for the whole batch; raise its first failure."""
        await self.task


class Outbox:
    """Durable, paced, exactly-once delivery of outgoing messages."""

    def __init__(
        self,
        db: Database,
        messenger: Messenger,
        *,
        pacer: Pacer,
        clock: Clock,
        renderers: Mapping[str, Renderer],
        concurrency: int = 8,
        batch_size: int = 50,
        max_attempts: int = 8,
    ) -> None:
        self.db = db
        self.messenger = messenger
        self.pacer = pacer
        self.clock = clock
        self.renderers = dict(renderers)
        self.splitters: dict[str, Splitter] = {}
        # Shared by the batches in flight: the next batch's sends queue behind this one's.
        self._gate = asyncio.Semaphore(concurrency)
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.wakeup = asyncio.Event()
        # DM channel ids Slack gave us, and lookups in flight, so one person costs one lookup at most.
        self._dm_channels: dict[str, str] = {}
        self._opening: dict[str, asyncio.Task[str]] = {}
        self._checks: dict[int, asyncio.Task[None]] = {}
        self._batches: set[_Batch] = set()
        # Outcomes waiting for the transaction that records them, and the task writing them.
        self._unrecorded: list[tuple[_Outcome, asyncio.Future[None]]] = []
        self._recording: asyncio.Task[None] | None = None
        # Set by run_forever's caller to step down: rows not yet handed to the platform stay unsent,
        # so a successor's reconciliation never races a send this process would still make.
        self._stop: asyncio.Event | None = None

    async def enqueue(self, envelopes: list[Envelope], *, session: AsyncSession | None = None) -> int:
        """Record messages to send (duplicates by dedupe key are ignored); return how many are new.

        Pass the caller's session to make the messages part of its transaction (all or nothing).
        """
        rows = [
            {
                "dedupe_key": e.dedupe_key,
                "kind": e.kind,
                "recipient": e.recipient,
                "round_id": e.round_id,
                "payload": e.payload,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": e.send_at,
            }
            for e in envelopes
        ]
        if session is not None:
            return await insert_ignoring_duplicates(
                session=session, model=OutboxMessage, rows=rows, keys=["dedupe_key"]
            )
        async with self.db.session() as own:
            new = await insert_ignoring_duplicates(
                session=own, model=OutboxMessage, rows=rows, keys=["dedupe_key"]
            )
        self.wakeup.set()
        return new

    def messages_for(self, view: Any) -> int:
        """How many messages the platform needs for a view-model (one unless its splitter says more)."""
        splitter = self.splitters.get(str(view.kind))
        return splitter(view) if splitter is not None else 1

    async def reconcile(self) -> int:
        """After a crash, put messages left 'sending' back in the queue, marked unconfirmed."""
        # Nothing is asked of Slack here, so this cannot fail on a bad row nor hold up leadership, and
        # costs nothing per row: each unconfirmed row is checked against Slack's history (paced, Tier 3)
        # when its turn to be sent comes, and is sent again only if Slack does not have it.
        async with self.db.session() as session:
            result = await session.exec(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.status) == "sending", col(OutboxMessage.id).not_in(list(self._checks))
                )
                .values(status="pending", last_error=UNCONFIRMED + "in flight when the sender stopped")
            )
        settled = int(getattr(result, "rowcount", 0) or 0)
        if settled:
            log.info(
                "outbox: %d message(s) were in flight; each is checked with the platform before resending"
                " (a platform that keeps no history to check sends it again)",
                settled,
            )
            self.wakeup.set()
        return settled

    async def run_once(self) -> int:
        """Send one batch of due messages; return how many were attempted."""
        batch = await self._start_batch()
        if batch is None:
            return 0
        await batch.finished()
        return batch.claimed

    async def _start_batch(self) -> _Batch | None:
        """Claim a batch of due messages and start sending it; None when nothing is due."""
        # Unconfirmed rows (in flight at a crash) need a Tier 3 history read each before they may be
        # sent again; they are checked beside the batch, so a few of them never hold up a fan-out.
        now = self.clock.now()
        room = MAX_CHECKS - len(self._checks)
        async with self.db.session() as session:
            rows = await claim_due_outbox(
                session=session, now=now, limit=self.batch_size, exclude_kinds=SIDE_LANE_KINDS
            )
            if room > 0:
                rows += await claim_due_outbox(session=session, now=now, limit=room, kinds=SIDE_LANE_KINDS)
        if not rows:
            return None
        rest: list[OutboxMessage] = []
        for row in rows:
            if row.kind in SIDE_LANE_KINDS or (_unconfirmed(row) and len(self._checks) < MAX_CHECKS):
                self._start_check(row)
            else:
                rest.append(row)
        batch = _Batch(claimed=len(rows), sends=len(rest))
        batch.start(self._send_all(rest, batch))
        self._batches.add(batch)
        batch.task.add_done_callback(lambda _task: self._batches.discard(batch))
        return batch

    async def _send_all(self, rows: list[OutboxMessage], batch: _Batch) -> None:
        async def attempt(row: OutboxMessage) -> None:
            try:
                async with self._gate:
                    outcome = self._not_sent(row) if self._stopping() else await self._deliver(row)
                # Recorded as each send returns, not when the batch does: a crash then leaves only
                # the sends really on the wire unconfirmed (on Teams, with no history to look in,
                # those are the only ones sent again).
                await self._record_soon(outcome)
            except Exception:
                # The next batch waits: sending more while outcomes cannot be recorded would only
                # leave more rows for the platform's history (or, on Teams, for a second send).
                batch.failed = True
                raise
            finally:
                batch.returned()

        if rows:
            # Every send of the batch ends before a failure is raised: a pass that fails must not
            # leave sends running behind the reconciliation that follows it.
            results = await asyncio.gather(*(attempt(r) for r in rows), return_exceptions=True)
            failed = [e for e in results if isinstance(e, Exception)]
            if failed:
                raise failed[0]

    async def _record_soon(self, outcome: _Outcome) -> None:
        """Record an outcome in the next transaction, with every other that returned meanwhile."""
        # One commit per send held SQLite to ~70 sends a second (each commit waits for the writer);
        # one per group keeps "recorded as soon as it returns" at any rate.
        done = asyncio.get_running_loop().create_future()
        self._unrecorded.append((outcome, done))
        if self._recording is None or self._recording.done():
            self._recording = asyncio.ensure_future(self._write_outcomes())
        await done

    async def _write_outcomes(self) -> None:
        while self._unrecorded:
            group, self._unrecorded = self._unrecorded, []
            try:
                await self._record([outcome for outcome, _ in group])
            except Exception as exc:
                for _, done in group:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in group:
                    if not done.done():
                        done.set_result(None)

    def _stopping(self) -> bool:
        """Whether this process was told to stop sending (stepped down, or shutting down)."""
        return self._stop is not None and self._stop.is_set()

    def _not_sent(self, row: OutboxMessage) -> _Outcome:
        """A row claimed but never handed to the platform: due again, for whoever leads next."""
        assert row.id is not None
        # Its mark (unconfirmed or not) is kept as it was: this pass added no uncertainty.
        return _Outcome(row.id, "pending", error=row.last_error)

    async def settle(self) -> None:
        """Wait for the unconfirmed rows being checked beside the batches."""
        while self._checks:
            await asyncio.gather(*self._checks.values(), return_exceptions=True)

    def _start_check(self, row: OutboxMessage) -> None:
        assert row.id is not None
        row_id = row.id
        task = asyncio.create_task(self._check_then_send(row))
        self._checks[row_id] = task
        task.add_done_callback(lambda _task: self._checks.pop(row_id, None))

    async def _check_then_send(self, row: OutboxMessage) -> None:
        try:
            outcome = await self._deliver(row)
        except Exception as exc:
            # _deliver answers every Slack failure itself; this is a bug or a database blip.
            log.exception("outbox message %s: check failed", row.id)
            outcome = self._failure(row, DeliveryError(f"check failed: {type(exc).__name__}", retryable=True))
        for attempt in range(3):
            try:
                await self._record([outcome])
            except Exception as exc:
                log.warning("outbox message %s: recording failed (%s); retrying", row.id, type(exc).__name__)
                await asyncio.sleep(1.0 + attempt)
            else:
                self.wakeup.set()
                return
        # Left 'sending': the next leader's reconciliation marks it unconfirmed and checks it again.
        log.error(
            "outbox message %s: could not record the outcome; it is checked again at next start", row.id
        )

    async def _stop_checks(self) -> None:
        tasks = [*self._checks.values(), *(b.task for b in self._batches)]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def run_forever(self, stop: asyncio.Event, *, idle_poll: float = 1.0) -> None:
        """Deliver until told to stop; survive every delivery and storage error."""
        self._stop = stop
        try:
            await self._run(stop, idle_poll=idle_poll)
        finally:
            # A deposed leader must not keep posting; rows it was checking stay 'sending' and are
            # checked again by the next leader.
            await self._stop_checks()

    async def _run(self, stop: asyncio.Event, *, idle_poll: float) -> None:
        failures = 0
        # The batch being sent. The next is claimed once half of it has been sent, so its rows are
        # rendered and queued at the pacer before the last send of this one: a fan-out never pauses
        # between batches, and at a crash at most a batch and a half is left unconfirmed.
        current: _Batch | None = None
        while not stop.is_set():
            claimed = 0
            # Cleared before the claim: a message queued while this pass runs wakes the next at once.
            self.wakeup.clear()
            try:
                if failures:
                    # The failed pass may have posted messages it could not record as sent; they
                    # are still 'sending', and only the platform's history can say which went out.
                    await self.reconcile()
                previous, current = current, await self._start_batch()
                if previous is not None:
                    await previous.finished()
                if current is not None:
                    claimed = current.claimed
                    await current.half_sent()
                    if current.failed:
                        await current.finished()  # raises its failure: no next batch meanwhile
                failures = 0
            except Exception as exc:
                # Every send in flight ends before the reconciliation the next pass begins with.
                await self._batches_ended()
                current = None
                # The worker must outlive a database blip; the next pass retries the same rows.
                failures += 1
                log.exception(
                    "outbox pass failed (%d in a row, %s); retrying shortly", failures, type(exc).__name__
                )
                with contextlib.suppress(TimeoutError):
                    # Backing off, but a step-down must not wait for the back-off to end.
                    await asyncio.wait_for(
                        stop.wait(), timeout=min(30.0, idle_poll * 2 ** min(failures - 1, 6))
                    )
                continue
            if claimed == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), timeout=idle_poll)
        # Told to stop: the batch being sent finishes (a second or two) and is recorded. Cancelled
        # instead, run_forever cancels it: a deposed leader must not keep posting.
        await self._batches_ended()

    async def _batches_ended(self) -> None:
        """Wait for every batch in flight to end, logging a failure rather than raising it."""
        while self._batches:
            for outcome in await asyncio.gather(*(b.task for b in self._batches), return_exceptions=True):
                if isinstance(outcome, Exception):
                    log.warning("outbox batch ended with %s", type(outcome).__name__)

    async def backlog(self) -> dict[str, int]:
        """Counts of messages by status."""
        async with self.db.session() as session:
            return await outbox_counts(session=session)

    async def _deliver(self, row: OutboxMessage) -> _Outcome:
        assert row.id is not None
        if _unconfirmed(row):
            try:
                earlier = await self._find_earlier_post(row)
            except DeliveryError as exc:
                if not exc.retryable:
                    # Slack refuses to show the conversation (gone, or we were removed), so it would
                    # refuse the message too: parked with the reason, not checked until attempts run out.
                    log.error("outbox message %s: cannot check Slack for an earlier attempt: %s", row.id, exc)
                    return _Outcome(
                        row.id, "failed", error=f"cannot check Slack for an earlier attempt: {exc}"
                    )
                log.warning("outbox message %s: cannot check Slack for an earlier attempt: %s", row.id, exc)
                return self._failure(row, _cannot_check(str(exc)))
            except Exception as exc:
                # Without knowing, posting again could message the person twice; wait and look again.
                log.warning(
                    "outbox message %s: cannot check Slack for an earlier attempt", row.id, exc_info=True
                )
                return self._failure(row, _cannot_check(type(exc).__name__))
            if earlier is not None:
                log.info("outbox message %s had reached Slack after all; not sending it again", row.id)
                return earlier
        renderer = self.renderers.get(row.kind)
        if renderer is None:
            return _Outcome(row.id, "failed", error=f"no renderer for kind {row.kind!r}")
        try:
            message = await renderer(row)
        except Exception as exc:
            # A rendering failure (often a database blip) must not strand the row in 'sending'.
            log.exception("rendering outbox message %s failed", row.id)
            return self._failure(row, DeliveryError(f"render failed: {type(exc).__name__}", retryable=True))
        if message is None:
            return _Outcome(row.id, "skipped")
        target = row.conversation or row.recipient
        if message.replaces is not None:
            # Rewriting an earlier message is idempotent: an unanswered attempt is simply repeated.
            if not getattr(self.messenger, "paced", False):
                await self.pacer.wait(target)
            try:
                updated = await self.messenger.update(target, message.replaces, message)
            except DeliveryError as exc:
                return self._failure(row, exc)
            return _Outcome(row.id, "sent", conversation=updated.conversation, ref=updated.ref)
        if message.file is not None:
            # The messenger marks the file with the row's id, so a check after a crash can find it.
            try:
                await self.messenger.upload_file(target, message.file, comment=message.text, outbox_id=row.id)
            except DeliveryError as exc:
                return self._failure(row, exc)
            return _Outcome(row.id, "sent", conversation=target)
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": row.id}}
        message = OutgoingMessage(
            text=message.text, blocks=message.blocks, metadata=metadata, view=message.view
        )
        if not getattr(self.messenger, "paced", False):
            await self.pacer.wait(target)
            if self._stopping():
                return self._not_sent(row)
        try:
            posted = await self.messenger.post(target, message)
        except DeliveryError as exc:
            return self._failure(row, exc)
        if posted.conversation != row.recipient:
            # Addressed to a person, it landed in their direct conversation: remember which.
            self._remember_dm(row.recipient, posted.conversation)
        return _Outcome(row.id, "sent", conversation=posted.conversation, ref=posted.ref)

    async def _find_earlier_post(self, row: OutboxMessage) -> _Outcome | None:
        """The earlier post of this row, if an unanswered attempt did reach Slack."""
        assert row.id is not None
        channel = row.conversation or await self._channel_of(row.recipient)
        since = self.clock.now() - timedelta(hours=1)
        ts = await self.messenger.find_posted(channel, since=since, outbox_id=row.id)
        return _Outcome(row.id, "sent", conversation=channel, ref=ts) if ts is not None else None

    async def _channel_of(self, recipient: str) -> str:
        """The conversation a recipient's messages land in, asking Slack only when nothing knows."""
        if not self.messenger.is_person(recipient):
            # Already a conversation (a channel post: the digest, announcements).
            return recipient
        if recipient in self._dm_channels:
            return self._dm_channels[recipient]
        lookup = self._opening.get(recipient)
        if lookup is None:
            lookup = self._opening[recipient] = asyncio.ensure_future(self._look_up_dm(recipient))
            lookup.add_done_callback(lambda _: self._opening.pop(recipient, None))
        return await asyncio.shield(lookup)

    async def _look_up_dm(self, recipient: str) -> str:
        async with self.db.session() as session:
            known = (
                await session.exec(
                    select(OutboxMessage.conversation)
                    .where(
                        col(OutboxMessage.recipient) == recipient,
                        col(OutboxMessage.conversation).is_not(None),
                    )
                    .limit(1)
                )
            ).first()
        # Every earlier DM to this person stored Slack's channel id; only a first one needs a lookup.
        channel = known or await self.messenger.open_dm(recipient)
        self._remember_dm(recipient, channel)
        return channel

    def _remember_dm(self, recipient: str, channel: str) -> None:
        if len(self._dm_channels) >= 50_000:
            self._dm_channels.clear()  # a cache, not a record: the database still knows
        self._dm_channels[recipient] = channel

    def _failure(self, row: OutboxMessage, exc: DeliveryError) -> _Outcome:
        assert row.id is not None
        now = self.clock.now()
        attempts = row.attempts + 1
        error = UNCONFIRMED + str(exc) if exc.uncertain else str(exc)
        if exc.retry_after is not None:
            self.pacer.pause(exc.retry_after)
            log.warning("slack rate-limited the outbox; pausing %.1fs", exc.retry_after)
            return _Outcome(
                row.id, "pending", error=str(exc), retry_at=now + timedelta(seconds=exc.retry_after)
            )
        if not exc.retryable or attempts >= self.max_attempts:
            log.error("outbox message %s failed for good after %d attempt(s): %s", row.id, attempts, error)
            return _Outcome(row.id, "failed", error=error)
        # Exponential backoff with full jitter keeps retries from stampeding a recovering Slack.
        backoff = min(300.0, 2.0**attempts) * random.uniform(0.5, 1.0)
        log.warning("outbox message %s failed (%s); retry %d in %.1fs", row.id, error, attempts, backoff)
        return _Outcome(row.id, "pending", error=error, retry_at=now + timedelta(seconds=backoff))

    async def _record(self, outcomes: list[_Outcome]) -> None:
        now = self.clock.now()
        async with self.db.session() as session:
            for o in outcomes:
                values: dict[str, Any] = {
                    "status": o.status,
                    "last_error": (o.error or None) and o.error[:300],
                }
                if o.status == "sent":
                    values.update(conversation=o.conversation, message_ref=o.ref, sent_at=now)
                if o.retry_at is not None:
                    values.update(next_attempt_at=o.retry_at, attempts=OutboxMessage.attempts + 1)
                await session.exec(
                    update(OutboxMessage).where(col(OutboxMessage.id) == o.row_id).values(**values)
                )
            done = [o.row_id for o in outcomes if o.status in ("sent", "skipped", "failed")]
            if done:
                await session.exec(
                    delete(OutboxMessage).where(
                        col(OutboxMessage.id).in_(done), col(OutboxMessage.kind).in_(ERASE_WHEN_DONE)
                    )
                )


def _cannot_check(why: str) -> DeliveryError:
    """An unconfirmed row waits to be checked again: posting it unchecked could send it twice."""
    return DeliveryError(f"cannot check Slack: {why}", retryable=True, uncertain=True)


def _unconfirmed(row: OutboxMessage) -> bool:
    return bool(row.last_error and row.last_error.startswith(UNCONFIRMED))
