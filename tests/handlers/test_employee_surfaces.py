"""What an employee sees, rendered: within Block Kit's limits, and written out in
docs/employee-surfaces.md so a reader sees the words people read (the test fails if they drift;
`UPDATE_DOCS=1` rewrites the file after a deliberate change)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.ballots import PulsePromise
from bot.config import Settings
from bot.home import (
    CoordinatorHome,
    EmployeeHome,
    HomeView,
    LastDigest,
    OpenPulse,
    RoundParticipation,
    SupporterHome,
)
from bot.i18n import speaking
from bot.policies import policy_status
from bot.ports import PostedMessage
from bot.questions import Question, load_question_bank
from bot.support import SessionSummary, TrainingStatus, load_support_taxonomy
from bot.surveys import AnsweredFigure
from handlers.slack.blocks.feedback import build_feedback_modal
from handlers.slack.blocks.help import build_harm_note, build_help_message, build_support_line
from handlers.slack.blocks.home import app_messages_link, build_home_view
from handlers.slack.blocks.pulse import (
    ANSWER_ACTION_PREFIX,
    PULSE_CLOSED_TEXT,
    build_comment_modal,
    build_pulse_blocks,
    build_reminder_text,
    pulse_permalink,
)
from handlers.slack.blocks.safety import build_safety_message
from storage.digest_models import ImprovementAction
from storage.policy_models import Policy

DOC = Path(__file__).resolve().parents[2] / "docs" / "employee-surfaces.md"
BANK = load_question_bank().questions
CLOSES = datetime(2026, 12, 4, 10, tzinfo=UTC)
SETTINGS = Settings(
    peerpulse_secret="doc-secret",
    coordinator_channel="G0COORD",
    supporters_channel="G0SUPPORT",
)
PROMISE = PulsePromise(
    min_group_size=SETTINGS.min_group_size,
    retention_days=SETTINGS.retention_days,
    timezone=SETTINGS.default_timezone,
)


TAXONOMY = load_support_taxonomy()
TODAY = CLOSES.date()
EMPLOYEE_HOME = EmployeeHome(
    pulse=OpenPulse(closes_at=CLOSES, answered=False, dm=PostedMessage("D0EXAMPLE", "1796012165.799162")),
    opted_out=False,
    supporters=("U0SAMRIVER", "U0LEEPARK"),
    promise=PROMISE,
)


def _session(n: int, *, days_ago: int, follow_up_in: int | None = None) -> SessionSummary:
    on = TODAY - timedelta(days=days_ago)
    return SessionSummary(
        id=f"{n:032d}",
        session_date=on,
        duration_minutes=30 + 15 * n,
        category=("verbal_abuse", "exclusion", "work_sabotage")[n % 3],
        contact_channel="chat",
        outcome="listened",
        follow_up_on=TODAY + timedelta(days=follow_up_in) if follow_up_in is not None else None,
        follow_up_done=False,
        note=None,
        created_at=datetime(on.year, on.month, on.day, 15, tzinfo=UTC),
        editable=days_ago == 0,
    )


def _homes() -> dict[str, HomeView]:
    """An employee's, a supporter's and a coordinator's home, as the domain hands them over."""
    sessions = [
        _session(0, days_ago=0, follow_up_in=2),
        _session(1, days_ago=6, follow_up_in=-1),
        _session(2, days_ago=12),
    ]
    supporter = SupporterHome(
        training=TrainingStatus(
            state="lapsing",
            last_on=date(2025, 12, 20),
            last_title="Active listening",
            valid_until=date(2026, 12, 20),
        ),
        follow_ups_due=(sessions[1], sessions[0]),
        recent=tuple(sessions),
        today=TODAY,
    )
    action = ImprovementAction(
        id="a" * 32,
        team_id="T0",
        practice_id="listening_circles",
        title="Run listening circles in every team",
        owner_id="U0CORABELL",
        adopted_by="U0CORABELL",
        due_on=TODAY + timedelta(days=20),
        construct_id="psych_safety",
        success_measure="",
    )
    policy = Policy(
        id="p" * 32,
        team_id="T0",
        name="Dignity at work policy",
        link="https://intranet.example.com/dignity",
        owner_id="U0CORABELL",
        review_interval_months=12,
        last_reviewed_on=date(2025, 11, 1),
        created_at=datetime(2024, 1, 8, tzinfo=UTC),
    )
    coordinator = CoordinatorHome(
        participation=RoundParticipation(
            opened_at=CLOSES - timedelta(days=3),
            closes_at=CLOSES,
            invited=42,
            answered=AnsweredFigure("fewer", SETTINGS.min_group_size, None, False, SETTINGS.min_group_size),
        ),
        open_actions=(action,),
        more_actions=0,
        reviews_due=(policy_status(policy, today=TODAY),),
        more_reviews=0,
        last_digest=LastDigest(
            posted_at=datetime(2026, 11, 30, 9, tzinfo=UTC),
            channel=SETTINGS.coordinator_channel,
            message=PostedMessage(SETTINGS.coordinator_channel, "1796000000.000100"),
        ),
        today=TODAY,
    )
    return {
        "employee": HomeView(viewer="U0ANALOPEZ", employee=EMPLOYEE_HOME),
        "supporter": HomeView(viewer="U0SAMRIVER", employee=EMPLOYEE_HOME, supporter=supporter),
        "coordinator": HomeView(viewer="U0CORABELL", employee=EMPLOYEE_HOME, coordinator=coordinator),
    }


def _home(role: str) -> dict[str, Any]:
    return build_home_view(
        _homes()[role],
        taxonomy=TAXONOMY,
        zone=SETTINGS.default_timezone,
        messages_link=app_messages_link(app_id="A0EXAMPLE", team_id="T0EXAMPLE"),
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
                assert len(button.get("value", "")) <= 2000
                assert len(button["action_id"]) <= 255


def _check_modal(view: dict[str, Any]) -> None:
    assert len(view["title"]["text"]) <= 24
    assert all(len(view[button]["text"]) <= 24 for button in ("submit", "close") if button in view)
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
    for role in ("employee", "supporter", "coordinator"):
        home = _home(role)
        assert home["type"] == "home" and len(home["blocks"]) <= 100
        _check_message(home["blocks"])


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
                    f"[✓ {e['text']['text']}]" if _chosen_answer(e) else f"[{e['text']['text']}]"
                    for e in block["elements"]
                )
            )
        elif block["type"] == "header":
            lines.append(f"**{block['text']['text']}**")
        elif "accessory" in block:
            lines.extend(_texts(block["text"]))
            lines[-1] += f"  [{block['accessory']['text']['text']}]"
        elif block["type"] == "input":
            field = "[ choose one ▾ ]" if block["element"]["type"] == "static_select" else "[ text box ]"
            lines.append(f"{block['label']['text']}\n{field}")
        else:
            lines.extend(_texts(block))
    return "\n\n".join(lines)


def _chosen_answer(element: dict[str, Any]) -> bool:
    return element.get("style") == "primary" and str(element.get("action_id", "")).startswith(
        ANSWER_ACTION_PREFIX
    )


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
        "## App Home: an employee",
        "Everyone sees this part; a supporter's and a coordinator's home add theirs below it.",
        _quoted(_as_text(_home("employee")["blocks"])),
        "## App Home: a peer supporter (the part after everyone's)",
        "Only their own training, follow-ups and sessions.",
        _quoted(_as_text(_home("supporter")["blocks"][len(_home("employee")["blocks"]) :])),
        "## App Home: a coordinator (the part after everyone's)",
        f"Participation as `/pulse status` tells it: here fewer than {SETTINGS.min_group_size} have answered.",
        _quoted(_as_text(_home("coordinator")["blocks"][len(_home("employee")["blocks"]) :])),
    ]
    return "\n\n".join(parts) + "\n"


def test_the_doc_shows_what_people_see() -> None:
    rendered = render_doc()
    if os.environ.get("UPDATE_DOCS") == "1":
        DOC.write_text(rendered, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == rendered, "run with UPDATE_DOCS=1 after a deliberate change"


DOC_DE = DOC.with_name("employee-surfaces.de.md")


def test_the_german_doc_shows_what_a_german_reader_sees() -> None:
    # The same surfaces, drawn for someone whose Slack is in German (headings stay English for reviewers).
    with speaking("de"):
        rendered = render_doc()
    rendered = rendered.replace(
        "# What an employee sees", "# What an employee sees, in German (Slack locale `de-*`)", 1
    )
    if os.environ.get("UPDATE_DOCS") == "1":
        DOC_DE.write_text(rendered, encoding="utf-8")
    assert DOC_DE.read_text(encoding="utf-8") == rendered, "run with UPDATE_DOCS=1 after a deliberate change"
