"""Confirmations shown inside the modal that was submitted, so Slack keeps no message saying who wrote."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, _
from handlers.shared.pulse_words import COMMENT_REMOVED, COMMENT_SAVED, FEEDBACK_RECEIVED, NO_RECORD

COMMENT_SAVED_VIEW = "pulse_comment_saved"
FEEDBACK_RECEIVED_VIEW = "feedback_received"


def _confirmation(callback_id: str, title: str, text: str) -> dict[str, Any]:
    """A calm, closable modal with one message and a note on what is not kept."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": _(title)},
        "close": {"type": "plain_text", "text": _("Done")},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": _(text)}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": _(NO_RECORD)}]},
        ],
    }


def build_comment_saved_view(*, removed: bool = False) -> dict[str, Any]:
    """What the comment modal turns into once the comment is stored (or, emptied, withdrawn)."""
    return _confirmation(
        COMMENT_SAVED_VIEW, N_("Anonymous comment"), COMMENT_REMOVED if removed else COMMENT_SAVED
    )


def build_feedback_received_view() -> dict[str, Any]:
    """What the /feedback modal turns into once the feedback is stored."""
    return _confirmation(FEEDBACK_RECEIVED_VIEW, N_("Anonymous feedback"), FEEDBACK_RECEIVED)
