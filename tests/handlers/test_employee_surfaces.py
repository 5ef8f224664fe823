"""What an employee sees, rendered: within Block Kit's limits, and written out in
docs/employee-surfaces.md so a reader sees the words people read (the test fails if they drift;
`UPDATE_DOCS=1` rewrites the file after a deliberate change)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.ballots import PulsePromise
from bot.config import Settings
from bot.questions import Question, load_question_bank
from handlers.slack.blocks.feedback import build_feedback_modal
from handlers.slack.blocks.help import build_harm_note, build_help_message, build_support_line
from handlers.slack.blocks.pulse import (
    PULSE_CLOSED_TEXT,
    build_comment_modal,
    build_pulse_blocks,
    build_reminder_text,
    pulse_permalink,
)
from handlers.slack.blocks.safety import build_safety_message

DOC = Path(__file__).resolve().parents[2] / "docs" / "employee-surfaces.md"
BANK = load_question_bank().questions
CLOSES = datetime(2026, 12, 4, 10, tzinfo=UTC)
SETTINGS = Settings(
    slack_bot_token="xoxb-doc",
    slack_signing_secret="doc-signing-secret",
    peerpulse_secret="doc-secret",
    coordinator_channel="G0COORD",
    supporters_channel="G0SUPPORT",
)
PROMISE = PulsePromise(
    min_group_size=SETTINGS.min_group_size,
    retention_days=SETTINGS.retention_days,
    timezone=SETTINGS.default_timezone,
)


def _round_questions() -> list[Question]:
    """A round as the bank draws one: five with buttons and the free-text one."""
    scaled = [q for q in BANK if q.kind != "text"]
    return [*scaled[:5], next(q for q in BANK if q.kind == "text")]


def _pulse(
    answered: frozenset[str] = frozenset(), chosen: dict[str, int] | None = None
) -> list[dict[str, Any]]:
    return build_pulse_blocks(
        round_id="0" * 32,
        questions=_round_questions(),
        ballot="b" * 32,
        tag="t" * 20,
        answered=answered,
        closes_at=CLOSES,
        promise=PROMISE,
        since_last_time="Coordinators ran two listening sessions after the last pulse.",
        chosen=chosen,
    )


def _answered_question(question: Question, value: int) -> list[dict[str, Any]]:
    """The blocks of one question (and any note under it) as its redraw shows them after the person chose `value`."""
    blocks = build_pulse_blocks(
        round_id="0" * 32,
        questions=[question],
        ballot="b" * 32,
        tag="t" * 20,
        answered=frozenset({question.id}),
        closes_at=CLOSES,
        promise=PROMISE,
        chosen={question.id: value},
        harm_note=build_harm_note(SETTINGS),
    )
    start = next(i for i, b in enumerate(blocks) if b.get("block_id") == f"q_{question.id}")
    end = next(i for i, b in enumerate(blocks) if b["type"] == "divider")
    return blocks[start:end]


def _texts(value: Any) -> list[str]:
    """Every text object's text, in order."""
    if isinstance(value, dict):
        if value.get("type") in ("plain_text", "mrkdwn") and isinstance(value.get("text"), str):
            return [value["text"]]
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def _check_message(blocks: list[dict[str, Any]]) -> None:
    assert len(blocks) <= 50
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids))
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
            assert all(len(e["text"]) <= 3000 for e in block["elements"])
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            for button in block["elements"]:
                assert len(button["text"]["text"]) <= 75
                assert len(button["value"]) <= 2000
                assert len(button["action_id"]) <= 255


def _check_modal(view: dict[str, Any]) -> None:
    assert len(view["title"]["text"]) <= 24
    assert len(view["submit"]["text"]) <= 24 and len(view["close"]["text"]) <= 24
    assert len(view["blocks"]) <= 100
    for block in view["blocks"]:
        if block["type"] == "input":
            assert len(block["label"]["text"]) <= 2000
        if block["type"] == "context":
            assert all(len(e["text"]) <= 3000 for e in block["elements"])


def test_every_employee_surface_is_within_block_kit_limits() -> None:
    _check_message(_pulse())
    everything = _round_questions()
    _check_message(
        _pulse(
            frozenset(q.id for q in everything),
            {q.id: q.values[-1] for q in everything if q.kind != "text"},
        )
    )
    # Every question of the bank answered at its bad end, with the pointer to support.
    _check_message(
        build_pulse_blocks(
            round_id="0" * 32,
            questions=list(BANK),
            ballot="b" * 32,
            tag="t" * 20,
            answered=frozenset(q.id for q in BANK),
            closes_at=CLOSES,
            promise=PROMISE,
            since_last_time="x" * 1500,
            chosen={q.id: q.values[-1] for q in BANK if q.values},
            harm_note=build_harm_note(SETTINGS),
        )
    )
    # The longest promise the settings allow still fits.
    wide = PulsePromise(min_group_size=100, retention_days=3650, timezone="America/Argentina/ComodRivadavia")
    _check_message(
        build_pulse_blocks(
            round_id="0" * 32,
            questions=_round_questions(),
            ballot="b" * 32,
            tag="t" * 20,
            answered=frozenset(),
            closes_at=CLOSES,
            promise=wide,
            since_last_time="x" * 1500,
        )
    )
    _check_message(build_help_message(SETTINGS)["blocks"])
    _check_message(build_safety_message("self_harm", SETTINGS)["blocks"])
    assert len(build_reminder_text(CLOSES, PROMISE, pulse_link=_link())) <= 4000
    text_question = next(q for q in BANK if q.kind == "text")
    _check_modal(
        build_comment_modal(
            private_metadata="{}",
            question=text_question,
            min_group_size=PROMISE.min_group_size,
            support_line=build_support_line(SETTINGS),
        )
    )
    _check_modal(build_feedback_modal(support_line=build_support_line(SETTINGS)))


def _link() -> str:
    return pulse_permalink("https://acme.slack.com/", channel="D0EXAMPLE", ts="1796012165.799162")


def _as_text(blocks: list[dict[str, Any]]) -> str:
    """A block list the way it reads: one paragraph per text, buttons in brackets."""
    lines: list[str] = []
    for block in blocks:
        if block["type"] == "divider":
            lines.append("---")
        elif block["type"] == "actions":
            # The highlighted (chosen) button is marked ✓ here; Slack draws it in the primary colour.
            lines.append(
                " ".join(
                    f"[✓ {e['text']['text']}]" if e.get("style") == "primary" else f"[{e['text']['text']}]"
                    for e in block["elements"]
                )
            )
        elif block["type"] == "input":
            field = "[ choose one ▾ ]" if block["element"]["type"] == "static_select" else "[ text box ]"
            lines.append(f"{block['label']['text']}\n{field}")
        else:
            lines.extend(_texts(block))
    return "\n\n".join(lines)


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def render_doc() -> str:
    """docs/employee-surfaces.md as the code renders it today."""
    questions = _round_questions()
    modal = build_comment_modal(
        private_metadata="{}",
        question=questions[-1],
        min_group_size=PROMISE.min_group_size,
        support_line=build_support_line(SETTINGS),
    )
    feedback = build_feedback_modal(support_line=build_support_line(SETTINGS))
    help_reply = build_help_message(SETTINGS)
    parts = [
        "# What an employee sees",
        "Rendered from the code with the default settings (`MIN_GROUP_SIZE=5`, `RETENTION_DAYS=365`,"
        " `DEFAULT_TIMEZONE=UTC`) and the packaged support resources; kept in step by"
        " `tests/handlers/test_employee_surfaces.py` (`UPDATE_DOCS=1` rewrites this file). Slack shows"
        " each `<!date^…|…>` in the reader's own time zone; the text after `|` is only what Slack shows"
        " where it cannot.",
        "## The pulse DM",
        _quoted(_as_text(_pulse())),
        "## A question once answered (only in the person's own DM, from their stored answer; the tapped"
        " button is highlighted, marked ✓ here)",
        _quoted(_as_text(_answered_question(questions[0], 4))),
        '## A question about being treated badly, answered at its hard end ("Often" or "Very often"):'
        " a pointer to support under it, once per DM, drawn from the person's own answers and never stored",
        _quoted(_as_text(_answered_question(next(q for q in BANK if q.sensitive), 5))),
        "## The pulse DM once every question is answered (its last line)",
        _quoted(_as_text(_pulse(frozenset(q.id for q in questions))[-1:])),
        "## The reminder (the same words for everyone; the link is to the person's own pulse DM)",
        _quoted(build_reminder_text(CLOSES, PROMISE, pulse_link=_link())),
        "## Every pulse DM once the round closes",
        _quoted(PULSE_CLOSED_TEXT),
        "## The comment box",
        _quoted(_as_text(modal["blocks"])),
        "## `/feedback`",
        _quoted(_as_text(feedback["blocks"])),
        "## Writing to the bot in its Messages tab (at most once per person every 10 minutes)",
        _quoted(_as_text(help_reply["blocks"])),
    ]
    return "\n\n".join(parts) + "\n"


def test_the_doc_shows_what_people_see() -> None:
    rendered = render_doc()
    if os.environ.get("UPDATE_DOCS") == "1":
        DOC.write_text(rendered, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == rendered, "run with UPDATE_DOCS=1 after a deliberate change"
