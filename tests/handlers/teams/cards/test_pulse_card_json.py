"""The redrawn pulse card a tap answers with, assembled from cached JSON pieces, is the card
`build_pulse_card` draws, byte for byte, in every state of every question, in every language; and
nothing in its caches is kept per person."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from bot.i18n import PSEUDO_LANGUAGE, speaking
from bot.questions import Question
from handlers.teams.cards import pulse
from handlers.teams.cards.answers import decode_answer
from handlers.teams.cards.card import (
    EncodedCard,
    action_response,
    action_response_json,
    message,
    message_json,
)
from handlers.teams.cards.help import build_harm_note
from handlers.teams.cards.pulse import build_pulse_card, pulse_card_json, pulse_card_summary
from tests.handlers.teams.cards.checks import actions
from tests.handlers.teams.cards.test_cards import BALLOT, BANK, SETTINGS

HARM_NOTE = build_harm_note(SETTINGS)
REQUIRED = [q for q in BANK if q.kind != "text"]


def _drawn(**state: Any) -> str:
    """The card as `build_pulse_card` draws it, compactly encoded as the cached path encodes it."""
    ballot = state.pop("ballot", BALLOT)
    return json.dumps(build_pulse_card(ballot, **state), separators=(",", ":"))


def _states(question: Question) -> list[dict[str, Any]]:
    """Every way one question can stand on a person's card."""
    states: list[dict[str, Any]] = [{}, {"answered": frozenset({question.id})}]
    for value in question.values:
        states.append({"answered": frozenset({question.id}), "chosen": {question.id: value}})
    if question.sensitive:
        declined = frozenset({question.id})
        states.append({"answered": declined, "declined": declined})
    return states


@pytest.mark.parametrize("language", ["en", "de", PSEUDO_LANGUAGE])
@pytest.mark.parametrize("question", BANK, ids=lambda q: q.id)
def test_every_state_of_every_question_is_drawn_as_build_pulse_card_draws_it(
    question: Question, language: str
) -> None:
    with speaking(language):
        for state in _states(question):
            for harm_note in (None, HARM_NOTE):
                cached = pulse_card_json(BALLOT, harm_note=harm_note, **state)
                assert cached == _drawn(harm_note=harm_note, **state), (question.id, state)
                # Drawn again from the cache alone: still the same card.
                assert pulse_card_json(BALLOT, harm_note=harm_note, **state) == cached


@pytest.mark.parametrize("language", ["en", "de"])
def test_whole_ballots_are_drawn_alike_from_first_tap_to_thanks(language: str) -> None:
    sensitive = next(q for q in REQUIRED if q.sensitive)
    with speaking(language):
        for done in range(len(REQUIRED) + 1):
            answered = frozenset(q.id for q in REQUIRED[:done])
            chosen = {q.id: q.values[-1] for q in REQUIRED[:done] if q is not sensitive}
            declined = frozenset({sensitive.id}) & answered
            for ballot in (BALLOT, replace(BALLOT, since_last_time=None)):
                state: dict[str, Any] = {"answered": answered, "chosen": chosen, "declined": declined}
                assert pulse_card_json(ballot, harm_note=HARM_NOTE, **state) == _drawn(
                    ballot=ballot, harm_note=HARM_NOTE, **state
                )
        everything = frozenset(q.id for q in REQUIRED)
        finished = json.loads(pulse_card_json(BALLOT, answered=everything))
        assert finished["fallbackText"] == json.loads(_drawn(answered=everything))["fallbackText"]
        assert finished["fallbackText"] != json.loads(pulse_card_json(BALLOT))["fallbackText"]


def test_each_person_gets_their_own_ballot_in_every_button() -> None:
    other = replace(BALLOT, ballot="c" * 32, tag="u" * 20)
    mine, theirs = json.loads(pulse_card_json(BALLOT)), json.loads(pulse_card_json(other))
    assert {(decode_answer(a["data"]).ballot, decode_answer(a["data"]).tag) for a in actions(mine)} == {
        (BALLOT.ballot, BALLOT.tag)
    }
    assert {(decode_answer(a["data"]).ballot, decode_answer(a["data"]).tag) for a in actions(theirs)} == {
        (other.ballot, other.tag)
    }


@pytest.mark.parametrize(("ballot", "tag"), [('b"\\x', "t" * 20), ("b" * 32, "t<@U1>"), ("b" * 65, "t")])
def test_a_ballot_the_stand_ins_cannot_hold_is_drawn_afresh(ballot: str, tag: str) -> None:
    odd = replace(BALLOT, ballot=ballot, tag=tag)
    assert pulse_card_json(odd) == _drawn(ballot=odd)
    assert {decode_answer(a["data"]).ballot for a in actions(json.loads(pulse_card_json(odd)))} == {ballot}


def test_a_language_switch_draws_the_other_language() -> None:
    answered = frozenset({REQUIRED[0].id})
    english = json.loads(pulse_card_json(BALLOT, answered=answered))
    with speaking("de"):
        german = json.loads(pulse_card_json(BALLOT, answered=answered))
    again = json.loads(pulse_card_json(BALLOT, answered=answered))
    assert english == again != german
    assert (english["lang"], german["lang"]) == ("en", "de")
    assert "This week's pulse" in english["body"][0]["text"]
    assert "This week's pulse" not in german["body"][0]["text"]
    assert {decode_answer(a["data"]).language for a in actions(german)} == {"de"}
    assert {decode_answer(a["data"]).language for a in actions(english)} == {None}


def test_the_caches_hold_states_of_questions_never_ballots() -> None:
    pieces = (pulse._head_json, pulse._question_json, pulse._harm_json, pulse._tail_json, pulse._card_json)
    for cached in pieces:
        cached.cache_clear()
    state: dict[str, Any] = {"answered": frozenset({REQUIRED[0].id}), "chosen": {REQUIRED[0].id: 1}}
    pulse_card_json(BALLOT, harm_note=HARM_NOTE, **state)
    sizes = [cached.cache_info().currsize for cached in pieces]
    # A thousand other people in the same state add nothing: no piece is kept per person.
    for n in range(1000):
        pulse_card_json(replace(BALLOT, ballot=f"{n:032x}", tag=f"{n:020x}"), harm_note=HARM_NOTE, **state)
    assert [cached.cache_info().currsize for cached in pieces] == sizes
    # And no piece holds a ballot or a tag.
    held = pulse._question_json(1, BANK[0], BALLOT.round_id, True, 1, False, "en")
    assert BALLOT.ballot not in held and BALLOT.tag not in held


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_update_keeping_the_card_in_the_chat_is_the_message_the_builders_make(language: str) -> None:
    with speaking(language):
        for done in (0, 1, len(REQUIRED)):
            answered = frozenset(q.id for q in REQUIRED[:done])
            drawn = build_pulse_card(BALLOT, answered=answered)
            encoded = EncodedCard(
                pulse_card_json(BALLOT, answered=answered), pulse_card_summary(BALLOT, answered=answered)
            )
            assert encoded.summary == drawn["fallbackText"]
            assert encoded.decoded() == drawn
            update = json.loads(message_json(encoded, id='1:abc"x'))
            assert update == {**message(drawn, summary=drawn["fallbackText"]), "id": '1:abc"x'}
            assert json.loads(action_response_json(encoded)) == action_response(drawn)
