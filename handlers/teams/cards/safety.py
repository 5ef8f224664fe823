"""The private safety-net reply: support for someone whose words signal risk, as on Slack. Pure builder."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from handlers.shared.support_words import safety_reply
from handlers.teams.cards.card import card, lines, note, text


def build_safety_card(kind: str, settings: Settings) -> dict[str, Any]:
    """Support resources, without repeating what the person wrote; said plainly to be automatic."""
    reply = safety_reply(kind, settings)
    body = [
        text(f":sunflower: {reply.opener}"),
        *({"type": "Container", "items": lines(section)} for section in reply.sections),
        note(reply.note),
    ]
    return card(body, fallback=reply.opener)
