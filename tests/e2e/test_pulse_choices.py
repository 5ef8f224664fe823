"""The pulse DM shows a person their own stored choices while the round is open, and nothing after."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlmodel import select

from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, Workspace
from storage.models import SurveyAnswer
from tests.support import eventually


async def _open_round(people: People, workspace: Workspace) -> None:
    coordinator = workspace.channels[COORDINATOR_CHANNEL_ID].members[0]
    status, _ = await people.send_pulse(coordinator)
    assert status == 200


def _humans(workspace: Workspace) -> list[str]:
    return [
        u.id
        for u in workspace.users.values()
        if not (u.is_bot or u.deleted or u.is_restricted or u.is_ultra_restricted or u.id == "USLACKBOT")
    ]


def _chosen(message: Message) -> dict[str, str]:
    """Question id -> the label of the button drawn as chosen."""
    found: dict[str, str] = {}
    for block in message.blocks or []:
        for element in block.get("elements", []):
            if element.get("type") == "button" and element.get("style") == "primary":
                found[str(block["block_id"]).removeprefix("a_")] = element["text"]["text"]
    return found


def _question_text(message: Message, question_id: str) -> str:
    block: dict[str, Any] = next(b for b in message.blocks or [] if b.get("block_id") == f"q_{question_id}")
    return str(block["text"]["text"])


async def test_the_dm_marks_the_tapped_option_and_moves_it_when_the_answer_changes(
    people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    await _open_round(people, workspace)
    user = _humans(workspace)[2]
    message = await eventually(lambda: people.pulse_message(user))
    assert _chosen(message) == {}
    (first_id, first), (second_id, second) = list(people.answer_buttons(message).items())[:2]

    await people.click(user, message, first[1])
    await eventually(lambda: _chosen(people.pulse_message(user) or message) == {first_id: first[1].label})
    drawn = people.pulse_message(user)
    assert drawn is not None
    assert f"your answer: {first[1].label}" in _question_text(drawn, first_id)

    await people.click(user, drawn, second[0])
    await people.click(user, drawn, first[3])
    want = {first_id: first[3].label, second_id: second[0].label}
    await eventually(lambda: _chosen(people.pulse_message(user) or message) == want)
    drawn = people.pulse_message(user)
    assert drawn is not None
    assert f"your answer: {first[3].label}" in _question_text(drawn, first_id)
    assert f"your answer: {first[1].label}" not in _question_text(drawn, first_id)


async def test_quick_taps_end_on_the_stored_answer_whatever_order_the_redraws_run_in(
    runtime: Runtime, people: People, workspace: Workspace
) -> None:
    await _open_round(people, workspace)
    user = _humans(workspace)[3]
    message = await eventually(lambda: people.pulse_message(user))
    question_id, options = next(iter(people.answer_buttons(message).items()))
    await asyncio.gather(*(people.click(user, message, option) for option in options))
    async with runtime.db.session() as session:
        stored = (
            await session.exec(select(SurveyAnswer).where(SurveyAnswer.question_id == question_id))
        ).one()
    want = {question_id: options[(stored.value or 0) - 1].label}
    await eventually(lambda: _chosen(people.pulse_message(user) or message) == want)
    await asyncio.sleep(0.3)  # any redraw still running must not roll it back
    assert _chosen(people.pulse_message(user) or message) == want


NOTE = "You don't have to deal with this alone"


def _notes(message: Message) -> list[int]:
    """Positions of the support note among the DM's blocks."""
    return [i for i, b in enumerate(message.blocks or []) if NOTE in json.dumps(b, ensure_ascii=False)]


async def test_a_harmful_answer_on_a_sensitive_item_brings_a_private_pointer_to_support(
    people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    await _open_round(people, workspace)
    user = _humans(workspace)[4]
    message = await eventually(lambda: people.pulse_message(user))
    buttons = people.answer_buttons(message)
    ordinary_id, ordinary = next(iter(buttons.items()))
    sensitive = buttons["experienced_negative"]
    assert ordinary_id not in {"experienced_negative", "witnessed_negative"}

    def posts_to_user() -> int:
        calls = [*slack.calls_to("chat.postEphemeral"), *slack.calls_to("chat.postMessage")]
        return sum(
            1 for c in calls if c.args.get("channel") in {user, message.channel} or c.args.get("user") == user
        )

    posts_before = posts_to_user()

    # The unfavourable end of an ordinary item, and a harmless answer on the sensitive one: no note.
    await people.click(user, message, ordinary[0])
    await people.click(user, message, sensitive[1])
    await eventually(lambda: len(_chosen(people.pulse_message(user) or message)) == 2)
    assert _notes(people.pulse_message(user) or message) == []

    await people.click(user, message, sensitive[4])  # "Very often"
    await eventually(lambda: bool(_notes(people.pulse_message(user) or message)))
    drawn = people.pulse_message(user)
    assert drawn is not None
    blocks = drawn.blocks or []
    (at,) = _notes(drawn)
    assert blocks[at - 1]["block_id"] == "a_experienced_negative"  # right under the question
    note = json.dumps(blocks[at], ensure_ascii=False)
    assert "Home" in note and "emergency" in note

    # Back to a harmless answer: the note goes, as it was never stored anywhere.
    await people.click(user, drawn, sensitive[0])
    await eventually(
        lambda: _chosen(people.pulse_message(user) or message).get("experienced_negative") == "Never"
    )
    assert _notes(people.pulse_message(user) or message) == []
    # In the DM itself: no extra message or Web API call on the click's path.
    assert posts_to_user() == posts_before
