"""The pulse DM's "Prefer not to say": only on sensitive items, marked when tapped, never a support note."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.ballots import PulsePromise
from bot.questions import load_question_bank
from handlers.slack.blocks.pulse import (
    ANSWER_ACTION_PATTERN,
    DECLINE_LABEL,
    build_pulse_blocks,
    decode_answer,
    encode_answer,
)

BANK = load_question_bank()
PROMISE = PulsePromise(min_group_size=5, retention_days=365, timezone="UTC")
NOTE = "Support is here if you need it"


def _blocks(**kwargs: Any) -> list[dict[str, Any]]:
    args: dict[str, Any] = {
        "round_id": "r1",
        "questions": list(BANK.questions),
        "ballot": "b" * 32,
        "tag": "t" * 20,
        "answered": frozenset(),
        "closes_at": datetime(2026, 12, 4, 10, tzinfo=UTC),
        "promise": PROMISE,
    }
    return build_pulse_blocks(**(args | kwargs))


def _decline_buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Question id -> its "Prefer not to say" button."""
    return {
        str(block["block_id"]).removeprefix("a_"): element
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["text"]["text"] == DECLINE_LABEL
    }


def test_only_sensitive_items_offer_prefer_not_to_say() -> None:
    sensitive = {q.id for q in BANK.questions if q.sensitive}
    assert sensitive == {"experienced_negative", "witnessed_negative"}
    buttons = _decline_buttons(_blocks())
    assert set(buttons) == sensitive
    for question_id, button in buttons.items():
        assert ANSWER_ACTION_PATTERN.match(button["action_id"])
        assert decode_answer(button["value"]) == {
            "r": "r1",
            "q": question_id,
            "b": "b" * 32,
            "t": "t" * 20,
            "d": 1,
        }
        assert "style" not in button


def test_a_decline_is_drawn_as_the_tapped_choice_and_brings_no_support_note() -> None:
    blocks = _blocks(
        answered=frozenset({"experienced_negative"}),
        declined=frozenset({"experienced_negative"}),
        harm_note=NOTE,
    )
    button = _decline_buttons(blocks)["experienced_negative"]
    assert button["style"] == "primary"
    section = next(b for b in blocks if b.get("block_id") == "q_experienced_negative")
    assert f"your answer: {DECLINE_LABEL}" in section["text"]["text"]
    assert section["text"]["text"].startswith("✅")
    text = json.dumps(blocks, ensure_ascii=False)
    assert NOTE not in text
    # Only that one button is drawn as chosen.
    assert text.count('"style": "primary"') == 1


def test_a_scale_answer_after_a_decline_is_the_only_choice_drawn() -> None:
    # The progress read back holds one or the other; the value wins if both were ever passed.
    blocks = _blocks(
        answered=frozenset({"experienced_negative"}),
        chosen={"experienced_negative": 5},
        declined=frozenset({"experienced_negative"}),
    )
    assert "style" not in _decline_buttons(blocks)["experienced_negative"]
    section = next(b for b in blocks if b.get("block_id") == "q_experienced_negative")
    assert DECLINE_LABEL not in section["text"]["text"]


@pytest.mark.parametrize(
    "raw",
    [
        '{"r":"r","q":"q","b":"b","t":"t","d":1,"v":3}',  # a decline and a value at once
        '{"r":"r","q":"q","b":"b","t":"t","d":true}',
        '{"r":"r","q":"q","b":"b","t":"t","d":2}',
        '{"r":"r","q":"q","b":"b","t":"t","d":"1"}',
    ],
)
def test_a_forged_decline_value_is_not_ours(raw: str) -> None:
    with pytest.raises(ValueError, match="not a pulse answer"):
        decode_answer(raw)


def test_the_decline_value_round_trips() -> None:
    assert decode_answer(encode_answer("r", "q", "b", "t", declined=True))["d"] == 1
    assert ANSWER_ACTION_PATTERN.match("pulse_answer_3_decline")
    assert not ANSWER_ACTION_PATTERN.match("pulse_answer_3_declined")
