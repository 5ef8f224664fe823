"""The reply to someone who writes to the bot: what PeerPulse does, how to answer, where help is. Pure builder."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from handlers.shared.support_words import HELP_NOTE, HELP_OPENER, harm_note, help_reply, support_line

__all__ = ["HELP_NOTE", "HELP_OPENER", "build_harm_note", "build_help_message", "build_support_line"]


def build_help_message(settings: Settings) -> dict[str, Any]:
    """Text and blocks for the help reply; the same for everyone, and nothing of what they wrote."""
    reply = help_reply(settings)
    what, talk = reply.sections
    text = f"{reply.opener}\n{what}\n{talk}\n_{reply.note}_"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": reply.opener}},
        {"type": "section", "text": {"type": "mrkdwn", "text": what}},
        {"type": "section", "text": {"type": "mrkdwn", "text": talk}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": reply.note}]},
    ]
    return {"text": text, "blocks": blocks}


def build_support_line(settings: Settings) -> str:
    """One short line for the anonymous forms: they are not read right away, and where to find a person."""
    return support_line(settings)


def build_harm_note(settings: Settings, *, ephemeral: bool = False) -> str:
    """The pointer to support under a sensitive answer at its unfavourable end (or in a one-off reply)."""
    return harm_note(settings, ephemeral=ephemeral)
