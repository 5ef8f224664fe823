"""No word a person reads escapes the catalogue: each surface rendered in the pseudo-language.

In `qps` every catalogued string comes back wrapped in ⟦ ⟧; whatever letters are left outside
the brackets (beyond Slack markup, commands and the data shown) were written past `_()`, and
would stay English for a German reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.announcements import ActionAdopted, ActionClosed, ActionProgress
from bot.i18n import PSEUDO_LANGUAGE, _, speaking
from bot.insights import Suppressed
from bot.questions import load_question_bank
from bot.support import (
    FollowUpResult,
    SavedSession,
    SavedTraining,
    SupporterRow,
    SupportersOverview,
    TrainingStatus,
)
from bot.surveys import Schedules
from handlers.shared.peer_log_words import training_status_text
from handlers.slack.blocks.admin import build_questions_text, build_schedule_text
from handlers.slack.blocks.announcements import build_announcement
from handlers.slack.blocks.confirmations import build_comment_saved_view, build_feedback_received_view
from handlers.slack.blocks.feedback import build_feedback_modal
from handlers.slack.blocks.help import build_harm_note, build_help_message, build_support_line
from handlers.slack.blocks.peer_log import (
    build_follow_up_message,
    build_follow_up_resolved,
    build_session_confirmation,
    build_session_list_message,
    build_session_modal,
    build_training_confirmation,
    build_training_modal,
    build_training_reminder_text,
)
from handlers.slack.blocks.pulse import (
    build_comment_modal,
    build_pulse_blocks,
    build_pulse_closed_blocks,
    build_reminder_text,
    pulse_fallback_text,
)
from handlers.slack.blocks.safety import build_escalation_message, build_safety_message
from handlers.slack.blocks.supporters import build_supporters_text
from handlers.slack.blocks.updates import (
    build_closed_action_blocks,
    build_update_draft_modal,
    build_update_failed_text,
    build_update_message,
    build_update_preview_modal,
    build_update_published_text,
    build_update_waiting_text,
)
from handlers.slack.commands.peer_log import USAGE as PEER_LOG_USAGE
from handlers.slack.replies import user_message_for
from storage.digest_models import ImprovementAction
from tests.handlers.test_employee_surfaces import (
    BANK,
    CLOSES,
    PROMISE,
    SETTINGS,
    TAXONOMY,
    TODAY,
    _check_message,
    _check_modal,
    _home,
    _link,
    _pulse,
    _session,
    _texts,
)
from tests.handlers.test_status_blocks import _status

# Slack markup, commands, links, figures and names are not words to translate.
NOT_WORDS = re.compile(r"<[^<>]*>|:[a-z0-9_+-]+:|`[^`]*`|https?://\S+|\bPeerPulse\b")
INNERMOST = re.compile(r"⟦[^⟦⟧]*⟧")


def escaped_words(text: str) -> list[str]:
    """Words outside every ⟦ ⟧ (brackets nest where one catalogued string is placed in another)."""
    text = NOT_WORDS.sub(" ", text)
    while INNERMOST.search(text):
        text = INNERMOST.sub(" ", text)
    return re.findall(r"[^\W\d_]{2,}", text)


# Data the surfaces above show (people's own words, titles): not PeerPulse speaking.
DATA = (
    "We started listening circles in every team.",
    "Listening circles",
    "not_in_channel",
    "Active listening",
    # Published citations stay as published.
    *(f"_{q.source}_" for q in load_question_bank().questions),
)


def _everything(value: Any) -> list[str]:
    """Every text in a message, view or list of blocks, with the data shown taken out."""
    texts = _all_texts(value)
    for data in DATA:
        texts = [t.replace(data, " ") for t in texts]
    return texts


def _all_texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    if isinstance(value, dict) and isinstance(value.get("text"), str) and "type" not in value:
        # A message: its notification text, and its blocks' texts if it has blocks.
        return [value["text"], *_texts(value.get("blocks", []))]
    return _texts(value)


TRAINING = {
    "none": TrainingStatus("none", None, None, None),
    "current": TrainingStatus("current", TODAY, "Active listening", TODAY + timedelta(days=180)),
    "lapsing": TrainingStatus("lapsing", TODAY, "Active listening", TODAY + timedelta(days=10)),
    "lapsed": TrainingStatus(
        "lapsed", TODAY - timedelta(days=200), "Active listening", TODAY - timedelta(days=20)
    ),
}

ACTION = ImprovementAction(
    id="a" * 32,
    team_id="T0",
    practice_id="listening_circles",
    title="Listening circles",
    owner_id="U0CORABELL",
    adopted_by="U0CORABELL",
    due_on=TODAY,
    construct_id="psych_safety",
    success_measure="",
)
UPDATE = "We started listening circles in every team."

OVERVIEW = SupportersOverview(
    since=TODAY - timedelta(days=28),
    until=TODAY - timedelta(days=1),
    rows=(
        SupporterRow("U0SAMRIVER", 6, 90, TRAINING["current"], 1),
        SupporterRow(
            "U0LEEPARK", Suppressed("fewer than k"), Suppressed("fewer than k"), TRAINING["lapsed"], 0
        ),
        SupporterRow("U0KIMNG", 7, 120, TRAINING["none"], Suppressed("fewer than k")),
        SupporterRow("U0ALIXU", 5, 60, TRAINING["lapsing"], 2),
    ),
    former_sessions=Suppressed("fewer than k"),
    former_minutes=Suppressed("fewer than k"),
    total_sessions=21,
    total_minutes=330,
    total_overdue=Suppressed("fewer than k"),
)
CLOSED = ACTION.model_copy(update={"before_value": 0.5, "after_value": 0.62, "progress_note": None})


def _every_question_answered_at_its_hard_end() -> list[dict[str, Any]]:
    sensitive = [q for q in BANK if q.sensitive]
    return build_pulse_blocks(
        round_id="0" * 32,
        questions=list(BANK),
        ballot="b" * 32,
        tag="t" * 20,
        answered=frozenset(q.id for q in BANK),
        closes_at=CLOSES,
        promise=PROMISE,
        chosen={q.id: q.values[-1] for q in BANK if q.values and not q.sensitive},
        declined=frozenset(q.id for q in sensitive[:1]),
        harm_note=build_harm_note(SETTINGS),
    )


SURFACES: dict[str, Callable[[], Any]] = {
    "pulse DM": lambda: _pulse(),
    "pulse DM, every question answered or declined": _every_question_answered_at_its_hard_end,
    "pulse DM, closed": build_pulse_closed_blocks,
    "pulse notification": lambda: [pulse_fallback_text(0, 5), pulse_fallback_text(5, 5)],
    "reminder, linked": lambda: build_reminder_text(CLOSES, PROMISE, pulse_link=_link()),
    "reminder": lambda: build_reminder_text(CLOSES, PROMISE),
    "comment form": lambda: build_comment_modal(
        private_metadata="{}",
        question=next(q for q in BANK if q.kind == "text"),
        min_group_size=5,
        support_line=build_support_line(SETTINGS),
    ),
    "harm note, private reply": lambda: build_harm_note(SETTINGS, ephemeral=True),
    "comment saved": build_comment_saved_view,
    "comment removed": lambda: build_comment_saved_view(removed=True),
    "feedback received": build_feedback_received_view,
    "supporters table": lambda: build_supporters_text(OVERVIEW),
    **{f"status, {n} answered": (lambda n=n: _status(n)) for n in (0, 7, 30)},
    "status, closed": lambda: _status(20, closed=True),
    "schedule": lambda: build_schedule_text(Schedules("0 10 * * tue", 3, "0 9 * * mon", "UTC", "G0COORD")),
    "question bank": lambda: build_questions_text(load_question_bank()),
    "action adopted": lambda: build_announcement(
        ActionAdopted(by="U0CORABELL", action=CLOSED), audience_channel=None
    ),
    "action progress": lambda: build_announcement(
        ActionProgress(by="U0CORABELL", action=ACTION), audience_channel=None
    ),
    "action closed": lambda: build_announcement(
        ActionClosed(by="U0CORABELL", action=CLOSED), audience_channel=None
    ),
    "update, as employees get it": lambda: build_update_message(UPDATE),
    "update, share button": lambda: build_closed_action_blocks("x", action_id=ACTION.id)[1],
    "update, draft": lambda: build_update_draft_modal(
        action=ACTION, draft=UPDATE, audience_channel="C0ALL", k=5, notice=""
    ),
    "update, preview": lambda: build_update_preview_modal(
        action_id=ACTION.id, text=UPDATE, destination="dm", audience_channel=None, update_id="u"
    ),
    **{
        f"update published, {where}": (
            lambda w=where: build_update_published_text(
                user_id="U0CORABELL",
                title=ACTION.title,
                text=UPDATE,
                destination=w,
                audience_channel="C0ALL",
                recipients=40,
            )
        )
        for where in ("channel", "dm")
    },
    "update refused": lambda: build_update_failed_text(
        user_id="U0CORABELL", title=ACTION.title, audience_channel="C0ALL", error="not_in_channel"
    ),
    "update waiting": lambda: build_update_waiting_text(
        user_id="U0CORABELL", title=ACTION.title, audience_channel=None
    ),
    "help reply": lambda: build_help_message(SETTINGS),
    "support line": lambda: build_support_line(SETTINGS),
    "harm note": lambda: build_harm_note(SETTINGS),
    "safety reply, self-harm": lambda: build_safety_message("self_harm", SETTINGS),
    "safety reply, violence": lambda: build_safety_message("violence", SETTINGS),
    "escalation, self-harm": lambda: build_escalation_message("self_harm", SETTINGS),
    "escalation, violence": lambda: build_escalation_message("violence", SETTINGS),
    "feedback form": lambda: build_feedback_modal(support_line=build_support_line(SETTINGS)),
    "home, everyone's part": lambda: _home("employee")["blocks"],
    "home, a supporter's": lambda: _home("supporter")["blocks"],
    "unexpected error": lambda: user_message_for(RuntimeError("boom")),
    "peer-log help": lambda: _(PEER_LOG_USAGE),
    "session form": lambda: build_session_modal(taxonomy=TAXONOMY, today=TODAY),
    "session form, editing": lambda: build_session_modal(
        taxonomy=TAXONOMY, today=TODAY, session=_session(1, days_ago=0, follow_up_in=3)
    ),
    "training form": lambda: build_training_modal(taxonomy=TAXONOMY, today=TODAY),
    "session saved": lambda: build_session_confirmation(
        SavedSession(_session(2, days_ago=0, follow_up_in=2), edited=False, note_scrubbed=True),
        taxonomy=TAXONOMY,
    ),
    "session list": lambda: build_session_list_message(
        [_session(n, days_ago=n, follow_up_in=n) for n in range(3)],
        taxonomy=TAXONOMY,
        notice=_("Session deleted."),
    ),
    "session list, empty": lambda: build_session_list_message([], taxonomy=TAXONOMY),
    "training saved": lambda: build_training_confirmation(
        SavedTraining("Active listening", TODAY, 1.5, TRAINING["current"])
    ),
    **{f"training {state}": (lambda s=status: training_status_text(s)) for state, status in TRAINING.items()},
    "training reminder, none": lambda: build_training_reminder_text(TRAINING["none"]),
    "training reminder, lapsed": lambda: build_training_reminder_text(TRAINING["lapsed"]),
    "follow-up due": lambda: build_follow_up_message(
        _session(0, days_ago=6), due_on=TODAY, taxonomy=TAXONOMY
    ),
    **{
        f"follow-up {done}/{changed}": (
            lambda d=done, c=changed: build_follow_up_resolved(FollowUpResult("s", TODAY, done=d, changed=c))
        )
        for done in (True, False)
        for changed in (True, False)
    },
    "database down": lambda: user_message_for(ConnectionError()),
}


def test_the_pseudo_language_catches_text_written_past_the_catalogue() -> None:
    assert escaped_words("⟦Hello ⟦<@U1>⟧ there⟧ `/pulse optin` :wave: 42") == []
    assert escaped_words("⟦Hello⟧ world") == ["world"]


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_every_word_of_the_surface_comes_from_the_catalogue(surface: str) -> None:
    with speaking(PSEUDO_LANGUAGE):
        texts = _everything(SURFACES[surface]())
    assert texts
    leaks = {text: words for text in texts if (words := escaped_words(text))}
    assert not leaks, f"{surface}: written past the catalogue: {leaks}"


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_every_surface_renders_in_german_with_no_english_sentence_left(surface: str) -> None:
    with speaking("en"):
        english = set(_everything(SURFACES[surface]()))
    with speaking("de"):
        rendered = SURFACES[surface]()
        german = _everything(rendered)
    # German runs longer than English: Block Kit's limits must still hold.
    if isinstance(rendered, dict) and rendered.get("type") == "modal":
        _check_modal(rendered)
    elif isinstance(rendered, dict) and "blocks" in rendered:
        _check_message(rendered["blocks"])
    # Any text identical in both languages is either data or a string the German catalogue lacks.
    same = [t for t in german if t in english and escaped_words(t) and len(t.split()) > 2]
    assert german and not same, f"{surface}: still English in German: {same}"
