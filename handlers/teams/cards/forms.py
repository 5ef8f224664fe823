"""The anonymous forms as dialogs (task modules): /feedback and the pulse comment, their field errors
and their confirmations, with the catalogue's words. Pure builders.

A refused submission is answered with the same dialog drawn again: what was typed kept, and each
error under its field (Teams has no server-side field errors; an input's `errorMessage` only shows
for the client's own checks).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.feedback import CATEGORIES, MAX_CHARS
from bot.i18n import N_, _
from bot.questions import Question
from handlers.shared.pulse_words import COMMENT_REMOVED, COMMENT_SAVED, FEEDBACK_RECEIVED, NO_RECORD
from handlers.teams.cards.answers import COMMENT_SUBMIT, FEEDBACK_SUBMIT, AnswerTap, encode_answer
from handlers.teams.cards.card import card, dialog, note, text

CATEGORY_INPUT = "category"
TEXT_INPUT = "text"
COMMENT_INPUT = "comment"
COMMENT_MAX_CHARS = 1000

FEEDBACK_TITLE = N_("Anonymous feedback")
COMMENT_TITLE = N_("Anonymous comment")


def field_error(message: str) -> dict[str, Any]:
    """An error in red under an input (the domain's messages are catalogued; a form-level one may carry markup)."""
    return text(message, color="attention", spacing="none", size="small")


def with_errors(
    items: list[dict[str, Any]], errors: Mapping[str, str], *, fallback: str
) -> list[dict[str, Any]]:
    """The form's items with each error right under its input; an error on no field goes under `fallback`."""
    ids = {item.get("id") for item in items}
    placed: dict[str, list[str]] = {}
    for field, message in errors.items():
        placed.setdefault(field if field in ids else fallback, []).append(message)
    out: list[dict[str, Any]] = []
    for item in items:
        out.append(item)
        out.extend(field_error(message) for message in placed.get(str(item.get("id")), []))
    return out


def choice_set(
    field: str, label: str, choices: list[dict[str, str]], value: str | None = None, **style: Any
) -> dict[str, Any]:
    """A pick-one input; `value`, when given, is the choice it shows picked."""
    item: dict[str, Any] = {
        "type": "Input.ChoiceSet",
        "id": field,
        "label": label,
        **style,
        "choices": choices,
    }
    if value:
        item["value"] = value
    return item


def text_box(
    field: str, label: str, value: str, *, max_length: int, multiline: bool = False, **more: Any
) -> dict[str, Any]:
    """A text input showing `value` when there is one (`more`: its placeholder, style, ...)."""
    box: dict[str, Any] = {"type": "Input.Text", "id": field, "label": label, "maxLength": max_length, **more}
    if multiline:
        box["isMultiline"] = True
    if value:
        box["value"] = value
    return box


def date_input(field: str, label: str, value: str) -> dict[str, Any]:
    """A date input showing `value` (ISO, as Input.Date holds it) when there is one."""
    item: dict[str, Any] = {"type": "Input.Date", "id": field, "label": label}
    if value:
        item["value"] = value
    return item


def send_button(title: str, action: str, *, style: str | None = None, **data: Any) -> dict[str, Any]:
    """A dialog's Send: an Action.Submit whose data names the `action` (and what it acts on)."""
    submit: dict[str, Any] = {"type": "Action.Submit", "title": title, "data": {"action": action, **data}}
    if style:
        submit["style"] = style
    return {"type": "ActionSet", "actions": [submit]}


def build_feedback_dialog(
    *,
    support_line: str,
    category: str | None = None,
    typed: str = "",
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The /feedback dialog: what kind, what to say, where to find a person (and, refused, why)."""
    choice = choice_set(
        CATEGORY_INPUT,
        _("What kind of feedback?"),
        [{"title": _(label), "value": key} for key, label in CATEGORIES.items()],
        category if category in CATEGORIES else None,
        style="compact",
    )
    box = text_box(
        TEXT_INPUT,
        _("Your feedback about the peer-support program"),
        typed,
        max_length=MAX_CHARS,
        multiline=True,
    )
    body = [
        note(
            _(
                ":lock: Your name is never stored with this. Names, emails and phone numbers "
                "are removed before saving; coordinators see feedback grouped by theme."
            )
        ),
        *with_errors([choice, box], errors or {}, fallback=TEXT_INPUT),
        note(support_line),
        send_button(_("Send anonymously"), FEEDBACK_SUBMIT),
    ]
    return dialog(_(FEEDBACK_TITLE), card(body))


def build_comment_dialog(
    *,
    tap: AnswerTap,
    question: Question,
    min_group_size: int,
    support_line: str,
    typed: str = "",
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The dialog for the optional free-text question; its Send carries the ballot, so no lookup is needed."""
    box = text_box(
        COMMENT_INPUT,
        # Teams cuts long labels less gracefully than Slack's 150 characters; the same limit serves.
        _(question.text)[:150],
        typed,
        max_length=COMMENT_MAX_CHARS,
        multiline=True,
        placeholder=_("Names, emails and phone numbers are removed automatically."),
    )
    data = encode_answer(tap.round_id, tap.question_id, tap.ballot, tap.tag, language=tap.language)
    body = [
        *with_errors([box], errors or {}, fallback=COMMENT_INPUT),
        note(
            _(
                "Stored without your name. Coordinators only ever see comments grouped by theme, "
                "and quotes only when {k} or more people raised the same theme."
            ).format(k=min_group_size)
        ),
        note(support_line),
        send_button(_("Send"), COMMENT_SUBMIT, **data),
    ]
    return dialog(_(COMMENT_TITLE), card(body))


def _confirmation(title: str, words: str) -> dict[str, Any]:
    """A calm dialog with one message and a note on what is not kept (no message is posted)."""
    return dialog(_(title), card([text(_(words)), note(_(NO_RECORD))]))


def build_comment_saved_dialog(*, removed: bool = False) -> dict[str, Any]:
    """What the comment dialog turns into once the comment is stored (or, emptied, withdrawn)."""
    return _confirmation(COMMENT_TITLE, COMMENT_REMOVED if removed else COMMENT_SAVED)


def build_feedback_received_dialog() -> dict[str, Any]:
    """What the /feedback dialog turns into once the feedback is stored."""
    return _confirmation(FEEDBACK_TITLE, FEEDBACK_RECEIVED)
