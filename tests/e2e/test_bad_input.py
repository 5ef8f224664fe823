"""Malformed payloads, unknown actions, stale rounds and wrong people: a clear answer, nothing stored."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.runtime import Runtime
from handlers.slack.blocks.pulse import PULSE_CLOSED_TEXT
from handlers.slack.simulation.people import Button, People
from handlers.slack.simulation.signing import FORM, block_actions
from handlers.slack.simulation.slack_api import Ephemeral, FakeSlack, Message
from handlers.slack.simulation.workspace import (
    COORDINATOR_CHANNEL_ID,
    Workspace,
    build_workspace,
    dm_channel_id,
)
from storage.models import OutboxMessage, RoundParticipation, SurveyAnswer, SurveyRound
from tests.support import eventually


@pytest.fixture
def workspace() -> Workspace:
    """A small workspace keeps each round's fan-out quick."""
    return build_workspace(employees=8)


@pytest.fixture
async def pulse(runtime: Runtime, people: People, workspace: Workspace) -> SurveyRound:
    """An open round whose pulse DM every active human has received."""
    status, _ = await people.send_pulse(workspace.coordinators()[0])
    assert status == 200
    await eventually(lambda: all(people.pulse_message(u.id) for u in workspace.active_humans()))
    async with runtime.db.session() as session:
        return (await session.exec(select(SurveyRound))).one()


def _employee(workspace: Workspace, n: int = 0) -> str:
    """An active human who is neither coordinator nor supporter."""
    staff = set(workspace.coordinators()) | set(workspace.supporters())
    return [u.id for u in workspace.active_humans() if u.id not in staff][n]


def _guest(workspace: Workspace) -> str:
    """The restricted (guest) account: never in a pulse audience."""
    return next(u.id for u in workspace.users.values() if u.is_restricted)


async def _answer_rows(runtime: Runtime) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Answers as (question, value, text, ballot) and participation keys, sorted."""
    async with runtime.db.session() as session:
        answers = sorted(
            (a.question_id, a.value, a.text, a.ballot) for a in await session.exec(select(SurveyAnswer))
        )
        keys = sorted(await session.exec(select(RoundParticipation.key)))
    return answers, keys


def _pulse(people: People, user_id: str) -> Message:
    message = people.pulse_message(user_id)
    assert message is not None
    return message


def _first_answer_button(people: People, message: Message) -> Button:
    return next(iter(people.answer_buttons(message).values()))[0]


async def _click(
    people: People,
    user_id: str,
    message: Message,
    *,
    action_id: str,
    value: str,
    channel_id: str | None = None,
) -> tuple[int, Any]:
    """A signed click on a button with any action id and value, in a copy of `message`."""
    body = block_actions(
        user_id=user_id,
        action_id=action_id,
        block_id="a_whatever",
        value=value,
        channel_id=channel_id or message.channel,
        message_ts=message.ts,
        trigger_id=people.slack.new_trigger_id(user_id),
        response_url=people.slack.new_response_url(),
        message={"ts": message.ts, "text": message.text, "blocks": message.blocks or []},
    )
    return await people.post(body)


async def _reply_to(slack: FakeSlack, user_id: str, before: int = 0) -> Ephemeral:
    """The next private (ephemeral) reply the user gets."""
    found: list[Ephemeral] = await eventually(lambda: slack.ephemerals(user_id)[before:])
    return found[0]


async def _refused_click(
    runtime: Runtime,
    people: People,
    slack: FakeSlack,
    user_id: str,
    message: Message,
    *,
    action_id: str,
    value: str,
    channel_id: str | None = None,
) -> str:
    """Click; assert the click was acked, answered privately, and stored nothing. Return the reply."""
    before = await _answer_rows(runtime)
    updates = _redraws(slack)
    seen = len(slack.ephemerals(user_id))

    status, _ = await _click(
        people, user_id, message, action_id=action_id, value=value, channel_id=channel_id
    )

    assert status == 200, f"click with value {value!r} answered HTTP {status}"
    reply = await _reply_to(slack, user_id, seen)
    await runtime.services.drain()
    assert reply.text.strip()
    assert "went wrong" not in reply.text.lower(), f"a refusal should say why, got {reply.text!r}"
    assert await _answer_rows(runtime) == before, f"click with value {value!r} changed the answers"
    assert _redraws(slack) == updates, f"click with value {value!r} redrew the DM"
    return reply.text


def _redraws(slack: FakeSlack) -> int:
    """Accepted redraws of a DM after a click, by chat.update or response_url (not the close's rewrite)."""
    return sum(
        1
        for c in slack.calls_to("chat.update") + slack.calls_to("response_url")
        if c.status == 200 and c.args.get("text") != PULSE_CLOSED_TEXT
    )


async def _answer(people: People, user_id: str, message: Message, button: Button) -> None:
    """A genuine click, waited on until the DM shows it."""
    status, _ = await people.click(user_id, message, button)
    assert status == 200
    await eventually(lambda: _pulse(people, user_id).edited_ts)


def _value(round_id: str, question_id: str, ballot: str, value: Any) -> str:
    return json.dumps({"r": round_id, "q": question_id, "b": ballot, "v": value})


# --- malformed buttons and payloads ---------------------------------------------------------

GARBAGE_VALUES = ["garbage{", "[1, 2, 3]", '"a string"', '{"r": 1, "q": 2, "b": 3}', '{"v": 3}']


async def test_answer_button_with_a_garbage_value_is_refused(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, pulse: SurveyRound
) -> None:
    user = _employee(workspace)
    message = _pulse(people, user)
    button = _first_answer_button(people, message)

    for raw in GARBAGE_VALUES:
        await _refused_click(runtime, people, slack, user, message, action_id=button.action_id, value=raw)


async def test_comment_button_with_a_garbage_value_opens_nothing(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, pulse: SurveyRound
) -> None:
    user = _employee(workspace)
    message = _pulse(people, user)
    comment = people.comment_button(message)
    assert comment is not None

    await _refused_click(runtime, people, slack, user, message, action_id=comment.action_id, value="[]")

    assert slack.opened_views() == []


async def test_unknown_action_id_is_acknowledged_and_stores_nothing(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, pulse: SurveyRound
) -> None:
    user = _employee(workspace)
    message = _pulse(people, user)
    button = _first_answer_button(people, message)
    before = await _answer_rows(runtime)

    status, body = await _click(people, user, message, action_id="pulse_mystery_action", value=button.value)
    await runtime.services.drain()

    # Slack shows the clicker an error unless the app acknowledges within 3 seconds.
    assert status == 200, f"unknown action answered HTTP {status} {body!r}"
    assert await _answer_rows(runtime) == before


MALFORMED_BODIES = {
    "json-array": b"payload=%5B1%2C2%2C3%5D",
    "not-json": b"payload=not-json-at-all",
    "truncated-json": b"payload=%7B%22type%22",
}


async def test_signed_payload_that_is_not_a_json_object_gets_a_client_error(
    runtime: Runtime, people: People, slack: FakeSlack
) -> None:
    before = await _answer_rows(runtime)
    calls = len(slack.calls)

    statuses = {name: (await people.post((raw, FORM)))[0] for name, raw in MALFORMED_BODIES.items()}
    await runtime.services.drain()

    assert {name: 400 <= status < 500 for name, status in statuses.items()} == dict.fromkeys(
        MALFORMED_BODIES, True
    ), statuses
    assert await _answer_rows(runtime) == before
    assert slack.calls[calls:] == []


# --- answers that do not fit the round ------------------------------------------------------


async def test_click_for_a_round_that_does_not_exist_is_refused(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, pulse: SurveyRound
) -> None:
    user = _employee(workspace)
    message = _pulse(people, user)
    button = _first_answer_button(people, message)
    answer = button.answer

    await _refused_click(
        runtime,
        people,
        slack,
        user,
        message,
        action_id=button.action_id,
        value=_value("f" * 32, answer["q"], answer["b"], answer["v"]),
    )


async def test_click_for_a_question_not_in_the_round_is_refused(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, pulse: SurveyRound
) -> None:
    user = _employee(workspace)
    message = _pulse(people, user)
    button = _first_answer_button(people, message)
    bank = runtime.services.surveys.bank
    outsider = next(q for q in bank.questions if q.kind == "likert" and q.id not in pulse.question_ids)

    for question_id in (outsider.id, "no_such_question"):
        await _refused_click(
            runtime,
            people,
            slack,
            user,
            message,
            action_id=button.action_id,
            value=_value(pulse.id, question_id, button.answer["b"], 3),
        )


async def test_likert_value_outside_the_scale_is_refused(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, pulse: SurveyRound
) -> None:
    user = _employee(workspace)
    message = _pulse(people, user)
    likert = next(options for options in people.answer_buttons(message).values() if len(options) == 5)[0]

    for bad in (0, 6, "3", True):
        await _refused_click(
            runtime,
            people,
            slack,
            user,
            message,
            action_id=likert.action_id,
            value=_value(pulse.id, likert.answer["q"], likert.answer["b"], bad),
        )


async def test_zero_to_ten_value_above_ten_is_refused(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    user = _employee(workspace)
    # Items rotate between rounds: open rounds until one asks the 0-10 item.
    for _ in range(len(runtime.services.surveys.bank.questions)):
        status, _ = await people.send_pulse(workspace.coordinators()[0])
        assert status == 200
        await runtime.services.drain()
        round_ = await runtime.services.surveys.current_round(team_id=workspace.team_id)
        assert round_ is not None
        if any(q.kind == "scale_0_10" for q in runtime.services.surveys.questions_of(round_)):
            break
        await runtime.services.surveys.close_round(round_.id)
    else:
        pytest.fail("no round asked the 0-10 item")
    message = await eventually(lambda: people.pulse_message(user) if _asks_0_10(people, user) else None)
    top = next(o for o in people.answer_buttons(message).values() if len(o) == 11)[-1]

    await _refused_click(
        runtime,
        people,
        slack,
        user,
        message,
        action_id=top.action_id,
        value=_value(round_.id, top.answer["q"], top.answer["b"], 11),
    )


def _asks_0_10(people: People, user_id: str) -> bool:
    message = people.pulse_message(user_id)
    return message is not None and any(len(o) == 11 for o in people.answer_buttons(message).values())


# --- stale rounds and the wrong people ------------------------------------------------------


async def test_click_after_the_round_was_closed_is_refused(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, pulse: SurveyRound
) -> None:
    user = _employee(workspace)
    message = _pulse(people, user)
    await _answer(people, user, message, _first_answer_button(people, message))
    await runtime.services.surveys.close_round(pulse.id)
    button = people.answer_buttons(message)[_first_answer_button(people, message).answer["q"]][4]

    reply = await _refused_click(
        runtime, people, slack, user, message, action_id=button.action_id, value=button.value
    )

    assert "closed" in reply.lower()


async def test_click_after_the_round_window_ended_is_refused(
    runtime: Runtime,
    people: People,
    slack: FakeSlack,
    workspace: Workspace,
    clock: ManualClock,
    pulse: SurveyRound,
) -> None:
    user = _employee(workspace)
    message = _pulse(people, user)
    clock.set(pulse.closes_at + timedelta(seconds=1))
    button = _first_answer_button(people, message)

    reply = await _refused_click(
        runtime, people, slack, user, message, action_id=button.action_id, value=button.value
    )

    assert "closed" in reply.lower()


async def test_opted_out_user_clicking_an_old_pulse_is_refused(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, pulse: SurveyRound
) -> None:
    user = _employee(workspace)
    message = _pulse(people, user)
    status, _ = await people.command(user, "/pulse", "optout")
    assert status == 200
    button = _first_answer_button(people, message)

    reply = await _refused_click(
        runtime, people, slack, user, message, action_id=button.action_id, value=button.value
    )

    assert "opt" in reply.lower()


async def test_someone_never_sent_the_pulse_cannot_answer_with_a_forwarded_button(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, pulse: SurveyRound
) -> None:
    owner, guest = _employee(workspace), _guest(workspace)
    message = _pulse(people, owner)
    question, options = next(iter(people.answer_buttons(message).items()))
    await _answer(people, owner, message, options[1])

    # The owner's pulse, forwarded into the guest's DM with the app, clicked by the guest.
    await _refused_click(
        runtime,
        people,
        slack,
        guest,
        message,
        action_id=options[4].action_id,
        value=options[4].value,
        channel_id=dm_channel_id(guest),
    )

    async with runtime.db.session() as session:
        rows = list(await session.exec(select(SurveyAnswer).where(SurveyAnswer.question_id == question)))
    assert [r.value for r in rows] == [2]


# --- /pulse subcommands and roles -----------------------------------------------------------


async def test_unknown_pulse_subcommand_replies_with_usage(people: People, workspace: Workspace) -> None:
    status, body = await people.command(_employee(workspace), "/pulse", "frobnicate")

    assert status == 200
    text = _text(body)
    assert "frobnicate" in text
    for sub in ("optout", "optin", "help"):
        assert f"/pulse {sub}" in text
    # An employee is not shown the coordinators' tools.
    for sub in ("send", "status"):
        assert f"/pulse {sub}" not in text


async def test_admin_subcommands_by_employees_and_supporters_are_refused(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    supporter = next(u for u in workspace.supporters() if u not in workspace.coordinators())

    replies = {
        (who, sub): _text((await people.command(who, "/pulse", sub))[1])
        for who in (_employee(workspace), supporter)
        for sub in ("send", "status", "schedule", "questions")
    }
    await runtime.services.drain()

    assert [key for key, text in replies.items() if "coordinator" not in text.lower()] == [], replies
    await _assert_no_round(runtime, slack, workspace)


async def test_coordinator_removed_from_the_channel_loses_access_at_once(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    status, body = await people.command(coordinator, "/pulse", "status")
    assert status == 200
    assert "coordinator" not in _text(body).lower()  # allowed while a member

    slack.remove_member(COORDINATOR_CHANNEL_ID, coordinator)
    status, body = await people.send_pulse(coordinator)
    await runtime.services.drain()

    # DESIGN.md: "Every admin action is checked against the live Slack role."
    assert "coordinator" in _text(body).lower(), f"removed coordinator got {body!r}"
    await _assert_no_round(runtime, slack, workspace)


async def test_coordinator_removed_from_the_channel_is_refused_once_roles_are_reread(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    status, body = await people.command(coordinator, "/pulse", "status")
    assert status == 200
    assert "coordinator" not in _text(body).lower()

    slack.remove_member(COORDINATOR_CHANNEL_ID, coordinator)
    runtime.services.roles.forget()
    status, body = await people.send_pulse(coordinator)
    await runtime.services.drain()

    assert "coordinator" in _text(body).lower()
    await _assert_no_round(runtime, slack, workspace)


def _text(body: Any) -> str:
    """A slash command's reply: Bolt answers plain text, or JSON with a text field."""
    return body if isinstance(body, str) else str(body["text"])


async def _assert_no_round(runtime: Runtime, slack: FakeSlack, workspace: Workspace) -> None:
    async with runtime.db.session() as session:
        assert list(await session.exec(select(SurveyRound))) == []
        assert list(await session.exec(select(OutboxMessage))) == []
    assert all(slack.dm_messages(u.id) == [] for u in workspace.active_humans())
