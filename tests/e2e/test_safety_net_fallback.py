"""The safety net cannot fail closed: a broken SUPPORT_RESOURCES_FILE still gets a person help."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bot.config import Settings
from bot.privacy import load_support_resources
from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import block_actions, state_text
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace, build_workspace, dm_channel_id
from tests.support import eventually


@pytest.fixture
def workspace() -> Workspace:
    """A small workspace keeps the round's fan-out quick."""
    return build_workspace(employees=8)


@pytest.fixture(params=["missing", "invalid"])
def settings(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> Settings:
    """Settings naming a resources file that does not exist, or one that is not valid."""
    path = tmp_path / "support_resources.yml"
    if request.param == "invalid":
        path.write_text("eap_contact: only this one\n", encoding="utf-8")
    return dataclasses.replace(settings, support_resources_path=path)


async def test_i_want_to_die_gets_the_built_in_resources_when_the_file_is_broken(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    status, _ = await people.send_pulse(workspace.coordinators()[0])
    assert status == 200
    staff = set(workspace.coordinators()) | set(workspace.supporters())
    author = next(u.id for u in workspace.active_humans() if u.id not in staff)
    message = await eventually(lambda: people.pulse_message(author))
    button = people.comment_button(message)
    assert button is not None
    trigger = slack.new_trigger_id(author)
    status, _ = await people.post(
        block_actions(
            user_id=author,
            action_id=button.action_id,
            block_id=button.block_id,
            value=button.value,
            channel_id=message.channel,
            message_ts=message.ts,
            trigger_id=trigger,
            response_url=slack.new_response_url(),
            message={"ts": message.ts, "text": message.text, "blocks": message.blocks or []},
        )
    )
    assert status == 200
    modal = (await eventually(lambda: [v for v in slack.opened_views() if v.trigger_id == trigger]))[0]
    field = next(b for b in modal.view["blocks"] if b["type"] == "input")

    status, reply = await people.submit_view(
        author,
        callback_id=modal.view["callback_id"],
        private_metadata=modal.view.get("private_metadata", ""),
        state_values={field["block_id"]: {field["element"]["action_id"]: state_text("I want to die")}},
    )

    assert status == 200
    built_in = load_support_resources()
    replies = await eventually(
        lambda: [m for m in slack.all_messages() if built_in.crisis_line in json.dumps([m.text, m.blocks])]
    )
    assert [m.channel for m in replies] == [dm_channel_id(author)]
    everything = json.dumps([[m.text, m.blocks] for m in slack.dm_messages(author)]) + json.dumps(reply)
    assert "Something went wrong" not in everything
    for value in (built_in.emergency_number, built_in.eap_contact, built_in.peer_supporter_now):
        assert value in json.dumps([replies[0].text, replies[0].blocks])
