"""A person taps "Prefer not to say" on a sensitive item: stored as a flagged decline, never as an
answer, drawn as their choice in their own DM, replaceable either way, and followed by no support note."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.runtime import Runtime
from handlers.slack.blocks.pulse import DECLINE_LABEL
from handlers.slack.simulation.people import Button, People
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, Workspace
from storage.models import SurveyAnswer
from tests.support import eventually

NOTE = "You don't have to deal with this alone"
SENSITIVE = "experienced_negative"


async def _pulse(people: People, workspace: Workspace, index: int) -> tuple[str, Message]:
    coordinator = workspace.channels[COORDINATOR_CHANNEL_ID].members[0]
    status, _ = await people.send_pulse(coordinator)
    assert status == 200
    user = [u.id for u in workspace.active_humans()][index]
    return user, await eventually(lambda: people.pulse_message(user))


async def _stored(runtime: Runtime, question_id: str) -> list[SurveyAnswer]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(SurveyAnswer).where(SurveyAnswer.question_id == question_id)))


def _chosen(message: Message) -> dict[str, str]:
    return {
        str(block["block_id"]).removeprefix("a_"): element["text"]["text"]
        for block in message.blocks or []
        for element in block.get("elements", [])
        if element.get("type") == "button" and element.get("style") == "primary"
    }


def _section(message: Message, question_id: str) -> str:
    return str(
        next(b for b in message.blocks or [] if b.get("block_id") == f"q_{question_id}")["text"]["text"]
    )


async def test_the_button_is_on_sensitive_items_only(people: People, workspace: Workspace) -> None:
    _, message = await _pulse(people, workspace, 1)
    declines = people.decline_buttons(message)
    asked = set(people.answer_buttons(message))
    assert SENSITIVE in asked
    assert set(declines) == asked & {"experienced_negative", "witnessed_negative"}
    assert all(b.label == DECLINE_LABEL for b in declines.values())


async def test_a_decline_is_stored_flagged_without_a_value_and_replaces_an_answer_either_way(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    user, message = await _pulse(people, workspace, 2)
    options = people.answer_buttons(message)[SENSITIVE]
    decline = people.decline_buttons(message)[SENSITIVE]

    # An answer at the hard end first: the support note shows under it.
    await people.click(user, message, options[4])
    await eventually(
        lambda: NOTE in json.dumps((people.pulse_message(user) or message).blocks, ensure_ascii=False)
    )

    await people.click(user, message, decline)
    await eventually(lambda: _chosen(people.pulse_message(user) or message).get(SENSITIVE) == DECLINE_LABEL)
    (row,) = await _stored(runtime, SENSITIVE)
    assert (row.declined, row.value, row.text) == (True, None, None)
    drawn = people.pulse_message(user)
    assert drawn is not None
    assert f"your answer: {DECLINE_LABEL}" in _section(drawn, SENSITIVE)
    assert _section(drawn, SENSITIVE).startswith("✅")  # a decline completes the question
    # No support pointer follows a decline: the note under the earlier answer is gone.
    assert NOTE not in json.dumps(drawn.blocks, ensure_ascii=False)

    await people.click(user, drawn, options[1])
    await eventually(
        lambda: _chosen(people.pulse_message(user) or message).get(SENSITIVE) == options[1].label
    )
    (row,) = await _stored(runtime, SENSITIVE)
    assert (row.declined, row.value) == (False, 2)

    await people.click(user, message, decline)
    await eventually(lambda: _chosen(people.pulse_message(user) or message).get(SENSITIVE) == DECLINE_LABEL)
    (row,) = await _stored(runtime, SENSITIVE)
    assert (row.declined, row.value) == (True, None)

    # Closing rewrites every row without its ballot; the decline keeps its flag and gains nothing.
    await runtime.services.surveys.close_round(row.round_id)
    (row,) = await _stored(runtime, SENSITIVE)
    assert (row.declined, row.value, row.text, row.ballot) == (True, None, None, None)
    # Someone who only declined still took part.
    closed = await runtime.services.surveys.get_round(row.round_id)
    assert closed is not None and closed.answered_final == 1


async def test_a_forged_decline_on_an_ordinary_item_is_refused(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    user, message = await _pulse(people, workspace, 3)
    ordinary_id, ordinary = next((q, b) for q, b in people.answer_buttons(message).items() if q != SENSITIVE)
    real = people.decline_buttons(message)[SENSITIVE]
    value = json.loads(real.value) | {"q": ordinary_id}
    forged = Button(
        real.action_id, f"a_{ordinary_id}", json.dumps(value, separators=(",", ":")), DECLINE_LABEL
    )
    status, _ = await people.click(user, message, forged)
    assert status == 200
    refused = "has no “Prefer not to say” option"

    def texts() -> list[str]:
        ephemeral = [str(c.args.get("text", "")) for c in slack.calls_to("chat.postEphemeral")]
        return ephemeral + [str(r.body.get("text", "")) for r in slack.responses()]

    await eventually(lambda: [t for t in texts() if refused in t])
    assert await _stored(runtime, ordinary_id) == []
    assert ordinary  # the ordinary item had its scale buttons all along


def _pointers(slack: FakeSlack) -> list[dict[str, object]]:
    return [
        r.body
        for r in slack.responses()
        if r.body.get("response_type") == "ephemeral" and NOTE in str(r.body.get("text", ""))
    ]


class TestWithChoicesHidden:
    """With PULSE_SHOWS_CHOICES off the DM shows progress only, and a decline brings no ephemeral note."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, pulse_shows_choices=False)

    async def test_a_decline_shows_as_done_only_and_sends_no_pointer(
        self, runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
    ) -> None:
        user, message = await _pulse(people, workspace, 4)
        await people.click(user, message, people.decline_buttons(message)[SENSITIVE])
        await eventually(lambda: _section(people.pulse_message(user) or message, SENSITIVE).startswith("✅"))
        drawn = people.pulse_message(user)
        assert drawn is not None
        assert _chosen(drawn) == {}
        assert DECLINE_LABEL not in _section(drawn, SENSITIVE)
        (row,) = await _stored(runtime, SENSITIVE)
        assert row.declined
        assert _pointers(slack) == []
        # The probe sees a pointer where one is due: a hard answer after the decline brings one.
        await people.click(user, drawn, people.answer_buttons(drawn)[SENSITIVE][4])
        assert len(await eventually(lambda: _pointers(slack))) == 1
