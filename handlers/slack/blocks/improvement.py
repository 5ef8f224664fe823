"""Modals for adopting, updating and closing improvement actions. Pure builders."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.i18n import _
from bot.measures import label_of
from handlers.shared import improvement_words
from handlers.slack.blocks.mrkdwn import escape
from storage.digest_models import ImprovementActionEvent

ADOPT_VIEW = "action_adopt_view"
UPDATE_VIEW = "action_update_view"
CLOSE_VIEW = "action_close_view"
HISTORY_VIEW = "action_history_view"
TITLE_BLOCK, OWNER_BLOCK, DUE_BLOCK, MEASURE_BLOCK, SUCCESS_BLOCK, NOTE_BLOCK = (
    "title",
    "owner",
    "due",
    "measure",
    "success",
    "note",
)
INPUT = "value"


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": INPUT},
    }


def _text(initial: str = "", *, multiline: bool = False, max_length: int = 200) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline, "max_length": max_length}
    if initial:
        element["initial_value"] = initial
    return element


def build_adopt_modal(
    *, private_metadata: str, title: str, owner_id: str, due_on: date, construct: str, constructs: list[str]
) -> dict[str, Any]:
    """Adopt a suggested practice: owner, due date, and the survey measure that judges it."""
    options = [{"text": {"type": "plain_text", "text": label_of(c)[:75]}, "value": c} for c in constructs]
    # A practice with no survey measure preselects none: the coordinator picks one, or none fits.
    initial = next((o for o in options if o["value"] == construct), None)
    measure: dict[str, Any] = {"type": "static_select", "options": options}
    if initial is not None:
        measure["initial_option"] = initial
    return {
        "type": "modal",
        "callback_id": ADOPT_VIEW,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": _("Adopt as action")},
        "submit": {"type": "plain_text", "text": _("Adopt")},
        "close": {"type": "plain_text", "text": _("Cancel")},
        "blocks": [
            _input(TITLE_BLOCK, _("Action"), _text(title)),
            _input(OWNER_BLOCK, _("Owner"), {"type": "users_select", "initial_user": owner_id}),
            _input(DUE_BLOCK, _("Due"), {"type": "datepicker", "initial_date": due_on.isoformat()}),
            _input(
                MEASURE_BLOCK,
                _("Success measure: which survey construct should move"),
                measure,
            ),
            _input(
                SUCCESS_BLOCK, _("What success looks like (optional)"), _text(max_length=300), optional=True
            ),
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": _(
                            "The construct's current favourable share is kept as the baseline; once the action is "
                            "closed, the digest tests every round before adoption against every round after it "
                            "(a rank test on the whole answer scale) and says how many rounds each side used."
                        ),
                    }
                ],
            },
        ],
    }


def history_lines(events: list[ImprovementActionEvent]) -> str:
    """What was done to an action, one line per event, oldest first (the latest HISTORY_SHOWN)."""
    return "\n".join(improvement_words.history_lines(events, quote=escape))[:2900]


def _history_context(events: list[ImprovementActionEvent]) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": _("*History*") + "\n" + history_lines(events)}],
    }


def build_history_modal(*, title: str, events: list[ImprovementActionEvent]) -> dict[str, Any]:
    """An action's history: who adopted, updated, closed, reopened or deleted it, and when. Read only."""
    return {
        "type": "modal",
        "callback_id": HISTORY_VIEW,
        "title": {"type": "plain_text", "text": _("Action history")},
        "close": {"type": "plain_text", "text": _("Close")},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(title)}*"}},
            _history_context(events),
        ],
    }


def build_update_modal(
    *, action_id: str, title: str, due_on: date, history: list[ImprovementActionEvent] | None = None
) -> dict[str, Any]:
    """Record progress on an action, or move its due date; its history below."""
    return {
        "type": "modal",
        "callback_id": UPDATE_VIEW,
        "private_metadata": action_id,
        "title": {"type": "plain_text", "text": _("Update action")},
        "submit": {"type": "plain_text", "text": _("Save")},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}},
            _input(NOTE_BLOCK, _("Progress"), _text(multiline=True, max_length=500)),
            _input(DUE_BLOCK, _("Due"), {"type": "datepicker", "initial_date": due_on.isoformat()}),
            *([_history_context(history)] if history else []),
        ],
    }


def build_close_modal(*, action_id: str, title: str) -> dict[str, Any]:
    """Close an action with what was done; its measure is read from the next round to close."""
    return {
        "type": "modal",
        "callback_id": CLOSE_VIEW,
        "private_metadata": action_id,
        "title": {"type": "plain_text", "text": _("Close action")},
        "submit": {"type": "plain_text", "text": _("Close")},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}},
            _input(
                NOTE_BLOCK,
                _("What was done, and what changed"),
                _text(multiline=True, max_length=500),
                optional=True,
            ),
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": _(
                            "Its after measure is taken from the first pulse round that closes after now; "
                            "until then the digest says it is waiting for that round."
                        ),
                    }
                ],
            },
        ],
    }
