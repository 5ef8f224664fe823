"""Every Teams card an employee sees: valid Adaptive Cards 1.5, under Teams' size limits, in English,
German and the pseudo-language with no word escaping the catalogue."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from bot.ballots import PulseBallot, PulseReminder
from bot.clock import ManualClock
from bot.errors import InvalidInput
from bot.feedback import FeedbackService
from bot.i18n import PSEUDO_LANGUAGE, _, speaking
from handlers.teams.cards.answers import AnswerTap
from handlers.teams.cards.card import CARD_LIMIT, MESSAGE_LIMIT, action_response, message, size
from handlers.teams.cards.forms import (
    build_comment_dialog,
    build_comment_saved_dialog,
    build_feedback_dialog,
    build_feedback_received_dialog,
)
from handlers.teams.cards.help import build_harm_note, build_support_line
from handlers.teams.cards.pulse import build_pulse_card, build_pulse_closed_card, build_reminder_card
from handlers.teams.cards.safety import build_safety_card
from tests.handlers.teams.cards.checks import cards_in, schema_errors, texts
from tests.handlers.test_catalogue_coverage import escaped_words
from tests.handlers.test_employee_surfaces import BANK, CLOSES, PROMISE, SETTINGS

UPDATE = "We started listening circles in every team."
# A ballot and tag as long as real ones (hex tokens and a 20-character MAC), so sizes are real sizes.
BALLOT = PulseBallot(
    round_id="0" * 32,
    questions=list(BANK),
    ballot="b" * 32,
    tag="t" * 20,
    closes_at=CLOSES,
    since_last_time=UPDATE,
    promise=PROMISE,
)
TEXT_QUESTION = next(q for q in BANK if q.kind == "text")
TAP = AnswerTap(round_id="0" * 32, question_id=TEXT_QUESTION.id, ballot="b" * 32, tag="t" * 20)
LINK = "https://teams.microsoft.com/l/message/19:abc@unq.gbl.spaces/1796012165799"


def _everything_answered() -> dict[str, Any]:
    """The largest pulse card: every question answered at its hard end, one declined, the harm note."""
    sensitive = [q for q in BANK if q.sensitive]
    return build_pulse_card(
        BALLOT,
        answered=frozenset(q.id for q in BANK),
        chosen={q.id: q.values[-1] for q in BANK if q.values and q not in sensitive[:1]},
        declined=frozenset(q.id for q in sensitive[:1]),
        harm_note=build_harm_note(SETTINGS),
    )


def _feedback_errors() -> dict[str, str]:
    """The domain's own field errors for an empty feedback form, in the current language."""
    service = FeedbackService(db=None, clock=ManualClock(CLOSES))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as refused:
        asyncio.run(service.submit(team_id="T0", category="", text=""))
    return refused.value.fields


SURFACES: dict[str, Callable[[], dict[str, Any]]] = {
    "pulse": lambda: build_pulse_card(BALLOT),
    "pulse, every question answered": _everything_answered,
    "pulse, closed": build_pulse_closed_card,
    "reminder, linked": lambda: build_reminder_card(PulseReminder(CLOSES, PROMISE), pulse_link=LINK),
    "reminder": lambda: build_reminder_card(PulseReminder(CLOSES, PROMISE)),
    "safety reply, self-harm": lambda: build_safety_card("self_harm", SETTINGS),
    "safety reply, violence": lambda: build_safety_card("violence", SETTINGS),
    "feedback dialog": lambda: build_feedback_dialog(support_line=build_support_line(SETTINGS)),
    "feedback dialog, refused": lambda: build_feedback_dialog(
        support_line=build_support_line(SETTINGS), category="nonsense", typed="hm", errors=_feedback_errors()
    ),
    "comment dialog": lambda: build_comment_dialog(
        tap=TAP, question=TEXT_QUESTION, min_group_size=5, support_line=build_support_line(SETTINGS)
    ),
    "comment dialog, refused": lambda: build_comment_dialog(
        tap=TAP,
        question=TEXT_QUESTION,
        min_group_size=5,
        support_line=build_support_line(SETTINGS),
        typed="What I wrote",
        errors={"round": _("This survey no longer exists.")},
    ),
    "comment saved": build_comment_saved_dialog,
    "comment removed": lambda: build_comment_saved_dialog(removed=True),
    "feedback received": build_feedback_received_dialog,
}
LANGUAGES = ("en", "de", PSEUDO_LANGUAGE)
# Adaptive Card syntax and data shown, which are not words to translate.
NOT_WORDS = re.compile(r"\{\{(?:DATE|TIME)\([^)]*\)\}\}|\]\([^)\s]*\)")
DATA = (UPDATE, "What I wrote", "hm")


def _words_outside_the_catalogue(text: str) -> list[str]:
    for data in DATA:
        text = text.replace(data, " ")
    return escaped_words(NOT_WORDS.sub(" ", text))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("surface", SURFACES)
def test_every_card_is_valid_adaptive_cards_1_5(surface: str, language: str) -> None:
    with speaking(language):
        built = SURFACES[surface]()
    for content in cards_in(built):
        assert content["version"] == "1.5"
        assert schema_errors(content) == []


@pytest.mark.parametrize("surface", SURFACES)
def test_no_word_escapes_the_catalogue(surface: str) -> None:
    with speaking(PSEUDO_LANGUAGE):
        built = SURFACES[surface]()
    leaks = {t: words for t in texts(built) if (words := _words_outside_the_catalogue(t))}
    assert not leaks


@pytest.mark.parametrize("surface", SURFACES)
def test_german_readers_read_german(surface: str) -> None:
    with speaking("en"):
        english = set(texts(SURFACES[surface]()))
    with speaking("de"):
        built = SURFACES[surface]()
    german = texts(built)
    same = [t for t in german if t in english and _words_outside_the_catalogue(t) and len(t.split()) > 2]
    assert not same
    assert all(content["lang"] == "de" for content in cards_in(built))


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("surface", SURFACES)
def test_no_card_sends_people_to_a_home_tab_teams_does_not_have(surface: str, language: str) -> None:
    """A bot on Teams has no Home tab: its cards point at `home` (or at "PeerPulse's Home") instead."""
    with speaking(language):
        said = " ".join(texts(SURFACES[surface]()))
    assert not re.search(r"\bHome\*? tab|Tab \*?Home", said)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("surface", SURFACES)
def test_every_card_fits_teams_limits(surface: str, language: str) -> None:
    with speaking(language):
        built = SURFACES[surface]()
    for content in cards_in(built):
        assert size(content) < CARD_LIMIT
        assert size(message(content, summary="x")) < MESSAGE_LIMIT


def test_the_largest_pulse_card_leaves_room() -> None:
    # The whole bank (11 questions; a round asks at most 6), every answer marked and the harm note, in
    # German (longer words), still leaves a fifth of the limit.
    assert len(BANK) > 6
    with speaking("de"):
        built = _everything_answered()
    assert size(built) < CARD_LIMIT * 0.8, size(built)


@pytest.mark.parametrize(
    "break_it",
    [
        lambda c: c["body"][0].update(colour="red"),
        lambda c: c["body"][0].update(size="huge"),
        lambda c: c["body"].append({"type": "ActionSet", "actions": [{"type": "Action.Execute", "verb": 7}]}),
        lambda c: c["body"].append({"type": "Input.Text", "id": "x", "isMultiline": "yes"}),
        # A mention of someone the card never shows (Teams' own extension, checked by hand).
        lambda c: c.update(
            msteams={
                "entities": [
                    {"type": "mention", "text": "<at>X</at>", "mentioned": {"id": "29:x", "name": "X"}}
                ]
            }
        ),
        lambda c: c.update(msteams={"colour": "red"}),
    ],
)
def test_the_schema_check_can_fail(break_it: Callable[[dict[str, Any]], None]) -> None:
    broken = json.loads(json.dumps(build_pulse_closed_card()))
    assert schema_errors(broken) == []
    break_it(broken)
    assert schema_errors(broken)


def test_an_answer_to_a_tap_carries_the_next_card() -> None:
    content = build_pulse_closed_card()
    answer = action_response(content)
    assert answer == {"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": content}
