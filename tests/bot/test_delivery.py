"""The DM outbox against the fake Slack and a real database: pacing, retries, exactly-once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import update
from sqlmodel import select

from bot.clock import ManualClock
from bot.delivery import Envelope, Outbox
from bot.ports import OutgoingMessage
from handlers.slack.adapter import SlackMessenger
from handlers.slack.pacing import PacedWebClient, Pacer
from handlers.slack.simulation.slack_api import DEFAULT_TOKEN, FakeSlack
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, SUPPORTERS_CHANNEL_ID, Workspace
from storage.db import Database, migrate
from storage.models import OutboxMessage
from tests.support import eventually


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated database."""
    await asyncio.to_thread(migrate, database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


def _outbox(db: Database, slack: FakeSlack, clock: ManualClock, *, rate: float = 200.0) -> Outbox:
    client = AsyncWebClient(token=DEFAULT_TOKEN, base_url=slack.url, retry_handlers=[])

    async def render(row: OutboxMessage) -> OutgoingMessage:
        return OutgoingMessage(text=f"hello {row.recipient}")

    return Outbox(db, SlackMessenger(client), pacer=Pacer(rate), clock=clock, renderers={"text": render})


def _envelopes(users: list[str], clock: ManualClock, *, prefix: str = "m") -> list[Envelope]:
    return [Envelope("text", u, f"{prefix}:{u}", clock.now()) for u in users]


async def _drain(outbox: Outbox, *, passes: int = 200) -> None:
    for _ in range(passes):
        if await outbox.run_once() == 0:
            counts = await outbox.backlog()
            if not counts.get("pending") and not counts.get("sending"):
                return
            await asyncio.sleep(0.05)
    raise AssertionError(f"outbox did not drain: {await outbox.backlog()}")


async def _statuses(db: Database) -> dict[str, str]:
    async with db.session() as session:
        return {r.recipient: r.status for r in await session.exec(select(OutboxMessage))}


def _humans(workspace: Workspace) -> list[str]:
    return [u.id for u in workspace.active_humans()]


async def test_each_recipient_gets_exactly_one_message_even_when_enqueued_twice(
    db: Database, slack: FakeSlack, clock: ManualClock, workspace: Workspace
) -> None:
    outbox = _outbox(db, slack, clock)
    users = _humans(workspace)[:12]
    assert await outbox.enqueue(_envelopes(users, clock)) == 12
    assert await outbox.enqueue(_envelopes(users, clock)) == 0
    await _drain(outbox)
    assert all(len(slack.dm_messages(u)) == 1 for u in users)
    assert set((await _statuses(db)).values()) == {"sent"}


async def test_messages_wait_for_their_send_time(
    db: Database, slack: FakeSlack, clock: ManualClock, workspace: Workspace
) -> None:
    outbox = _outbox(db, slack, clock)
    user = _humans(workspace)[0]
    await outbox.enqueue([Envelope("text", user, "later", clock.now() + timedelta(hours=3))])
    assert await outbox.run_once() == 0
    assert slack.dm_messages(user) == []
    clock.advance(timedelta(hours=3))
    await _drain(outbox)
    assert len(slack.dm_messages(user)) == 1


async def test_rate_limited_sends_honour_retry_after_and_complete(
    db: Database, slack: FakeSlack, clock: ManualClock, workspace: Workspace
) -> None:
    outbox = _outbox(db, slack, clock)
    users = _humans(workspace)[:6]
    slack.fail("chat.postMessage", status=429, retry_after=1, times=2)
    await outbox.enqueue(_envelopes(users, clock))
    await outbox.run_once()
    # The two refused rows were rescheduled after Retry-After, not dropped.
    clock.advance(timedelta(seconds=2))
    await _drain(outbox)
    assert all(len(slack.dm_messages(u)) == 1 for u in users)
    posts = slack.calls_to("chat.postMessage")
    refused = [c for c in posts if c.status == 429]
    assert len(refused) == 2
    # The refused messages went out again only after Retry-After, and nothing was sent twice.
    accepted = [c for c in posts if c.status == 200]
    assert len(accepted) == len(users)
    retried = sorted(accepted, key=lambda c: c.at)[-2:]
    assert all(c.at - refused[-1].at >= 0.9 for c in retried)


async def test_server_errors_are_retried_with_backoff(
    db: Database, slack: FakeSlack, clock: ManualClock, workspace: Workspace
) -> None:
    outbox = _outbox(db, slack, clock)
    user = _humans(workspace)[0]
    slack.fail("chat.postMessage", status=503, times=2)
    await outbox.enqueue(_envelopes([user], clock))
    for _ in range(3):
        await outbox.run_once()
        clock.advance(timedelta(minutes=10))
    assert len(slack.dm_messages(user)) == 1
    async with db.session() as session:
        row = (await session.exec(select(OutboxMessage))).one()
    assert (row.status, row.attempts) == ("sent", 2)


async def test_permanent_errors_fail_visibly_without_retrying(
    db: Database, slack: FakeSlack, clock: ManualClock, workspace: Workspace
) -> None:
    outbox = _outbox(db, slack, clock)
    user = _humans(workspace)[0]
    slack.fail("chat.postMessage", error="channel_not_found")
    await outbox.enqueue(_envelopes([user], clock))
    await outbox.run_once()
    clock.advance(timedelta(hours=1))
    assert await outbox.run_once() == 0
    assert (await outbox.backlog()) == {"failed": 1}
    async with db.session() as session:
        row = (await session.exec(select(OutboxMessage))).one()
    assert row.last_error is not None and "channel_not_found" in row.last_error


async def test_a_crash_after_posting_is_reconciled_from_slack_without_a_second_message(
    db: Database, slack: FakeSlack, clock: ManualClock, workspace: Workspace
) -> None:
    outbox = _outbox(db, slack, clock)
    posted_user, unposted_user = _humans(workspace)[:2]
    await outbox.enqueue(_envelopes([posted_user, unposted_user], clock))
    # Simulate the crash window: both rows claimed, one really posted, neither marked sent.
    async with db.session() as session:
        rows = {r.recipient: r for r in await session.exec(select(OutboxMessage))}
        await session.exec(update(OutboxMessage).values(status="sending", claimed_at=clock.now()))
    row = rows[posted_user]
    assert row.id is not None
    metadata = {"event_type": "peerpulse_outbox", "event_payload": {"outbox_id": row.id}}
    await outbox.messenger.post(posted_user, OutgoingMessage(text="hello", metadata=metadata))

    restarted = _outbox(db, slack, clock)
    assert await restarted.reconcile() == 2
    await _drain(restarted)
    assert len(slack.dm_messages(posted_user)) == 1
    assert len(slack.dm_messages(unposted_user)) == 1
    assert set((await _statuses(db)).values()) == {"sent"}


async def test_per_channel_pacing_keeps_slack_from_refusing(
    db: Database, slack: FakeSlack, clock: ManualClock, workspace: Workspace
) -> None:
    outbox = _outbox(db, slack, clock)
    user = _humans(workspace)[0]
    await outbox.enqueue([Envelope("text", user, f"n{i}", clock.now()) for i in range(3)])
    await _drain(outbox)
    assert len(slack.dm_messages(user)) == 3
    assert slack.ratelimited_count == 0


def _paced_outbox(db: Database, slack: FakeSlack, clock: ManualClock, *, tier_scale: float = 1.0) -> Outbox:
    """An outbox whose client goes through one pacer, as in the app."""
    pacer = Pacer(200.0, tier_scale=tier_scale)
    client = PacedWebClient(token=DEFAULT_TOKEN, base_url=slack.url, retry_handlers=[], pacer=pacer)

    async def render(row: OutboxMessage) -> OutgoingMessage:
        return OutgoingMessage(text=f"hello {row.recipient}")

    return Outbox(db, SlackMessenger(client), pacer=pacer, clock=clock, renderers={"text": render})


async def _strand(db: Database, clock: ManualClock) -> None:
    """The crash window: every row claimed, none marked sent."""
    async with db.session() as session:
        await session.exec(update(OutboxMessage).values(status="sending", claimed_at=clock.now()))


async def test_a_channel_post_left_sending_is_reconciled_from_that_channels_history(
    db: Database, slack: FakeSlack, clock: ManualClock
) -> None:
    # Issue 13: reconciliation used to call conversations.open with the channel id and fail forever.
    outbox = _paced_outbox(db, slack, clock)
    await outbox.enqueue(
        [
            Envelope("text", COORDINATOR_CHANNEL_ID, "digest:posted", clock.now()),
            Envelope("text", SUPPORTERS_CHANNEL_ID, "digest:unposted", clock.now()),
        ]
    )
    await _strand(db, clock)
    async with db.session() as session:
        posted = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == "digest:posted"))
        ).one()
    metadata = {"event_type": "peerpulse_outbox", "event_payload": {"outbox_id": posted.id}}
    await outbox.messenger.post(COORDINATOR_CHANNEL_ID, OutgoingMessage(text="digest", metadata=metadata))
    slack.reset_calls()

    restarted = _paced_outbox(db, slack, clock)
    assert await restarted.reconcile() == 2
    assert slack.calls == []  # settling costs no Slack call: leadership never waits on Slack
    await _drain(restarted)
    assert [m.text for m in slack.messages(COORDINATOR_CHANNEL_ID)] == ["digest"]
    assert len(slack.messages(SUPPORTERS_CHANNEL_ID)) == 1
    assert slack.calls_to("conversations.open") == []
    assert set((await _statuses(db)).values()) == {"sent"}


async def test_one_row_that_cannot_be_checked_is_parked_with_a_reason_and_the_rest_go_on(
    db: Database, slack: FakeSlack, clock: ManualClock, workspace: Workspace
) -> None:
    outbox = _paced_outbox(db, slack, clock)
    users = _humans(workspace)[:3]
    await outbox.enqueue([*_envelopes(users, clock), Envelope("text", "C0GONE00000", "gone", clock.now())])
    await _strand(db, clock)
    restarted = _paced_outbox(db, slack, clock)
    assert await restarted.reconcile() == 4
    # One pass: Slack refusing to show the channel (channel_not_found) parks the row at once, rather
    # than checking again until its attempts run out (minutes of back-off).
    await restarted.run_once()
    await restarted.settle()  # unconfirmed rows are checked beside the batch
    assert all(len(slack.dm_messages(u)) == 1 for u in users)
    async with db.session() as session:
        gone = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.recipient == "C0GONE00000"))
        ).one()
    assert gone.status == "failed"
    assert gone.last_error == "cannot check Slack for an earlier attempt: Slack refused: channel_not_found"


async def test_ten_thousand_rows_in_flight_are_reconciled_within_tier_3(
    db: Database, slack: FakeSlack, clock: ManualClock
) -> None:
    # Slack's limits at 20x speed on both sides (the fake and the pacer), so Tier 3 is 1,000/min.
    scaled = FakeSlack(slack.workspace, workspace_rate=200.0, tier_scale=20.0).start()
    try:
        outbox = _paced_outbox(db, scaled, clock, tier_scale=20.0)
        humans = _humans(scaled.workspace)
        recipients = [humans[n % len(humans)] for n in range(10_000)]
        await outbox.enqueue([Envelope("text", r, f"k{n}", clock.now()) for n, r in enumerate(recipients)])
        await _strand(db, clock)
        started = time.monotonic()
        assert await outbox.reconcile() == 10_000
        assert time.monotonic() - started < 5  # one statement, not 10,000 Slack round trips
        assert scaled.calls == []
        # Each tick claims one bounded batch; its checks go at the pace of Tier 3, never beyond.
        for _ in range(3):
            assert await outbox.run_once() == outbox.batch_size
        await outbox.settle()
        assert scaled.ratelimited_count == 0
        checks = scaled.calls_to("conversations.history")
        assert len(checks) == 3 * outbox.batch_size
        # Each person's DM channel was looked up once at most, then remembered in the outbox.
        assert len(scaled.calls_to("conversations.open")) <= len(humans)
    finally:
        scaled.stop()


async def test_the_next_batch_is_rendered_while_the_last_one_is_still_sending(
    db: Database, slack: FakeSlack, clock: ManualClock, workspace: Workspace
) -> None:
    """A fan-out never pauses between batches: the next is claimed once half of the last has gone."""
    users = _humans(workspace)[:20]
    await_release = asyncio.Event()
    rendered: list[int] = []
    client = AsyncWebClient(token=DEFAULT_TOKEN, base_url=slack.url, retry_handlers=[])
    outbox = Outbox(
        db,
        SlackMessenger(client),
        pacer=Pacer(1000.0),
        clock=clock,
        renderers={},
        concurrency=10,
        batch_size=10,
    )
    await outbox.enqueue(_envelopes(users, clock))
    async with db.session() as session:
        ids = sorted(r.id for r in await session.exec(select(OutboxMessage)) if r.id is not None)
    held, second_batch = set(ids[5:10]), set(ids[10:20])

    async def render(row: OutboxMessage) -> OutgoingMessage:
        assert row.id is not None
        rendered.append(row.id)
        if row.id in held:
            await await_release.wait()  # the first batch's second half is still on its way
        return OutgoingMessage(text=f"hello {row.recipient}")

    outbox.renderers["text"] = render
    stop = asyncio.Event()
    worker = asyncio.create_task(outbox.run_forever(stop, idle_poll=0.05))
    # Half of the first batch has gone and the rest is held: only a pipelined outbox gets further.
    await eventually(lambda: second_batch & set(rendered), timeout=10)
    await_release.set()
    await eventually(lambda: sum(len(slack.dm_messages(u)) for u in users) >= len(users), timeout=30)
    stop.set()
    await worker
    assert all(len(slack.dm_messages(u)) == 1 for u in users)
    assert set((await _statuses(db)).values()) == {"sent"}


async def test_told_to_stop_it_sends_nothing_more_and_leaves_the_rest_due_for_the_next_leader(
    db: Database, slack: FakeSlack, clock: ManualClock, workspace: Workspace
) -> None:
    """A deposed leader's queued rows are not posted behind its successor's back, nor marked uncertain."""
    users = _humans(workspace)[:20]
    client = AsyncWebClient(token=DEFAULT_TOKEN, base_url=slack.url, retry_handlers=[])

    async def render(row: OutboxMessage) -> OutgoingMessage:
        return OutgoingMessage(text=f"hello {row.recipient}")

    def delivered() -> int:
        return sum(len(slack.dm_messages(u)) for u in users)

    # 4 a second after a one-second burst: most of the batch is still queued at the pacer when stopped.
    outbox = Outbox(
        db,
        SlackMessenger(client),
        pacer=Pacer(4.0),
        clock=clock,
        renderers={"text": render},
        concurrency=2,
        batch_size=10,
    )
    await outbox.enqueue(_envelopes(users, clock))
    stop = asyncio.Event()
    worker = asyncio.create_task(outbox.run_forever(stop, idle_poll=0.05))
    await eventually(lambda: delivered() >= 5, timeout=30)
    stop.set()
    at_stop = delivered()
    await asyncio.wait_for(worker, timeout=30)
    sent_by_the_first = delivered()
    # At most the two sends already past the gate finish; the rest of the batch is not posted.
    assert sent_by_the_first <= at_stop + 2
    async with db.session() as session:
        rows = list(await session.exec(select(OutboxMessage)))
    left = [r for r in rows if r.status != "sent"]
    assert len(left) == len(users) - sent_by_the_first
    # Never handed to Slack, so nothing about them is uncertain: due now, not waiting on a history check.
    assert all(r.status == "pending" and not (r.last_error or "") for r in left)

    successor = _outbox(db, slack, clock)
    assert await successor.reconcile() == 0
    await _drain(successor)
    assert all(len(slack.dm_messages(u)) == 1 for u in users)
