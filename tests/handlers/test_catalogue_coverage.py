"""No word a person reads escapes the catalogue: each surface rendered in the pseudo-language.

In `qps` every catalogued string comes back wrapped in ⟦ ⟧; whatever letters are left outside
the brackets (beyond Slack markup, commands and the data shown) were written past `_()`, and
would stay English for a German reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from bot.i18n import PSEUDO_LANGUAGE, speaking
from handlers.slack.blocks.feedback import build_feedback_modal
from handlers.slack.blocks.help import build_harm_note, build_help_message, build_support_line
from handlers.slack.blocks.safety import build_escalation_message, build_safety_message
from handlers.slack.replies import user_message_for
from tests.handlers.test_employee_surfaces import SETTINGS, _home, _texts

# Slack markup, commands, links, figures and names are not words to translate.
NOT_WORDS = re.compile(r"<[^<>]*>|:[a-z0-9_+-]+:|`[^`]*`|https?://\S+|\bPeerPulse\b")
INNERMOST = re.compile(r"⟦[^⟦⟧]*⟧")


def escaped_words(text: str) -> list[str]:
    """Words outside every ⟦ ⟧ (brackets nest where one catalogued string is placed in another)."""
    text = NOT_WORDS.sub(" ", text)
    while INNERMOST.search(text):
        text = INNERMOST.sub(" ", text)
    return re.findall(r"[^\W\d_]{2,}", text)


def _everything(value: Any) -> list[str]:
    """Every text in a message, view or list of blocks."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and isinstance(value.get("text"), str) and "blocks" in value:
        return [value["text"], *_texts(value["blocks"])]
    return _texts(value)


SURFACES: dict[str, Callable[[], Any]] = {
    "help reply": lambda: build_help_message(SETTINGS),
    "support line": lambda: build_support_line(SETTINGS),
    "harm note": lambda: build_harm_note(SETTINGS),
    "safety reply, self-harm": lambda: build_safety_message("self_harm", SETTINGS),
    "safety reply, violence": lambda: build_safety_message("violence", SETTINGS),
    "escalation, self-harm": lambda: build_escalation_message("self_harm", SETTINGS),
    "escalation, violence": lambda: build_escalation_message("violence", SETTINGS),
    "feedback form": lambda: build_feedback_modal(support_line=build_support_line(SETTINGS)),
    "home, everyone's part": lambda: _home("employee")["blocks"],
    "unexpected error": lambda: user_message_for(RuntimeError("boom")),
    "database down": lambda: user_message_for(ConnectionError()),
}


def test_the_pseudo_language_catches_text_written_past_the_catalogue() -> None:
    assert escaped_words("⟦Hello ⟦<@U1>⟧ there⟧ `/pulse optin` :wave: 42") == []
    assert escaped_words("⟦Hello⟧ world") == ["world"]


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_every_word_of_the_surface_comes_from_the_catalogue(surface: str) -> None:
    with speaking(PSEUDO_LANGUAGE):
        texts = _everything(SURFACES[surface]())
    assert texts
    leaks = {text: words for text in texts if (words := escaped_words(text))}
    assert not leaks, f"{surface}: written past the catalogue: {leaks}"
