"""Clicks arriving together share commits (group commit), yet each is checked and stored once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlmodel import func, select

from bot.runtime import Runtime
from handlers.slack.simulation.people import Button, People
from handlers.slack.simulation.signing import block_actions
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import Workspace
from storage.models import RoundParticipation, SurveyAnswer
from tests.support import eventually, outbox_settled


@contextmanager
def counting_commits(runtime: Runtime) -> Iterator[list[int]]:
    """Count the database commits made while the block runs (an engine event, not a mock)."""
    commits = [0]

    def on_commit(_connection: Any) -> None:
        commits[0] += 1

    engine = runtime.db.engine.sync_engine
    event.listen(engine, "commit", on_commit)
    try:
        yield commits
    finally:
        event.remove(engine, "commit", on_commit)


async def _count(runtime: Runtime, model: type) -> int:
    async with runtime.db.session() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def _round_delivered(people: People, workspace: Workspace, users: list[str]) -> dict[str, Message]:
    await people.send_pulse(workspace.coordinators()[0])
    messages = {}
    for user in users:
        message = await eventually(lambda user=user: people.pulse_message(user), timeout=20)  # type: ignore[misc]
        messages[user] = message
    return messages


async def test_simultaneous_clicks_share_commits_and_each_is_stored_exactly_once(
    runtime: Runtime, people: People, workspace: Workspace
) -> None:
    users = [u.id for u in workspace.active_humans()[:12]]
    messages = await _round_delivered(people, workspace, users)
    clicks: list[tuple[str, Message, Button]] = [
        (user, messages[user], options[1])
        for user in users
        for options in people.answer_buttons(messages[user]).values()
    ]
    # The outbox records each DM as it returns: only the clicks' commits may be counted below.
    await eventually(lambda: outbox_settled(runtime), timeout=20)
    with counting_commits(runtime) as commits:
        statuses = await asyncio.gather(*(people.click(u, m, b) for u, m, b in clicks))
    assert [s for s, _ in statuses] == [200] * len(clicks)

    assert await _count(runtime, SurveyAnswer) == len(clicks)
    # Participation is written after the acks, in a transaction of its own (never beside answers).
    await eventually(lambda: _participants_are(runtime, len(users)), timeout=10)
    # Without group commit every click would commit at least once (its answer, its request key).
    assert commits[0] < len(clicks), f"{commits[0]} commits for {len(clicks)} simultaneous clicks"


async def test_a_refused_click_in_a_shared_batch_spoils_nothing_for_the_others(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    users = [u.id for u in workspace.active_humans()[:6]]
    messages = await _round_delivered(people, workspace, users)
    quitter = users[0]
    await people.command(quitter, "/pulse", "optout")
    first_question = {u: next(iter(people.answer_buttons(messages[u]).values())) for u in users}

    statuses = await asyncio.gather(*(people.click(u, messages[u], first_question[u][4]) for u in users))
    assert [s for s, _ in statuses] == [200] * len(users)

    assert await _count(runtime, SurveyAnswer) == len(users) - 1
    # Participation is written after the acks, in its own transaction.
    await eventually(lambda: _participants_are(runtime, len(users) - 1))
    refusal = await eventually(
        lambda: [
            c
            for c in slack.calls_to("chat.postEphemeral")
            if c.args.get("user") == quitter and "opted out" in str(c.args)
        ]
    )
    assert len(refusal) == 1


async def test_one_click_redelivered_while_its_original_is_being_stored_counts_once(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    user = workspace.active_humans()[2].id
    message = (await _round_delivered(people, workspace, [user]))[user]
    button = next(iter(people.answer_buttons(message).values()))[3]
    click = block_actions(
        user_id=user,
        action_id=button.action_id,
        block_id=button.block_id,
        value=button.value,
        channel_id=message.channel,
        message_ts=message.ts,
        trigger_id=slack.new_trigger_id(user),
        response_url=slack.new_response_url(),
        message={"ts": message.ts, "text": message.text, "blocks": message.blocks or []},
    )
    updates_before = slack.redraws()

    statuses = await asyncio.gather(*(people.post(click) for _ in range(3)))
    assert [s for s, _ in statuses] == [200, 200, 200]

    assert await _count(runtime, SurveyAnswer) == 1
    await eventually(lambda: slack.redraws() == updates_before + 1)
    await asyncio.sleep(0.3)  # a second redraw would arrive right behind the first
    assert slack.redraws() == updates_before + 1


async def test_a_late_redraw_never_rolls_the_dm_back_to_older_progress(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    user = workspace.active_humans()[3].id
    message = (await _round_delivered(people, workspace, [user]))[user]
    first, second = list(people.answer_buttons(message).values())[:2]
    # The first click's redraw is slow to reach Slack; the second click comes right behind it.
    before = slack.redraws()
    slack.slow_down("response_url", 1.0)

    async def click_second_soon_after() -> tuple[int, Any]:
        await asyncio.sleep(0.3)  # the first is stored by now, and its redraw on its slow way
        return await people.click(user, message, second[2])

    statuses = await asyncio.gather(people.click(user, message, first[1]), click_second_soon_after())
    assert [s for s, _ in statuses] == [200, 200]

    def answered_shown() -> int:
        shown = people.pulse_message(user)
        return json.dumps(shown.blocks if shown else [], ensure_ascii=False).count("_(your answer: ")

    await eventually(lambda: slack.redraws() == before + 2, timeout=10)
    await asyncio.sleep(0.3)
    # Whatever order the two redraws reached Slack in, the DM ends showing both answers, as chosen.
    assert answered_shown() == 2
    shown = json.dumps((people.pulse_message(user) or message).blocks, ensure_ascii=False)
    assert f"your answer: {first[1].label} " in shown and f"your answer: {second[2].label} " in shown


async def _participants_are(runtime: Runtime, expected: int) -> bool:
    return await _count(runtime, RoundParticipation) == expected
