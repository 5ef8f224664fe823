"""The `peer-log` cards and dialogs on Teams: valid Adaptive Cards 1.5, what was typed survives a refusal,
each error sits under its field, and every button opens or acts through task/fetch with what it needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.i18n import PSEUDO_LANGUAGE, speaking
from bot.support import (
    DATE,
    DURATION,
    FOLLOW_UP,
    FOLLOW_UP_ON,
    HOURS,
    NOTE,
    FollowUpResult,
    SavedSession,
    SavedTraining,
    SessionSummary,
    TrainingStatus,
    load_support_taxonomy,
)
from handlers.teams.cards.card import CARD_LIMIT, size
from handlers.teams.cards.peer_log import (
    DELETE,
    DELETE_CONFIRM,
    EDIT,
    EDIT_KEY,
    FOLLOW_UP_DONE,
    FOLLOW_UP_SNOOZE,
    OPEN_SESSION,
    OPEN_TRAINING,
    SAVE_SESSION,
    SAVE_TRAINING,
    build_delete_dialog,
    build_follow_up_card,
    build_follow_up_resolved_card,
    build_session_dialog,
    build_session_launcher,
    build_session_list_card,
    build_session_saved_dialog,
    build_training_dialog,
    build_training_launcher,
    build_training_reminder_card,
    build_training_saved_dialog,
    session_values,
)
from tests.handlers.teams.cards.checks import actions, cards_in, schema_errors, texts
from tests.handlers.teams.cards.test_cards import _words_outside_the_catalogue

TAXONOMY = load_support_taxonomy()
TODAY = date(2026, 3, 10)
LAPSED = TrainingStatus(
    state="lapsed", last_on=date(2024, 1, 5), last_title="Active listening", valid_until=date(2025, 1, 4)
)


def _session(*, editable: bool = True, note: str | None = "Shared the *EAP* number.") -> SessionSummary:
    return SessionSummary(
        id="a" * 32,
        session_date=TODAY,
        duration_minutes=90,
        category="exclusion",
        contact_channel="call",
        outcome="referred_hr",
        follow_up_on=date(2026, 3, 12),
        follow_up_done=False,
        note=note,
        created_at=datetime(2026, 3, 10, 9, tzinfo=UTC),
        editable=editable,
    )


SURFACES: dict[str, Callable[[], dict[str, Any]]] = {
    "session dialog": lambda: build_session_dialog(taxonomy=TAXONOMY, values={DATE: TODAY.isoformat()}),
    "edit dialog": lambda: build_session_dialog(
        taxonomy=TAXONOMY, values=session_values(_session()), edit="a" * 32, errors={NOTE: "No names."}
    ),
    "training dialog": lambda: build_training_dialog(taxonomy=TAXONOMY, values={}, errors={HOURS: "Hours."}),
    "session launcher": build_session_launcher,
    "training launcher": lambda: build_training_launcher(LAPSED),
    "session saved": lambda: build_session_saved_dialog(
        SavedSession(_session(), edited=False, note_scrubbed=True), taxonomy=TAXONOMY
    ),
    "training saved": lambda: build_training_saved_dialog(
        SavedTraining(title="Active listening", completed_on=TODAY, hours=1.5, status=LAPSED)
    ),
    "list": lambda: build_session_list_card([_session(), _session(editable=False)], taxonomy=TAXONOMY),
    "empty list": lambda: build_session_list_card([], taxonomy=TAXONOMY, notice="Session deleted."),
    "delete dialog": lambda: build_delete_dialog("a" * 32, message_id="m1"),
    "follow-up": lambda: build_follow_up_card(_session(), due_on=date(2026, 3, 12), taxonomy=TAXONOMY),
    "resolved": lambda: build_follow_up_resolved_card(
        FollowUpResult("a" * 32, date(2026, 3, 19), done=False, changed=True)
    ),
    "training reminder": lambda: build_training_reminder_card(LAPSED),
}


@pytest.mark.parametrize("surface", SURFACES)
def test_every_peer_log_card_is_valid_and_fits(surface: str) -> None:
    for content in cards_in(SURFACES[surface]()):
        assert content["version"] == "1.5"
        assert schema_errors(content) == []
        assert size(content) < CARD_LIMIT


@pytest.mark.parametrize("surface", SURFACES)
def test_no_word_escapes_the_catalogue(surface: str) -> None:
    with speaking(PSEUDO_LANGUAGE):
        built = SURFACES[surface]()
    # The supporter's own note and the test's made-up errors are not catalogue words.
    own = ("EAP", "No names", "Hours", "Session deleted", "Active listening")
    leaks = [t for t in texts(built) if _words_outside_the_catalogue(t) and not any(o in t for o in own)]
    assert not leaks


def _body(dialog: dict[str, Any]) -> list[dict[str, Any]]:
    (content,) = cards_in(dialog)
    body: list[dict[str, Any]] = content["body"]
    return body


def _under(body: list[dict[str, Any]], input_id: str) -> list[str]:
    start = next(i for i, item in enumerate(body) if item.get("id") == input_id) + 1
    found = []
    for item in body[start:]:
        if item.get("color") != "attention":
            break
        found.append(item["text"])
    return found


def test_a_refused_session_keeps_what_was_typed_with_each_error_under_its_field() -> None:
    typed = {
        DATE: "2026-03-10",
        DURATION: "999",
        "category": "exclusion",
        FOLLOW_UP: "yes",
        NOTE: "Talked it over.",
    }
    errors = {
        DURATION: "Between 5 and 480 minutes.",
        FOLLOW_UP_ON: "Pick a date.",
        "somewhere": "Not a supporter.",
    }
    body = _body(build_session_dialog(taxonomy=TAXONOMY, values=typed, errors=errors))
    by_id = {item["id"]: item for item in body if "id" in item}
    assert by_id[DATE]["value"] == "2026-03-10"
    assert by_id[DURATION]["value"] == 999
    assert by_id["category"]["value"] == "exclusion"
    assert "value" not in by_id["outcome"]
    assert by_id[FOLLOW_UP]["value"] == "yes"
    assert by_id[NOTE]["value"] == "Talked it over."
    assert _under(body, DURATION) == ["Between 5 and 480 minutes."]
    assert _under(body, FOLLOW_UP_ON) == ["Pick a date."]
    # A refusal of the whole form (not a supporter) sits on its first field, as on Slack.
    assert _under(body, DATE) == ["Not a supporter."]
    assert _under(body, NOTE) == []
    (send,) = actions(body)
    assert send["data"] == {"action": SAVE_SESSION}


def test_the_edit_dialog_is_prefilled_and_its_send_names_the_session() -> None:
    session = _session()
    dialog = build_session_dialog(taxonomy=TAXONOMY, values=session_values(session), edit=session.id)
    assert dialog["task"]["value"]["title"] == "Edit session"
    by_id = {item["id"]: item for item in _body(dialog) if "id" in item}
    assert (by_id[DURATION]["value"], by_id["outcome"]["value"]) == (90, "referred_hr")
    assert (by_id[FOLLOW_UP]["value"], by_id[FOLLOW_UP_ON]["value"]) == ("yes", "2026-03-12")
    (send,) = actions(_body(dialog))
    assert send["data"] == {"action": SAVE_SESSION, EDIT_KEY: session.id}


def test_the_training_dialog_sends_its_own_action() -> None:
    (send,) = actions(_body(build_training_dialog(taxonomy=TAXONOMY, values={})))
    assert send["data"] == {"action": SAVE_TRAINING}


def _fetches(content: dict[str, Any]) -> list[dict[str, Any]]:
    found = [a["data"] for a in actions(content)]
    assert all(d["msteams"] == {"type": "task/fetch"} for d in found)
    return found


def test_launchers_and_reminders_open_their_dialogs_or_act_through_task_fetch() -> None:
    assert [d["action"] for d in _fetches(build_session_launcher())] == [OPEN_SESSION]
    assert [d["action"] for d in _fetches(build_training_launcher(LAPSED))] == [OPEN_TRAINING]
    assert [d["action"] for d in _fetches(build_training_reminder_card(LAPSED))] == [OPEN_TRAINING]
    follow_up = _fetches(build_follow_up_card(_session(), due_on=date(2026, 3, 12), taxonomy=TAXONOMY))
    assert [(d["action"], d["s"], d["d"]) for d in follow_up] == [
        (FOLLOW_UP_DONE, "a" * 32, "2026-03-12"),
        (FOLLOW_UP_SNOOZE, "a" * 32, "2026-03-12"),
    ]
    resolved = build_follow_up_resolved_card(
        FollowUpResult("a" * 32, date(2026, 3, 19), done=True, changed=True)
    )
    assert actions(resolved) == []
    assert "Follow-up done" in " ".join(texts(resolved))


def test_only_editable_sessions_get_edit_and_delete() -> None:
    listed = build_session_list_card([_session(), _session(editable=False)], taxonomy=TAXONOMY)
    assert [(d["action"], d["s"]) for d in _fetches(listed)] == [(EDIT, "a" * 32), (DELETE, "a" * 32)]
    (confirm,) = actions(_body(build_delete_dialog("a" * 32, message_id="m1")))
    assert confirm["data"] == {"action": DELETE_CONFIRM, "s": "a" * 32, "m": "m1"}


def test_a_note_is_shown_as_typed_never_as_markup() -> None:
    saved = build_session_saved_dialog(
        SavedSession(_session(), edited=False, note_scrubbed=False), taxonomy=TAXONOMY
    )
    words = texts(saved)
    assert not any("**EAP**" in t for t in words)
    assert any("EAP" in t for t in words)


def test_the_training_reminder_names_the_lapse_and_the_command_without_a_slash() -> None:
    words = " ".join(texts(build_training_reminder_card(LAPSED)))
    assert "lapsed on" in words and "Active listening" in words
    assert "**peer-log training**" in words and "/peer-log" not in words
