"""The private safety-net replies: support for an author, escalation guidance for a supporter. Pure builders."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from handlers.shared.support_words import Reply, escalation_reply, safety_reply


def _message(reply: Reply) -> dict[str, Any]:
    (lines,) = reply.sections
    text = f"{reply.opener}\n{lines}\n_{reply.note}_"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f":sunflower: {reply.opener}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": lines}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": reply.note}]},
    ]
    return {"text": text, "blocks": blocks}


def build_safety_message(kind: str, settings: Settings) -> dict[str, Any]:
    """Text and blocks offering support resources, without repeating what the person wrote."""
    return _message(safety_reply(kind, settings))


def build_escalation_message(kind: str, settings: Settings) -> dict[str, Any]:
    """Escalation guidance for a supporter whose session note describes someone at risk."""
    return _message(escalation_reply(kind, settings))
