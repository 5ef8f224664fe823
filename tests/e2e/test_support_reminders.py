"""Peer-support reminders driven by a controlled clock: follow-ups, snoozes and lapsed training, each sent once."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select

from bot import jobs
from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.support import FOLLOW_UP_KIND, TRAINING_KIND
from handlers.slack.blocks.peer_log import DELETE_ACTION, FOLLOW_UP_DONE_ACTION, FOLLOW_UP_SNOOZE_ACTION
from handlers.slack.simulation.people import People
from handlers.slack.simulation.people_support import (
    local_today,
    open_modal,
    session_state,
    submit,
    training_form_state,
)
from handlers.slack.simulation.signing import block_actions
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import Workspace
from storage.models import OutboxMessage
from storage.support_models import SupportFollowUp, SupportSession
from tests.support import eventually


def _monday_after(moment: datetime) -> datetime:
    """00:00 UTC on the next Monday, when the weekly training job fires."""
    day = moment.astimezone(UTC).date() + timedelta(days=1)
    day += timedelta(days=(7 - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


async def _settle(runtime: Runtime, clock: ManualClock) -> None:
    """Wait until the outbox has sent (or skipped) everything due by the controlled clock."""

    async def due(until: datetime) -> list[datetime]:
        async with runtime.db.session() as session:
            return list(
                await session.exec(
                    select(OutboxMessage.next_attempt_at).where(
                        col(OutboxMessage.status).in_(["pending", "sending"]),
                        col(OutboxMessage.next_attempt_at) <= until,
                    )
                )
            )

    while True:
        runtime.services.outbox.wakeup.set()
        await eventually(lambda: _empty(due(clock.now())))
        # Slack's 1-message-per-second limit can put a DM back by a second or two; on a manual
        # clock that second only passes when the test moves time, so move it.
        retries = await due(clock.now() + timedelta(minutes=1))
        if not retries:
            return
        clock.set(max(retries))


async def _empty(rows: Awaitable[list[datetime]]) -> bool:
    return not await rows


async def _day_by_day(runtime: Runtime, clock: ManualClock, days: int) -> None:
    """Let days pass with the daily follow-up job running each one."""
    for _ in range(days):
        clock.advance(timedelta(days=1))
        await jobs.remind_follow_ups()
        await _settle(runtime, clock)


def _posted(slack: FakeSlack, user_id: str, starts: str) -> list[str]:
    return [
        str(c.args.get("text"))
        for c in slack.calls_to("chat.postMessage")
        if c.args.get("channel") == user_id
        and c.error is None
        and str(c.args.get("text", "")).startswith(starts)
    ]


def _follow_up_dm(slack: FakeSlack, user_id: str) -> Message:
    return next(
        m
        for m in reversed(slack.dm_messages(user_id))
        if any(
            e.get("action_id") == FOLLOW_UP_SNOOZE_ACTION
            for b in m.blocks or []
            for e in b.get("elements", [])
        )
    )


async def _click(people: People, user_id: str, message: Message, action_id: str) -> None:
    value = next(
        e["value"]
        for b in message.blocks or []
        for e in b.get("elements", [])
        if e.get("action_id") == action_id
    )
    status, _ = await people.post(
        block_actions(
            user_id=user_id,
            action_id=action_id,
            value=value,
            channel_id=message.channel,
            message_ts=message.ts,
        )
    )
    assert status == 200


async def _follow_up(runtime: Runtime) -> SupportFollowUp:
    async with runtime.db.session() as session:
        [row] = list(await session.exec(select(SupportFollowUp)))
    return row


async def test_follow_up_reminder_is_sent_once_and_snooze_moves_it_a_week(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    clock.set(_monday_after(clock.now()))
    supporter = workspace.supporters()[0]
    today = local_today(workspace, supporter, clock.now())
    due = today + timedelta(days=3)
    view = await open_modal(people, slack, supporter)
    assert await submit(people, supporter, view, session_state(on=today, follow_up_on=due)) == (200, "")

    await jobs.remind_follow_ups()
    await _settle(runtime, clock)
    assert _posted(slack, supporter, "Follow-up due") == []

    # Four days on, the reminder has gone out on its date, once, however often the job ran.
    await _day_by_day(runtime, clock, 4)
    await jobs.remind_follow_ups()
    await _settle(runtime, clock)
    assert len(_posted(slack, supporter, "Follow-up due")) == 1
    reminder = _follow_up_dm(slack, supporter)
    assert f"{today:%a %d %b}" in reminder.text

    await _click(people, supporter, reminder, FOLLOW_UP_SNOOZE_ACTION)
    snoozed_to = max(due, local_today(workspace, supporter, clock.now())) + timedelta(days=7)
    await eventually(lambda: "Snoozed" in _current(slack, reminder).text)
    assert (await _follow_up(runtime)).due_on == snoozed_to
    assert f"{snoozed_to:%a %d %b}" in _current(slack, reminder).text
    # A second click on the same reminder does not push it another week.
    await _click(people, supporter, reminder, FOLLOW_UP_SNOOZE_ACTION)
    await eventually(lambda: "Already snoozed" in _current(slack, reminder).text)
    assert (await _follow_up(runtime)).due_on == snoozed_to

    # A week later: one new reminder for the new date; "done" ends them.
    await _day_by_day(runtime, clock, 8)
    assert len(_posted(slack, supporter, "Follow-up due")) == 2
    second = _follow_up_dm(slack, supporter)
    assert second.ts != reminder.ts
    await _click(people, supporter, second, FOLLOW_UP_DONE_ACTION)
    await eventually(lambda: "Follow-up done" in _current(slack, second).text)
    assert (await _follow_up(runtime)).done_at == clock.now()
    await _day_by_day(runtime, clock, 8)
    assert len(_posted(slack, supporter, "Follow-up due")) == 2


def _current(slack: FakeSlack, message: Message) -> Message:
    return next(m for m in slack.messages(message.channel) if m.ts == message.ts)


async def test_follow_up_resolved_before_its_reminder_is_sent_is_not_sent(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    supporter = workspace.supporters()[1]
    today = local_today(workspace, supporter, clock.now())
    view = await open_modal(people, slack, supporter)
    assert await submit(
        people, supporter, view, session_state(on=today, follow_up_on=today + timedelta(days=1))
    ) == (
        200,
        "",
    )
    # Due tomorrow: queued at once, for tomorrow morning on the supporter's clock.
    async with runtime.db.session() as session:
        [queued] = list(await session.exec(select(OutboxMessage).where(OutboxMessage.kind == FOLLOW_UP_KIND)))
        [logged] = list(await session.exec(select(SupportSession)))
    assert queued.dedupe_key == f"followup:{logged.id}:{today + timedelta(days=1)}"
    assert queued.next_attempt_at > clock.now()

    await people.post(
        block_actions(
            user_id=supporter, action_id=DELETE_ACTION, value=logged.id, response_url=slack.new_response_url()
        )
    )
    await eventually(lambda: [r for r in slack.responses() if "Session deleted" in str(r.body)])

    clock.advance(timedelta(days=2))
    await _settle(runtime, clock)
    async with runtime.db.session() as session:
        row = await session.get(OutboxMessage, queued.id)
    assert row is not None
    assert row.status == "skipped"
    assert _posted(slack, supporter, "Follow-up due") == []


async def test_lapsed_training_reminder_goes_weekly_until_training_is_recorded(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    monday = _monday_after(clock.now())
    clock.set(monday)
    never, lapsed, current = workspace.supporters()

    async def record(user: str, completed: date) -> None:
        view = await open_modal(people, slack, user, "training")
        assert await submit(people, user, view, training_form_state(on=completed)) == (200, "")

    valid_days = runtime.settings.training_valid_days
    await record(lapsed, local_today(workspace, lapsed, clock.now()) - timedelta(days=valid_days + 20))
    await record(current, local_today(workspace, current, clock.now()) - timedelta(days=10))

    async def week(start: datetime) -> None:
        # The weekly job, run twice to show the dedupe key holds, then a day for 10:00 local to pass.
        clock.set(start)
        await jobs.remind_lapsed_training()
        clock.advance(timedelta(hours=12))
        await jobs.remind_lapsed_training()
        clock.set(start + timedelta(days=2))
        await _settle(runtime, clock)

    def reminders(user: str) -> list[str]:
        return _posted(slack, user, ":mortar_board: You haven") + _posted(
            slack, user, ":mortar_board: Your peer"
        )

    await week(monday)
    assert len(reminders(never)) == 1
    assert "haven't recorded any" in reminders(never)[0]
    assert len(reminders(lapsed)) == 1
    assert "lapsed on" in reminders(lapsed)[0]
    assert reminders(current) == []

    await week(monday + timedelta(days=7))
    assert (len(reminders(never)), len(reminders(lapsed))) == (2, 2)

    await record(never, local_today(workspace, never, clock.now()))
    await week(monday + timedelta(days=14))
    assert (len(reminders(never)), len(reminders(lapsed))) == (2, 3)

    # Queued, then resolved before 10:00 on their clock: the reminder is dropped, not sent.
    clock.set(monday + timedelta(days=21))
    await jobs.remind_lapsed_training()
    await record(lapsed, local_today(workspace, lapsed, clock.now()))
    clock.advance(timedelta(days=2))
    await _settle(runtime, clock)
    assert len(reminders(lapsed)) == 3
    async with runtime.db.session() as session:
        statuses = list(
            await session.exec(
                select(OutboxMessage.status)
                .where(OutboxMessage.kind == TRAINING_KIND, OutboxMessage.recipient == lapsed)
                .order_by(col(OutboxMessage.next_attempt_at))
            )
        )
    assert statuses == ["sent", "sent", "sent", "skipped"]
