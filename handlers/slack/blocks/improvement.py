"""Modals for adopting, updating and closing improvement actions. Pure builders."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.measures import label_of

ADOPT_VIEW = "action_adopt_view"
UPDATE_VIEW = "action_update_view"
CLOSE_VIEW = "action_close_view"
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
        "title": {"type": "plain_text", "text": "Adopt as action"},
        "submit": {"type": "plain_text", "text": "Adopt"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input(TITLE_BLOCK, "Action", _text(title)),
            _input(OWNER_BLOCK, "Owner", {"type": "users_select", "initial_user": owner_id}),
            _input(DUE_BLOCK, "Due", {"type": "datepicker", "initial_date": due_on.isoformat()}),
            _input(
                MEASURE_BLOCK,
                "Success measure: which survey construct should move",
                measure,
            ),
            _input(SUCCESS_BLOCK, "What success looks like (optional)", _text(max_length=300), optional=True),
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "The construct's current favourable share is kept as the baseline; once the action is "
                        "closed, the digest tests every round before adoption against every round after it "
                        "(a rank test on the whole answer scale) and says how many rounds each side used.",
                    }
                ],
            },
        ],
    }


def build_update_modal(*, action_id: str, title: str, due_on: date) -> dict[str, Any]:
    """Record progress on an action, or move its due date."""
    return {
        "type": "modal",
        "callback_id": UPDATE_VIEW,
        "private_metadata": action_id,
        "title": {"type": "plain_text", "text": "Update action"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}},
            _input(NOTE_BLOCK, "Progress", _text(multiline=True, max_length=500)),
            _input(DUE_BLOCK, "Due", {"type": "datepicker", "initial_date": due_on.isoformat()}),
        ],
    }


def build_close_modal(*, action_id: str, title: str) -> dict[str, Any]:
    """Close an action with what was done; its measure is read again on closing."""
    return {
        "type": "modal",
        "callback_id": CLOSE_VIEW,
        "private_metadata": action_id,
        "title": {"type": "plain_text", "text": "Close action"},
        "submit": {"type": "plain_text", "text": "Close"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}},
            _input(
                NOTE_BLOCK,
                "What was done, and what changed",
                _text(multiline=True, max_length=500),
                optional=True,
            ),
        ],
    }
