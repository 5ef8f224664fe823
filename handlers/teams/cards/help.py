"""The support line of the anonymous forms and the harm note, as on Slack. Pure builders."""

from __future__ import annotations

from bot.config import Settings
from handlers.shared.support_words import SUPPORT_LINE_HOME_COMMAND, harm_note, support_line

__all__ = ["build_harm_note", "build_support_line"]


def build_support_line(settings: Settings) -> str:
    """One short line for the anonymous forms: not read right away, and `home` shows who can listen."""
    # Teams has no Home tab for a bot: the supporters are on the card `home` answers with.
    return support_line(settings, words=SUPPORT_LINE_HOME_COMMAND)


def build_harm_note(settings: Settings) -> str:
    """The pointer to support under a sensitive answer at its unfavourable end, on the person's own card."""
    return harm_note(settings)
