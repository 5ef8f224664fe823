"""Digest Block Kit builders: Slack's limits are respected by splitting, never by failing."""

from __future__ import annotations

from typing import Any

from handlers.slack.blocks.digest import (
    MAX_BLOCKS,
    MAX_SECTION_CHARS,
    blocks_as_text,
    split_long_sections,
    split_messages,
)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _buttons(n: int) -> dict[str, Any]:
    return {
        "type": "actions",
        "elements": [{"type": "button", "action_id": f"b{n}", "text": {"type": "plain_text", "text": "Go"}}],
    }


def test_many_blocks_become_several_messages_of_at_most_fifty() -> None:
    blocks = [_section(f"line {i}") for i in range(130)]
    messages = split_messages(blocks, fallback="Digest")
    assert [len(m["blocks"]) for m in messages] == [49, 49, 32]
    assert [b for m in messages for b in m["blocks"]] == blocks
    assert messages[0]["text"] == "Digest (1/3)"


def test_a_section_is_never_separated_from_its_buttons() -> None:
    blocks = [_section(f"line {i}") for i in range(48)] + [
        _section("suggestion"),
        _buttons(1),
        _section("after"),
    ]
    messages = split_messages(blocks, fallback="Digest")
    assert all(len(m["blocks"]) <= MAX_BLOCKS for m in messages)
    first = messages[0]["blocks"]
    assert first[-1]["type"] == "actions"
    assert first[-2] == _section("suggestion")


def test_long_sections_are_split_at_line_breaks_without_losing_text() -> None:
    lines = [f"{i:04d} " + "x" * 95 for i in range(80)]  # ~8,000 characters
    out = split_long_sections([_section("\n".join(lines))])
    assert len(out) == 3
    assert all(len(b["text"]["text"]) <= MAX_SECTION_CHARS for b in out)
    assert "\n".join(b["text"]["text"] for b in out) == "\n".join(lines)


def test_a_single_overlong_line_is_cut_into_sections_too() -> None:
    out = split_long_sections([_section("y" * 7000)])
    assert [len(b["text"]["text"]) for b in out] == [3000, 3000, 1000]


def test_text_rendering_shows_sections_context_and_buttons() -> None:
    text = blocks_as_text(
        [
            {"type": "header", "text": {"type": "plain_text", "text": "Digest"}},
            _section("*Participation*"),
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "withheld below k"}]},
            {"type": "divider"},
            _buttons(1),
        ]
    )
    assert text.splitlines() == ["Digest", "*Participation*", "  withheld below k", "-" * 72, "  [Go]"]
