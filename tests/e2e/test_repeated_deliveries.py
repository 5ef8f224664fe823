"""A request Slack delivers twice — an Events API retry, a repeated interaction — acts once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import func, select

from bot import jobs
from bot.clock import ManualClock
from bot.runtime import Runtime
from handlers.slack.dedupe import request_identity
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import app_home_opened, block_actions, event_callback, slash_command
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace
from storage.models import ProcessedRequest, RoundParticipation, SurveyAnswer
from tests.support import eventually

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


async def _count(runtime: Runtime, model: type) -> int:
    async with runtime.db.session() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def test_an_event_retried_by_slack_is_handled_once(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    user = workspace.active_humans()[0].id
    body = event_callback(app_home_opened(user), event_id="Ev0RETRIED01")
    assert (await people.post(body))[0] == 200
    await eventually(lambda: len(slack.calls_to("views.publish")) == 1)
    # Slack retries with the same event id when it thinks the first delivery went unanswered.
    for retry in ("1", "2"):
        status, _ = await people.post(body, headers={**RETRY, "X-Slack-Retry-Num": retry})
        assert status == 200
    await asyncio.sleep(0.5)  # the listener runs after the ack; give a repeat time to show up
    assert len(slack.calls_to("views.publish")) == 1

    # A different event from the same person is new work.
    assert (await people.post(event_callback(app_home_opened(user), event_id="Ev0FRESH0001")))[0] == 200
    await eventually(lambda: len(slack.calls_to("views.publish")) == 2)


async def test_the_same_click_delivered_twice_stores_one_answer_and_updates_once(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    await people.send_pulse(coordinator)
    user = workspace.active_humans()[3].id
    message = await eventually(lambda: people.pulse_message(user))
    button = next(iter(people.answer_buttons(message).values()))[2]
    click = block_actions(
        user_id=user,
        action_id=button.action_id,
        block_id=button.block_id,
        value=button.value,
        channel_id=message.channel,
        message_ts=message.ts,
        trigger_id=slack.new_trigger_id(user),
        message={"ts": message.ts, "text": message.text, "blocks": message.blocks or []},
    )
    before = slack.redraws()  # the round's own replies (a response_url post) come before
    for _ in range(2):
        status, _ = await people.post(click)
        assert status == 200
    await eventually(lambda: slack.redraws() == before + 1)
    await asyncio.sleep(0.3)
    assert slack.redraws() == before + 1
    assert await _count(runtime, SurveyAnswer) == 1
    # Participation waits for a batch of k (bot/answers.py); forced out, it is one row.
    await runtime.services.surveys.answers.flush_participation(force=True)
    assert await _count(runtime, RoundParticipation) == 1

    # A second, real click on another option is a new gesture: it changes the answer.
    other = next(iter(people.answer_buttons(message).values()))[4]
    assert (await people.click(user, message, other))[0] == 200
    await eventually(lambda: slack.redraws() == before + 2)
    async with runtime.db.session() as session:
        assert [a.value for a in await session.exec(select(SurveyAnswer))] == [5]


async def test_a_replayed_slash_command_is_acted_on_once(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    user = workspace.active_humans()[5].id
    command = slash_command(
        "/pulse",
        "optout",
        user_id=user,
        trigger_id=slack.new_trigger_id(user),
        response_url=slack.new_response_url(),
    )
    status, first = await people.post(command)
    assert status == 200 and "opted out" in first
    status, again = await people.post(command)
    assert status == 200 and not again  # acked, and nothing done or said a second time


async def test_identity_tells_gestures_apart_and_ignores_what_it_cannot_identify() -> None:
    base = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "trigger_id": "t1",
        "actions": [{"action_id": "a", "action_ts": "1.0"}],
    }
    assert request_identity(base) == request_identity(dict(base))
    assert request_identity(base) != request_identity({**base, "trigger_id": "t2"})
    assert request_identity(base) != request_identity(
        {**base, "actions": [{"action_id": "a", "action_ts": "2.0"}]}
    )
    assert request_identity(base) != request_identity({**base, "user": {"id": "U2"}})
    event = {"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_home_opened"}}
    assert request_identity(event) == request_identity({**event, "event_time": 5})
    # Hostile or incomplete bodies are not deduplicated rather than crashing or colliding.
    for odd in (
        [],
        "x",
        {"type": "block_actions", "user": "U1", "actions": "nope"},
        {"type": "event_callback"},
    ):
        assert request_identity(odd) is None
    assert request_identity({"type": "block_suggestion", "trigger_id": "t"}) is None


async def test_old_idempotency_keys_are_pruned_by_the_hourly_job(
    runtime: Runtime, people: People, workspace: Workspace, clock: ManualClock
) -> None:
    user = workspace.active_humans()[0].id
    await people.post(event_callback(app_home_opened(user), event_id="Ev0OLD000001"))
    clock.advance(timedelta(hours=25))
    await people.post(event_callback(app_home_opened(user), event_id="Ev0NEW000001"))
    assert await _count(runtime, ProcessedRequest) == 2
    await jobs.forget_old_requests()
    assert await _count(runtime, ProcessedRequest) == 1
