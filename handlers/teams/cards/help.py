"""The help reply, the support line of the anonymous forms and the harm note, as on Slack. Pure builders."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from handlers.shared.support_words import HELP_NOTE, HELP_OPENER, harm_note, help_reply, support_line
from handlers.teams.cards.card import card, lines, note, text

__all__ = ["HELP_NOTE", "HELP_OPENER", "build_harm_note", "build_help_card", "build_support_line"]


def build_help_card(settings: Settings) -> dict[str, Any]:
    """The reply to someone who writes to the bot; the same for everyone, and nothing of what they wrote."""
    reply = help_reply(settings)
    body = [
        text(reply.opener),
        *({"type": "Container", "items": lines(section)} for section in reply.sections),
        note(reply.note),
    ]
    return card(body, fallback=reply.opener)


def build_support_line(settings: Settings) -> str:
    """One short line for the anonymous forms: they are not read right away, and where to find a person."""
    return support_line(settings)


def build_harm_note(settings: Settings) -> str:
    """The pointer to support under a sensitive answer at its unfavourable end, on the person's own card."""
    return harm_note(settings)
