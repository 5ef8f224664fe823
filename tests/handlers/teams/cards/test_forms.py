"""The feedback and comment dialogs: what is typed survives a refusal, each error sits under its field,
and the comment's Send carries its ballot so the submission needs no lookup."""

from __future__ import annotations

from typing import Any

from bot.feedback import CATEGORIES
from handlers.teams.cards.answers import COMMENT_SUBMIT, FEEDBACK_SUBMIT, decode_answer
from handlers.teams.cards.card import CONTENT_TYPE
from handlers.teams.cards.forms import (
    CATEGORY_INPUT,
    COMMENT_INPUT,
    TEXT_INPUT,
    build_comment_dialog,
    build_comment_saved_dialog,
    build_feedback_dialog,
    build_feedback_received_dialog,
)
from handlers.teams.cards.help import build_support_line
from tests.handlers.teams.cards.checks import actions, cards_in, texts
from tests.handlers.teams.cards.test_cards import SETTINGS, TAP, TEXT_QUESTION, _feedback_errors

SUPPORT = build_support_line(SETTINGS)


def _body(dialog: dict[str, Any]) -> list[dict[str, Any]]:
    (content,) = cards_in(dialog)
    body = content["body"]
    assert isinstance(body, list)
    return body


def _after(body: list[dict[str, Any]], input_id: str) -> list[str]:
    """The error texts right under an input (until the next non-error item)."""
    start = next(i for i, item in enumerate(body) if item.get("id") == input_id) + 1
    found = []
    for item in body[start:]:
        if item.get("color") != "attention":
            break
        found.append(item["text"])
    return found


def test_the_feedback_dialog_is_a_task_module_continue_answer() -> None:
    dialog = build_feedback_dialog(support_line=SUPPORT)
    assert dialog["task"]["type"] == "continue"
    assert dialog["task"]["value"]["title"] == "Anonymous feedback"
    assert dialog["task"]["value"]["card"]["contentType"] == CONTENT_TYPE
    body = _body(dialog)
    choice = next(i for i in body if i.get("id") == CATEGORY_INPUT)
    assert [c["value"] for c in choice["choices"]] == list(CATEGORIES)
    assert "value" not in choice
    (send,) = actions(body)
    assert send["type"] == "Action.Submit" and send["data"] == {"action": FEEDBACK_SUBMIT}
    assert not any(i.get("color") == "attention" for i in body)


def test_a_refused_feedback_keeps_what_was_typed_and_puts_each_error_under_its_field() -> None:
    errors = _feedback_errors()
    body = _body(build_feedback_dialog(support_line=SUPPORT, category="concern", typed="hm", errors=errors))
    assert next(i for i in body if i.get("id") == CATEGORY_INPUT)["value"] == "concern"
    assert next(i for i in body if i.get("id") == TEXT_INPUT)["value"] == "hm"
    assert _after(body, CATEGORY_INPUT) == [errors["category"]]
    assert _after(body, TEXT_INPUT) == [errors["text"]]


def test_an_unknown_category_is_not_preselected() -> None:
    body = _body(build_feedback_dialog(support_line=SUPPORT, category="nonsense"))
    assert "value" not in next(i for i in body if i.get("id") == CATEGORY_INPUT)


def test_the_comment_dialog_carries_its_ballot_and_keeps_the_comment() -> None:
    dialog = build_comment_dialog(
        tap=TAP, question=TEXT_QUESTION, min_group_size=5, support_line=SUPPORT, typed="It was fine"
    )
    assert dialog["task"]["value"]["title"] == "Anonymous comment"
    body = _body(dialog)
    box = next(i for i in body if i.get("id") == COMMENT_INPUT)
    assert box["value"] == "It was fine" and box["isMultiline"] and box["maxLength"] == 1000
    (send,) = actions(body)
    assert send["data"]["action"] == COMMENT_SUBMIT
    assert decode_answer(send["data"]) == TAP
    assert any("5 or more people" in t for t in texts(body))


def test_an_error_on_no_field_goes_under_the_comment_box() -> None:
    dialog = build_comment_dialog(
        tap=TAP,
        question=TEXT_QUESTION,
        min_group_size=5,
        support_line=SUPPORT,
        errors={"round": "This survey no longer exists."},
    )
    assert _after(_body(dialog), COMMENT_INPUT) == ["This survey no longer exists."]


def test_confirmations_have_no_actions_and_say_teams() -> None:
    for dialog in (
        build_comment_saved_dialog(),
        build_comment_saved_dialog(removed=True),
        build_feedback_received_dialog(),
    ):
        body = _body(dialog)
        assert actions(body) == []
        assert "nothing in Teams shows that you wrote" in body[-1]["text"]
