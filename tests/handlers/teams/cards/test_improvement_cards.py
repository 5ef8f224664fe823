"""The improvement loop's Teams cards: the adopt, update, close, confirm and history dialogs, the
`pulse actions` card with its pages, and the "you said, we did" draft and preview — valid Adaptive
Cards 1.5 within Teams' limits, the catalogue's words only, what was typed kept beside each error."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.actions import ActionPage
from bot.announcements import ActionClosed, ActionProgress
from bot.i18n import PSEUDO_LANGUAGE, speaking
from bot.measures import numeric_constructs
from bot.questions import load_question_bank
from bot.updates import DESTINATION, TEXT
from handlers.teams.cards.announcements import build_announcement_card, build_update_card
from handlers.teams.cards.card import CARD_LIMIT, size
from handlers.teams.cards.improvement import (
    ADOPT_SAVE,
    CLOSE,
    DELETE,
    DELETE_SAVE,
    DUE,
    HISTORY,
    MEASURE,
    NOTE,
    OWNER,
    PAGE_VERB,
    REOPEN_SAVE,
    SHARE,
    SUCCESS,
    TITLE,
    UPDATE,
    UPDATE_SAVE,
    build_actions_card,
    build_adopt_dialog,
    build_close_dialog,
    build_delete_dialog,
    build_history_dialog,
    build_reopen_dialog,
    build_update_dialog,
)
from handlers.teams.cards.markup import inert
from handlers.teams.cards.updates import PREVIEW, PUBLISH, build_draft_dialog, build_preview_dialog
from handlers.teams.ids import teams_id
from handlers.teams.names import MENTION, with_mentions
from storage.digest_models import ImprovementActionEvent
from tests.handlers.teams.cards.checks import actions, cards_in, schema_errors, texts
from tests.handlers.test_catalogue_coverage import escaped_words
from tests.handlers.test_catalogue_coverage_coordinators import CLOSED, OPEN, TODAY

CONSTRUCTS = numeric_constructs(load_question_bank())
OWNERS = [("person:1", "Ana Coordinator"), ("person:2", "Ben Coordinator")]
NONCE = "0" * 32
EVENTS = [
    ImprovementActionEvent(
        action_id=OPEN[1].id, kind=kind, by="person:1", at=datetime(2026, 11, 2, 9, tzinfo=UTC), note=note
    )
    for kind, note in (("adopted", None), ("updated", "Half the teams *done*"), ("mystery", None))
]
WORDS = "We started listening circles in every team."


def _page(items: list[Any], status: str, *, first: int = 1, total: int = 30, prev: bool = True) -> ActionPage:
    return ActionPage(status, tuple(items), total, first, "next-cursor", "prev-cursor" if prev else None)  # type: ignore[arg-type]


def _adopt(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "practice_id": "explain-confidentiality",
        "nonce": NONCE,
        "title": "Explain confidentiality",
        "owner": "person:1",
        "owners": OWNERS,
        "due": "2026-12-30",
        "construct": CONSTRUCTS[1],
        "constructs": CONSTRUCTS,
    }
    return build_adopt_dialog(**{**values, **changes})


SURFACES: dict[str, Callable[[], dict[str, Any]]] = {
    "adopt": _adopt,
    "adopt refused": lambda: _adopt(errors={TITLE: "t", OWNER: "o", DUE: "d", MEASURE: "m", SUCCESS: "s"}),
    "update": lambda: build_update_dialog(action=OPEN[1], history=EVENTS),
    "close": lambda: build_close_dialog(action=OPEN[1]),
    "history": lambda: build_history_dialog(title=OPEN[1].title, events=EVENTS),
    "reopen": lambda: build_reopen_dialog(action=CLOSED[1], message_id="1:9"),
    "delete": lambda: build_delete_dialog(action=OPEN[1], message_id=None),
    "open page": lambda: build_actions_card(_page(OPEN[:5], "open"), today=TODAY, notice="Deleted “x”."),
    "closed page": lambda: build_actions_card(_page(CLOSED, "closed"), today=TODAY),
    "empty open": lambda: build_actions_card(_page([], "open", first=0, total=0), today=TODAY),
    "empty closed": lambda: build_actions_card(_page([], "closed", first=0, total=0), today=TODAY),
    "draft": lambda: build_draft_dialog(
        action_id=CLOSED[1].id,
        title=CLOSED[1].title,
        draft=WORDS,
        destination=None,
        audience_channel="19:audience",
        k=5,
        notice="Comments arrived",
        errors={TEXT: "Too short", DESTINATION: "Where?"},
    ),
    "preview": lambda: build_preview_dialog(
        action_id=CLOSED[1].id,
        words=WORDS,
        destination="channel",
        audience_channel="19:audience",
        update_id=NONCE,
    ),
    "closed note": lambda: build_announcement_card(
        ActionClosed(by="person:1", action=CLOSED[1]), audience_channel=None
    ),
}
# People's own words and figures these surfaces show (not PeerPulse speaking).
DATA = (
    "Deleted “x”.",
    "Comments arrived",
    "Too short",
    "Where?",
    inert(OPEN[1].title),
    inert("Half the teams *done*"),
    "Started in two teams",
    inert(WORDS),
    "mystery",
)
NOT_WORDS = re.compile(
    r"\]\([^)\s]*\)|@[\w%.:-]+|\{\{(?:DATE|TIME)\([^)]*\)\}\}|Ana Coordinator|Ben Coordinator|\bUTC\b"
)


def _body(answer: dict[str, Any]) -> list[dict[str, Any]]:
    (content,) = cards_in(answer)
    return list(content["body"])


def _under(body: list[dict[str, Any]], input_id: str) -> list[str]:
    start = next(i for i, item in enumerate(body) if item.get("id") == input_id) + 1
    found = []
    for item in body[start:]:
        if item.get("color") != "attention":
            break
        found.append(item["text"])
    return found


@pytest.mark.parametrize("language", ["en", "de", PSEUDO_LANGUAGE])
@pytest.mark.parametrize("surface", SURFACES)
def test_every_surface_is_a_valid_card_within_teams_limits(surface: str, language: str) -> None:
    with speaking(language):
        (drawn,) = cards_in(SURFACES[surface]())
    # As it leaves: everyone it names is a Teams mention (names.py), with a long display name.
    content = with_mentions(
        drawn, {teams_id(m): "Cora Bell-Hartmann-Oyelaran" for m in MENTION.findall(str(drawn))}
    )
    assert schema_errors(content) == []
    assert size(content) < CARD_LIMIT
    assert not [t for t in texts(content) if re.search(r"<[#@!]", t)]


@pytest.mark.parametrize("surface", SURFACES)
def test_no_word_escapes_the_catalogue(surface: str) -> None:
    with speaking(PSEUDO_LANGUAGE):
        shown = texts(cards_in(SURFACES[surface]()))
    leaks = {}
    for line in shown:
        for data in DATA:
            line = line.replace(data, " ")
        if words := escaped_words(NOT_WORDS.sub(" ", line)):
            leaks[line] = words
    assert not leaks


def test_the_adopt_dialog_has_slacks_fields_prefilled_and_its_send_carries_the_suggestion() -> None:
    with speaking("en"):
        answer = _adopt()
    assert answer["task"]["type"] == "continue" and answer["task"]["value"]["title"] == "Adopt as action"
    body = _body(answer)
    by_id = {item["id"]: item for item in body if "id" in item}
    assert by_id[TITLE]["value"] == "Explain confidentiality" and by_id[TITLE]["maxLength"] == 200
    assert [c["value"] for c in by_id[OWNER]["choices"]] == ["person:1", "person:2"]
    assert by_id[OWNER]["value"] == "person:1"
    assert by_id[DUE]["type"] == "Input.Date" and by_id[DUE]["value"] == "2026-12-30"
    assert [c["value"] for c in by_id[MEASURE]["choices"]] == CONSTRUCTS
    assert by_id[MEASURE]["value"] == CONSTRUCTS[1]
    assert by_id[SUCCESS]["maxLength"] == 300 and "value" not in by_id[SUCCESS]
    # Slack's required inputs are required here too (the client says why before sending).
    assert [f for f, item in by_id.items() if item.get("isRequired")] == [TITLE, OWNER, DUE, MEASURE]
    assert by_id[OWNER]["errorMessage"] == "Pick who owns this action."
    (send,) = actions(body)
    assert send["data"] == {"action": ADOPT_SAVE, "p": "explain-confidentiality", "n": NONCE}
    # A practice with no survey measure preselects none: the coordinator picks one.
    unmeasured = {i["id"]: i for i in _body(_adopt(construct="")) if "id" in i}
    assert "value" not in unmeasured[MEASURE]


def test_a_refused_adoption_keeps_what_was_typed_with_each_error_under_its_field() -> None:
    errors = {TITLE: "Give it a title", DUE: "Pick a later date", "elsewhere": "Out of date"}
    body = _body(_adopt(title="", due="2020-01-01", success="More trust", errors=errors))
    by_id = {item["id"]: item for item in body if "id" in item}
    assert "value" not in by_id[TITLE] and by_id[DUE]["value"] == "2020-01-01"
    assert by_id[SUCCESS]["value"] == "More trust"
    assert _under(body, TITLE) == [
        "Give it a title",
        "Out of date",
    ]  # a field-less error goes under the title
    assert _under(body, DUE) == ["Pick a later date"]
    assert _under(body, OWNER) == [] and _under(body, MEASURE) == []


def test_the_open_list_has_slacks_buttons_per_action_and_its_paging() -> None:
    with speaking("en"):
        content = build_actions_card(_page(OPEN[:3], "open", first=6, total=30), today=TODAY)
    shown = "\n".join(texts(content))
    assert "**Open improvement actions** — 6–8 of 30 (soonest due first)" in shown
    dialogs = [
        (b["title"], b["data"]["action"], b["data"].get("a"))
        for b in actions(content)
        if "action" in b["data"]
    ]
    expected = [
        (title, verb, a.id)
        for a in OPEN[:3]
        for title, verb in (("Update", UPDATE), ("Close", CLOSE), ("History", HISTORY), ("Delete", DELETE))
    ]
    assert dialogs == expected
    assert all(
        b["data"]["msteams"] == {"type": "task/fetch"} for b in actions(content) if "action" in b["data"]
    )
    paging = [(b["title"], b["verb"], b["data"]) for b in actions(content) if b["type"] == "Action.Execute"]
    assert paging == [
        ("← Previous", PAGE_VERB, {"s": "open", "d": "prev", "c": "prev-cursor"}),
        ("Next →", PAGE_VERB, {"s": "open", "d": "next", "c": "next-cursor"}),
        ("Show closed actions", PAGE_VERB, {"s": "closed", "d": "next", "c": None}),
    ]


def test_the_closed_list_offers_reopen_and_the_first_page_no_previous() -> None:
    with speaking("en"):
        content = build_actions_card(_page(CLOSED[:2], "closed", prev=False), today=TODAY)
    titles = [b["title"] for b in actions(content)]
    assert titles == ["Reopen", "History", "Delete"] * 2 + ["Next →", "Show open actions"]
    assert "closed" in "\n".join(texts(content)) and "before" in "\n".join(texts(content))
    with speaking("en"):
        empty = build_actions_card(_page([], "open", first=0, total=0), today=TODAY)
    assert texts(empty["body"])[0] == "No open improvement actions. Adopt one from a digest suggestion."
    assert [b["title"] for b in actions(empty)] == ["Show closed actions"]


def test_confirm_dialogs_name_the_list_they_redraw_and_update_keeps_typing() -> None:
    (reopen,) = actions(_body(build_reopen_dialog(action=CLOSED[1], message_id="1:9")))
    assert reopen["data"] == {"action": REOPEN_SAVE, "a": CLOSED[1].id, "s": "closed", "m": "1:9"}
    (delete,) = actions(_body(build_delete_dialog(action=OPEN[1], message_id=None)))
    assert delete["data"] == {"action": DELETE_SAVE, "a": OPEN[1].id, "s": "open"}
    assert delete["style"] == "destructive"
    body = _body(
        build_update_dialog(action=OPEN[1], typed="Half done", due="2020-01-01", errors={DUE: "Later"})
    )
    by_id = {item["id"]: item for item in body if "id" in item}
    assert by_id[NOTE]["value"] == "Half done" and by_id[DUE]["value"] == "2020-01-01"
    assert _under(body, DUE) == ["Later"]
    (save,) = actions(body)
    assert save["data"] == {"action": UPDATE_SAVE, "a": OPEN[1].id}
    fresh = {i["id"]: i for i in _body(build_update_dialog(action=OPEN[1])) if "id" in i}
    assert fresh[DUE]["value"] == OPEN[1].due_on.isoformat() and "value" not in fresh[NOTE]


def test_history_shows_each_event_with_who_did_it() -> None:
    with speaking("en"):
        shown = texts(cards_in(build_history_dialog(title="T", events=EVENTS)))
    assert any("<@person:1> adopted it" in t for t in shown)
    assert any("noted progress: Half the teams ∗done∗" in t for t in shown)  # their words inert


def test_the_draft_offers_the_channel_only_when_there_is_one_and_the_preview_carries_the_update() -> None:
    with speaking("en"):
        draft = _body(
            build_draft_dialog(
                action_id="a1", title="T", draft=WORDS, destination=None, audience_channel=None, k=5
            )
        )
    where = next(i for i in draft if i.get("id") == DESTINATION)
    assert [c["value"] for c in where["choices"]] == ["dm"] and where["value"] == "dm"
    assert next(i for i in draft if i.get("id") == TEXT)["value"] == WORDS
    (preview,) = actions(draft)
    assert preview["data"] == {"action": PREVIEW, "a": "a1"}
    refused = _body(SURFACES["draft"]())
    assert _under(refused, TEXT) == ["Too short"] and _under(refused, DESTINATION) == ["Where?"]
    with speaking("en"):
        answer = SURFACES["preview"]()
    body = _body(answer)
    (publish,) = actions(body)
    assert publish["data"] == {"action": PUBLISH, "a": CLOSED[1].id, "d": "channel", "t": WORDS, "u": NONCE}
    # Exactly what employees will receive, inside the preview.
    with speaking("en"):
        assert body[1]["items"] == build_update_card(WORDS)["body"]
    assert "this is exactly what will be sent in the audience channel" in "\n".join(texts(body))


def test_only_a_closed_actions_note_carries_the_share_button() -> None:
    with speaking("en"):
        closed = SURFACES["closed note"]()
        progress = build_announcement_card(
            ActionProgress(by="person:1", action=OPEN[1]), audience_channel=None
        )
    (share,) = actions(closed)
    assert share["title"] == "Share a ‘you said, we did’ update"
    assert share["data"] == {"msteams": {"type": "task/fetch"}, "action": SHARE, "a": CLOSED[1].id}
    assert actions(progress) == []
