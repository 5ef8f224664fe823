"""Which signed requests take the answer-click path past Bolt's dispatch (handlers/slack/server.py)."""

from __future__ import annotations

import json

from handlers.slack.server import answer_click_body, interaction_payload
from handlers.slack.simulation.signing import block_actions

ANSWER = '{"r":"r1","q":"q1","b":"b1","t":"t1","v":3}'
DM = {
    "ts": "1.0",
    "text": "pulse",
    "blocks": [{"type": "actions", "elements": [{"action_id": "pulse_answer_1_3"}]}],
}


def _payload(action_id: str) -> str:
    body, _ = block_actions(
        user_id="U1", action_id=action_id, value=ANSWER, message=DM, channel_id="D1", message_ts="1.0"
    )
    payload = interaction_payload(body.decode())
    assert payload is not None
    return payload


def test_one_answer_click_is_taken_with_its_payload_decoded() -> None:
    body = answer_click_body(_payload("pulse_answer_1_3"))
    assert body is not None
    assert body["actions"][0]["value"] == ANSWER
    assert body["user"]["id"] == "U1"


def test_another_button_on_the_pulse_dm_is_left_to_bolt() -> None:
    # The DM's answer buttons travel with the message, so the text alone does not decide.
    assert answer_click_body(_payload("pulse_comment")) is None


def test_a_payload_not_shaped_like_slacks_is_left_to_bolt_to_refuse() -> None:
    shaped = json.loads(_payload("pulse_answer_1_3"))
    two = {**shaped, "actions": shaped["actions"] * 2}
    no_user = {**shaped, "user": "U1"}
    for body in (two, no_user):
        assert answer_click_body(json.dumps(body)) is None
    assert answer_click_body('{"type": "block_actions", "actions": [{"action_id": "pulse_answer_1_') is None
