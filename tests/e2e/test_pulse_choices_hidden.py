"""With PULSE_SHOWS_CHOICES off, the DM keeps no answer; a hard answer's pointer goes ephemerally."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.config import Settings
from handlers.slack.simulation.people import People
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, Workspace
from tests.support import eventually

NOTE = "You don't have to deal with this alone"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A workspace whose Slack keeps edit history: the DM must never hold anyone's answers."""
    return dataclasses.replace(settings, pulse_shows_choices=False)


def _pointers(slack: FakeSlack) -> list[dict[str, object]]:
    return [
        r.body
        for r in slack.responses()
        if r.body.get("response_type") == "ephemeral" and NOTE in str(r.body.get("text", ""))
    ]


def _shows_a_choice(message: Message) -> bool:
    text = json.dumps(message.blocks, ensure_ascii=False)
    return '"style": "primary"' in text or "your answer" in text or NOTE in text


async def test_the_dm_shows_progress_only_and_a_hard_answer_gets_one_ephemeral_pointer(
    people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.channels[COORDINATOR_CHANNEL_ID].members[0]
    assert (await people.send_pulse(coordinator))[0] == 200
    user = [u.id for u in workspace.active_humans()][4]
    message = await eventually(lambda: people.pulse_message(user))
    buttons = people.answer_buttons(message)
    ordinary_id, ordinary = next(iter(buttons.items()))
    sensitive = buttons["experienced_negative"]
    assert ordinary_id != "experienced_negative"

    await people.click(user, message, ordinary[0])
    await people.click(user, message, sensitive[1])
    await eventually(lambda: "✅" in json.dumps(people.pulse_message(user).blocks, ensure_ascii=False))  # type: ignore[union-attr]
    assert _pointers(slack) == []

    await people.click(user, message, sensitive[4])  # "Very often"
    (pointer,) = await eventually(lambda: _pointers(slack))
    assert pointer.get("replace_original") is False
    assert "Only you can see this message" in str(pointer["text"])
    drawn = people.pulse_message(user)
    assert drawn is not None
    assert not _shows_a_choice(drawn), "the DM kept an answer although PULSE_SHOWS_CHOICES is off"

    # A later, harmless click brings no second pointer.
    await people.click(user, drawn, ordinary[2])
    await eventually(lambda: len([r for r in slack.responses() if r.body.get("replace_original")]) >= 4)
    assert len(_pointers(slack)) == 1
    assert not _shows_a_choice(people.pulse_message(user) or drawn)
