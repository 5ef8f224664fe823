"""The /feedback modal and its thank-you. Pure builders."""

from __future__ import annotations

from typing import Any

from bot.feedback import CATEGORIES, MAX_CHARS
from bot.i18n import _

FEEDBACK_VIEW = "feedback_view"
CATEGORY_BLOCK = "category"
CATEGORY_INPUT = "category_input"
TEXT_BLOCK = "text"
TEXT_INPUT = "text_input"


def build_feedback_modal(*, support_line: str) -> dict[str, Any]:
    """An anonymous feedback form: what kind, what to say, and where to find a person to talk to."""
    options = [
        {"text": {"type": "plain_text", "text": _(label)}, "value": key} for key, label in CATEGORIES.items()
    ]
    return {
        "type": "modal",
        "callback_id": FEEDBACK_VIEW,
        "title": {"type": "plain_text", "text": _("Anonymous feedback")},
        "submit": {"type": "plain_text", "text": _("Send anonymously")},
        "close": {"type": "plain_text", "text": _("Cancel")},
        "blocks": [
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": _(
                            ":lock: Your name is never stored with this. Names, emails and phone numbers "
                            "are removed before saving; coordinators see feedback grouped by theme."
                        ),
                    }
                ],
            },
            {
                "type": "input",
                "block_id": CATEGORY_BLOCK,
                "label": {"type": "plain_text", "text": _("What kind of feedback?")},
                "element": {"type": "static_select", "action_id": CATEGORY_INPUT, "options": options},
            },
            {
                "type": "input",
                "block_id": TEXT_BLOCK,
                "label": {"type": "plain_text", "text": _("Your feedback about the peer-support program")},
                "element": {
                    "type": "plain_text_input",
                    "action_id": TEXT_INPUT,
                    "multiline": True,
                    "max_length": MAX_CHARS,
                },
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": support_line}]},
        ],
    }
