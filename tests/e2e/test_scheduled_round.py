"""Scheduled rounds follow the sun: each person's DM at 10:00 their time, once, with one reminder."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.roles import SYSTEM
from bot.runtime import Runtime
from bot.scheduler import build_scheduler
from handlers.slack.blocks.pulse import pulse_permalink
from handlers.slack.simulation.people import People
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace
from storage.models import OutboxMessage, RoundParticipation, SurveyAnswer, SurveyRound
from tests.support import eventually, round_settled

# Tuesday 1 December 2026, 10:00 in UTC+14 — the first moment anyone's Tuesday 10:00 arrives.
FIRST_TUESDAY_10 = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)


def _pulses(slack: FakeSlack, people: People, user: str) -> int:
    return sum(1 for m in slack.dm_messages(user) if people.buttons(m))


async def _rounds(runtime: Runtime) -> list[SurveyRound]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(SurveyRound)))


async def test_each_person_is_messaged_at_ten_in_their_own_time_zone_in_waves_of_k(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    clock.set(FIRST_TUESDAY_10)
    round_ = await runtime.services.surveys.open_scheduled_round(team_id=runtime.services.team_id)
    assert round_ is not None
    async with runtime.db.session() as session:
        rows = list(await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "pulse")))
    k = runtime.settings.min_group_size
    waves = Counter(row.next_attempt_at for row in rows)
    # Nobody's DM comes before their own 10:00; nobody is alone (or one of fewer than k) in a wave,
    # so the first answers after a wave cannot be pinned on one time zone's only member.
    assert min(waves.values()) >= k
    exact = 0
    for row in rows:
        local = row.next_attempt_at.astimezone(ZoneInfo(workspace.users[row.recipient].tz))
        assert local.date().isoformat() == "2026-12-01" and (local.hour, local.minute) >= (10, 0)
        exact += (local.hour, local.minute) == (10, 0)
    assert exact >= len(rows) // 2, "most people should still get theirs at exactly 10:00"
    assert len(waves) > 1

    wave_of = {row.recipient: row.next_attempt_at for row in rows}
    tokyo = next(u.id for u in workspace.active_humans() if u.tz == "Asia/Tokyo")
    los_angeles = next(u.id for u in workspace.active_humans() if u.tz == "America/Los_Angeles")
    assert wave_of[tokyo] < wave_of[los_angeles]
    clock.set(wave_of[tokyo])
    runtime.services.outbox.wakeup.set()
    await eventually(lambda: _pulses(slack, people, tokyo) == 1)
    await asyncio.sleep(0.6)  # one more outbox pass: LA must still be waiting
    assert _pulses(slack, people, los_angeles) == 0
    clock.set(wave_of[los_angeles])
    runtime.services.outbox.wakeup.set()
    await eventually(lambda: _pulses(slack, people, los_angeles) == 1)


async def test_opening_the_same_schedule_again_or_after_a_restart_sends_nothing_twice(
    runtime: Runtime,
    settings: Settings,
    people: People,
    slack: FakeSlack,
    workspace: Workspace,
    clock: ManualClock,
) -> None:
    clock.set(FIRST_TUESDAY_10 + timedelta(days=1))
    surveys = runtime.services.surveys
    first = await surveys.open_scheduled_round(team_id=runtime.services.team_id)
    again = await surveys.open_scheduled_round(team_id=runtime.services.team_id)
    assert first is not None and again is not None and again.id == first.id
    humans = [u.id for u in workspace.active_humans()]
    await eventually(lambda: all(_pulses(slack, people, u) == 1 for u in humans), timeout=20)

    # Restart mid-window: the process stops and a new one starts on the same database.
    await runtime.stop()
    second = Runtime(settings, clock=clock, scheduler_enabled=False)
    await second.start(host="127.0.0.1", port=0)
    try:
        await second.wait_until_leader()
        reopened = await second.services.surveys.open_scheduled_round(team_id=second.services.team_id)
        assert reopened is not None and reopened.id == first.id
        await asyncio.sleep(0.6)
        assert len(await _rounds(second)) == 1
    finally:
        await second.stop()
    assert all(_pulses(slack, people, u) == 1 for u in humans)


async def test_a_schedule_missed_for_longer_than_the_window_is_skipped(
    runtime: Runtime, clock: ManualClock
) -> None:
    clock.set(FIRST_TUESDAY_10 + timedelta(days=4))
    assert await runtime.services.surveys.open_scheduled_round(team_id=runtime.services.team_id) is None
    assert await _rounds(runtime) == []


async def test_one_identical_reminder_goes_to_everyone_answered_or_not(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    coordinator = workspace.coordinators()[0]
    await people.send_pulse(coordinator)
    humans = [u.id for u in workspace.active_humans()]
    await eventually(lambda: all(people.pulse_message(u) for u in humans), timeout=20)
    answerer, silent = humans[0], humans[1]
    await people.answer_pulse(answerer, lambda _q, options: options[0])

    clock.advance(timedelta(days=2, minutes=1))
    runtime.services.outbox.wakeup.set()

    async def reminded(user: str) -> bool:
        # A reminder Slack rate-limited waits a second on the frozen clock: stepped over, not waited for.
        await round_settled(runtime, None)
        return any("reminder" in m.text for m in slack.dm_messages(user))

    await eventually(lambda: reminded(silent), timeout=20)
    await asyncio.sleep(0.6)
    clock.advance(timedelta(hours=6))
    await asyncio.sleep(0.6)
    assert sum("reminder" in m.text for m in slack.dm_messages(silent)) == 1
    # Skipping answerers would leave a lasting record in Slack of who had not answered.
    await eventually(lambda: reminded(answerer), timeout=20)
    assert sum("reminder" in m.text for m in slack.dm_messages(answerer)) == 1
    # Each links to the person's own pulse DM (a place fixed before anyone answered); past that
    # link, answerer and silent member read the same words.
    said = {}
    for user in (answerer, silent):
        pulse = people.pulse_message(user)
        assert pulse is not None
        own = pulse_permalink(f"https://{workspace.domain}.slack.com/", channel=pulse.channel, ts=pulse.ts)
        [text] = [m.text for m in slack.dm_messages(user) if "reminder" in m.text]
        assert f"<{own}|Here's your pulse>" in text
        said[user] = text.replace(own, "<own pulse DM>")
    assert said[answerer] == said[silent]


async def test_closing_a_round_erases_every_link_between_answers_and_people(
    runtime: Runtime, people: People, workspace: Workspace, clock: ManualClock
) -> None:
    coordinator = workspace.coordinators()[0]
    await people.send_pulse(coordinator)
    humans = [u.id for u in workspace.active_humans()][:6]
    await eventually(lambda: all(people.pulse_message(u) for u in humans), timeout=20)
    for user in humans:
        await people.answer_pulse(user, lambda _q, options: options[1])
    clock.advance(timedelta(days=4))
    closed = await runtime.services.surveys.close_due_rounds()
    assert len(closed) == 1
    async with runtime.db.session() as session:
        answers = list(await session.exec(select(SurveyAnswer)))
        participation = list(await session.exec(select(RoundParticipation)))
        round_ = (await session.exec(select(SurveyRound))).one()
    assert answers and all(a.ballot is None for a in answers)
    assert participation == []
    assert round_.answered_final == len(humans)
    status = await runtime.services.surveys.status(round_, by=SYSTEM)
    assert status.answered == len(humans)


async def test_scheduler_keeps_one_job_per_id_across_restarts(settings: Settings, runtime: Runtime) -> None:
    first = build_scheduler(settings)
    first.start(paused=True)
    first.shutdown(wait=False)
    second = build_scheduler(settings)
    second.start(paused=True)
    try:
        jobs = {job.id: job for job in second.get_jobs()}
        assert {"pulse-round", "close-rounds", "weekly-digest"} <= set(jobs)
        assert len(second.get_jobs()) == len(set(jobs))
        pulse = jobs["pulse-round"]
        assert pulse.coalesce is True and pulse.misfire_grace_time is None
        fire = pulse.next_run_time.astimezone(ZoneInfo("Etc/GMT-14"))
        assert (fire.strftime("%a"), fire.hour, fire.minute) == ("Tue", 10, 0)
    finally:
        second.shutdown(wait=False)
