"""A coordinator's control over pulse rounds: `/pulse send` confirms first, a round can be cancelled
before its DMs arrive, and closed early through the scheduled close's own path."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.clock import ManualClock
from bot.measures import closed_rounds
from bot.runtime import Runtime
from bot.surveys import is_cancelled
from handlers.slack.blocks.rounds import (
    CANCEL_ROUND_ACTION,
    CLOSE_CONFIRM_ACTION,
    CLOSE_KEEP_ACTION,
    SEND_CONFIRM_ACTION,
    SEND_DISMISS_ACTION,
)
from handlers.slack.simulation.people import Button, People
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import Workspace, dm_channel_id
from storage.models import OutboxMessage, RoundParticipation, SurveyAnswer, SurveyRound
from tests.support import eventually


def _humans(workspace: Workspace) -> list[str]:
    return [u.id for u in workspace.active_humans()]


async def _keep_only(runtime: Runtime, workspace: Workspace, n: int) -> list[str]:
    """Everyone else opts out, so a round's closing rewrites (Tier 3, ~50 a minute) take seconds."""
    humans = _humans(workspace)
    for user in humans[n:]:
        await runtime.services.surveys.set_opt_out(
            team_id=runtime.services.team_id, user_id=user, opted_out=True
        )
    return humans[:n]


async def _rounds(runtime: Runtime) -> list[SurveyRound]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(SurveyRound)))


def _pulse_posts(slack: FakeSlack, user: str) -> int:
    """How many pulse DMs (posted with answer buttons) Slack accepted for a person."""
    return sum(
        1
        for c in slack.calls_to("chat.postMessage")
        if c.status == 200
        and "pulse_answer_" in str(c.args.get("blocks"))
        and c.args.get("channel") in (user, dm_channel_id(user))
    )


async def _preview(people: People, coordinator: str) -> Message:
    """`/pulse send` and the confirmation it answers with."""
    status, reply, url = await people.command_reply(coordinator, "/pulse", "send")
    assert status == 200 and "confirm" in str(reply)
    message = await people.response_message(coordinator, url, action_prefix=SEND_CONFIRM_ACTION)
    assert message is not None, "no confirmation came"
    return message


def _button(message: Message, action_id: str) -> Button:
    [button] = People.find_buttons(message, action_id)
    return button


async def _reply_to(people: People, slack: FakeSlack, user: str, message: Message, action_id: str) -> str:
    """Click a button and return what the app answered through that click's response_url."""
    before = len(slack.responses())
    status, _ = await people.click(user, message, _button(message, action_id))
    assert status == 200
    posts = await eventually(lambda: slack.responses()[before:], timeout=20)
    return str(posts[-1].body)


async def _open_round(people: People, slack: FakeSlack, workspace: Workspace) -> tuple[str, Message]:
    """A coordinator confirms a round; return its id and the confirmation (with its cancel button)."""
    coordinator = workspace.coordinators()[0]
    preview = await _preview(people, coordinator)
    before = len(slack.responses())
    await people.click(coordinator, preview, _button(preview, SEND_CONFIRM_ACTION))
    posts = await eventually(
        lambda: [p for p in slack.responses()[before:] if CANCEL_ROUND_ACTION in str(p.body)], timeout=20
    )
    opened = Message(
        channel=preview.channel, ts="2.0", text=posts[0].body["text"], blocks=posts[0].body["blocks"]
    )
    return _button(opened, CANCEL_ROUND_ACTION).value, opened


async def test_send_asks_first_and_a_double_click_opens_one_round(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    # Three people opted out: the count leaves them out.
    humans = await _keep_only(runtime, workspace, len(_humans(workspace)) - 3)
    preview = await _preview(people, coordinator)

    # Who would get it, from where, how many questions, when it closes: and nothing opened yet.
    text = str(preview.blocks)
    assert f"*{len(humans)} people*" in text
    assert "everyone active in the workspace" in text
    assert "<!date^" in text
    assert await _rounds(runtime) == []
    await asyncio.sleep(0.3)
    assert slack.calls_to("chat.postMessage") == []

    # A double click (two gestures at once), then a late third click on the same confirmation.
    send = _button(preview, SEND_CONFIRM_ACTION)
    results = await asyncio.gather(*(people.click(coordinator, preview, send) for _ in range(2)))
    assert [status for status, _ in results] == [200, 200]
    await eventually(lambda: all(people.pulse_message(u) for u in humans), timeout=20)
    await people.click(coordinator, preview, send)
    await runtime.services.drain()

    [round_] = await _rounds(runtime)
    assert f"with {len(round_.question_ids)} questions" in text
    replies = [str(r.body) for r in slack.responses()]
    assert sum("Pulse round opened" in r for r in replies) == 1
    assert sum("already opened the round" in r for r in replies) == 2
    await asyncio.sleep(0.3)
    assert all(_pulse_posts(slack, u) == 1 for u in humans)


async def test_not_now_opens_nothing(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    preview = await _preview(people, coordinator)
    reply = await _reply_to(people, slack, coordinator, preview, SEND_DISMISS_ACTION)
    assert "no pulse round was opened" in reply
    await runtime.services.drain()
    await asyncio.sleep(0.3)
    assert await _rounds(runtime) == []
    assert slack.calls_to("chat.postMessage") == []


async def test_an_employee_is_refused_every_round_control_even_with_forged_buttons(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    employee = next(u for u in _humans(workspace) if u not in workspace.coordinators())
    for sub in ("send", "cancel", "close"):
        status, body = await people.command(employee, "/pulse", sub)
        assert status == 200 and "Only program coordinators" in str(body), (sub, body)

    # The coordinator's own confirmation, clicked by an employee (a forged payload carries its token).
    preview = await _preview(people, coordinator)
    reply = await _reply_to(people, slack, employee, preview, SEND_CONFIRM_ACTION)
    assert "Only program coordinators" in reply
    await runtime.services.drain()
    assert await _rounds(runtime) == []

    round_id, opened = await _open_round(people, slack, workspace)
    await eventually(lambda: all(people.pulse_message(u) for u in _humans(workspace)), timeout=20)
    reply = await _reply_to(people, slack, employee, opened, CANCEL_ROUND_ACTION)
    assert "Only program coordinators" in reply
    forged_close = Message(
        channel=opened.channel,
        ts="3.0",
        blocks=[
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": CLOSE_CONFIRM_ACTION,
                        "value": round_id,
                        "text": {"text": "x"},
                    }
                ],
            }
        ],
    )
    reply = await _reply_to(people, slack, employee, forged_close, CLOSE_CONFIRM_ACTION)
    assert "Only program coordinators" in reply
    await runtime.services.drain()
    [round_] = await _rounds(runtime)
    assert round_.closed_at is None and round_.invited == len(_humans(workspace))


async def test_cancel_withdraws_unsent_dms_rewrites_delivered_ones_and_deletes_answers(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    coordinator = workspace.coordinators()[0]
    humans = await _keep_only(runtime, workspace, 8)
    # Slack rate-limits the first DM: it goes back to the queue for later (in the bot's clock), the rest go out.
    slack.fail("chat.postMessage", status=429, retry_after=1)
    round_id, opened = await _open_round(people, slack, workspace)
    await eventually(lambda: sum(1 for u in humans if people.pulse_message(u)) == len(humans) - 1, timeout=20)
    waiting = next(u for u in humans if people.pulse_message(u) is None)
    answerer = next(u for u in humans if u != waiting)
    assert await people.answer_pulse(answerer, lambda _q, options: options[0]) > 0
    await runtime.services.drain()

    reply = await _reply_to(people, slack, coordinator, opened, CANCEL_ROUND_ACTION)
    assert "Pulse round cancelled" in reply
    assert "Withdrawn before sending: 1 DMs" in reply
    assert f"Already delivered: {len(humans) - 1} DMs" in reply
    assert "Fewer than 5 people answered so far" in reply and "answers are deleted" in reply

    # Later, nothing more goes out: the withdrawn DM is never sent, no reminder either.
    clock.advance(timedelta(days=3))
    runtime.services.outbox.wakeup.set()
    await eventually(lambda: all(people.pulse_message(u) is None for u in humans), timeout=30)
    await runtime.services.surveys.close_due_rounds()
    await asyncio.sleep(0.5)
    assert _pulse_posts(slack, waiting) == 0
    assert sum(_pulse_posts(slack, u) for u in humans) == len(humans) - 1
    assert not any("reminder" in m.text for u in humans for m in slack.dm_messages(u))

    async with runtime.db.session() as session:
        answers = list(await session.exec(select(SurveyAnswer)))
        participation = list(await session.exec(select(RoundParticipation)))
        round_ = await session.get(SurveyRound, round_id)
    assert answers == [] and participation == []
    assert round_ is not None and is_cancelled(round_)
    # No results: the digest's history and the export leave it out, /pulse status says so.
    assert await closed_rounds(runtime.db, team_id=runtime.services.team_id, limit=10) == []
    _, body = await people.command(coordinator, "/pulse", "status")
    assert "cancelled" in str(body)
    # Clicking cancel again changes nothing.
    reply = await _reply_to(people, slack, coordinator, opened, CANCEL_ROUND_ACTION)
    assert "had already closed" in reply


async def test_cancel_command_offers_the_same_button(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    round_id, _ = await _open_round(people, slack, workspace)
    status, body = await people.command(coordinator, "/pulse", "cancel")
    assert status == 200
    prompt = Message(channel="D1", ts="4.0", text=str(body["text"]), blocks=body["blocks"])
    assert "answers given so far are deleted" in str(prompt.blocks)
    assert _button(prompt, CANCEL_ROUND_ACTION).value == round_id
    reply = await _reply_to(people, slack, coordinator, prompt, CANCEL_ROUND_ACTION)
    assert "Pulse round cancelled" in reply


async def test_close_early_tells_participation_by_the_k_rules_and_closes_once_like_the_schedule(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    coordinator = workspace.coordinators()[0]
    humans = await _keep_only(runtime, workspace, 8)
    k = runtime.settings.min_group_size
    round_id, _ = await _open_round(people, slack, workspace)
    await eventually(lambda: all(people.pulse_message(u) for u in humans), timeout=20)
    for user in humans[: k - 1]:
        await people.answer_pulse(user, lambda _q, options: options[-1])
    await runtime.services.drain()

    _, body = await people.command(coordinator, "/pulse", "close")
    assert f"Fewer than {k} people answered so far" in str(body)
    prompt = Message(channel="D1", ts="5.0", text=str(body["text"]), blocks=body["blocks"])
    assert "The round stays open" in await _reply_to(people, slack, coordinator, prompt, CLOSE_KEEP_ACTION)
    [round_] = await _rounds(runtime)
    assert round_.closed_at is None

    for user in humans[k - 1 : k + 2]:
        await people.answer_pulse(user, lambda _q, options: options[-1])
    await runtime.services.drain()
    _, body = await people.command(coordinator, "/pulse", "close")
    assert f"At least {k} answered so far" in str(body)
    assert f"{k + 2} answered" not in str(body)
    prompt = Message(channel="D1", ts="6.0", text=str(body["text"]), blocks=body["blocks"])

    close = _button(prompt, CLOSE_CONFIRM_ACTION)
    before = len(slack.responses())
    await asyncio.gather(*(people.click(coordinator, prompt, close) for _ in range(2)))
    posts = await eventually(
        lambda: len(slack.responses()[before:]) >= 2 and slack.responses()[before:], timeout=20
    )
    replies = [str(p.body) for p in posts]
    assert sum("Pulse round closed" in r for r in replies) == 1
    assert sum("had already closed" in r for r in replies) == 1

    # The scheduled close's own work: ballots dropped, a count kept, every DM rewritten without buttons.
    clock.advance(timedelta(minutes=5))
    runtime.services.outbox.wakeup.set()
    await eventually(lambda: all(people.pulse_message(u) is None for u in humans), timeout=30)

    async def no_rewrites_left() -> bool:
        async with runtime.db.session() as session:
            return not (
                await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "pulse_closed"))
            ).all()

    # Each rewrite row is erased once done. Slack shows the edit a moment before the outbox has
    # recorded it, so wait for the rows rather than read them the instant the DMs change.
    await eventually(no_rewrites_left, timeout=10)
    async with runtime.db.session() as session:
        answers = list(await session.exec(select(SurveyAnswer)))
        participation = list(await session.exec(select(RoundParticipation)))
        round_after = await session.get(SurveyRound, round_id)
    assert answers and all(a.ballot is None for a in answers)
    assert participation == []
    assert round_after is not None and round_after.answered_final == k + 2 and not is_cancelled(round_after)
    assert [r.id for r in await closed_rounds(runtime.db, team_id=runtime.services.team_id, limit=10)] == [
        round_id
    ]
    _, body = await people.command(coordinator, "/pulse", "close")
    assert "nothing to close" in str(body)
