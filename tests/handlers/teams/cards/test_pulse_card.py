"""The pulse card behaves as the Slack DM does: one tap per answer carrying all it needs, the tapped
option marked, "Prefer not to say" only on sensitive items, the harm note once, no buttons once closed."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from bot.ballots import PulseReminder
from bot.i18n import speaking
from handlers.slack.blocks.pulse import decode_answer as decode_slack_answer
from handlers.teams.cards.answers import ANSWER_VERB, COMMENT_ACTION, AnswerTap, decode_answer, encode_answer
from handlers.teams.cards.help import build_harm_note
from handlers.teams.cards.pulse import (
    MAX_ACTIONS_PER_ROW,
    build_pulse_card,
    build_pulse_closed_card,
    build_reminder_card,
)
from tests.handlers.teams.cards.checks import actions, texts
from tests.handlers.teams.cards.test_cards import BALLOT, BANK, CLOSES, LINK, PROMISE, SETTINGS

LIKERT = next(q for q in BANK if q.kind == "likert" and not q.sensitive)
SENSITIVE = next(q for q in BANK if q.sensitive)
SCALE = next(q for q in BANK if q.kind == "scale_0_10")
TEXT = next(q for q in BANK if q.kind == "text")


def _container(content: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(item for item in content["body"] if item.get("id") == f"q_{question_id}")


def _answers(content: dict[str, Any], question_id: str) -> list[dict[str, Any]]:
    return [a for a in actions(_container(content, question_id)) if a.get("verb") == ANSWER_VERB]


def test_each_answer_is_one_execute_action_whose_data_says_everything() -> None:
    content = build_pulse_card(BALLOT)
    buttons = _answers(content, LIKERT.id)
    assert [b["type"] for b in buttons] == ["Action.Execute"] * len(LIKERT.values)
    taps = [decode_answer(b["data"]) for b in buttons]
    assert taps == [
        AnswerTap(
            round_id=BALLOT.round_id, question_id=LIKERT.id, ballot=BALLOT.ballot, tag=BALLOT.tag, value=v
        )
        for v in LIKERT.values
    ]


def test_the_data_is_what_the_slack_button_carries() -> None:
    # The same keys and values: one decoder in the core could serve both platforms.
    for button in actions(build_pulse_card(BALLOT)):
        data = {k: v for k, v in button["data"].items() if k not in ("msteams", "action")}
        assert decode_slack_answer(json.dumps(data)) == data


def test_a_card_drawn_in_german_says_so_in_every_tap() -> None:
    with speaking("de"):
        content = build_pulse_card(BALLOT)
    assert {decode_answer(b["data"]).language for b in actions(content)} == {"de"}
    assert {decode_answer(b["data"]).language for b in actions(build_pulse_card(BALLOT))} == {None}


def test_prefer_not_to_say_only_on_sensitive_items_and_apart_from_the_scale() -> None:
    content = build_pulse_card(BALLOT)
    sensitive = [decode_answer(b["data"]) for b in _answers(content, SENSITIVE.id)]
    assert sensitive[-1].declined and sensitive[-1].value is None
    assert [t.value for t in sensitive[:-1]] == list(SENSITIVE.values)
    assert not any(decode_answer(b["data"]).declined for b in _answers(content, LIKERT.id))


def test_a_long_scale_is_split_so_no_answer_hides_in_an_overflow_menu() -> None:
    rows = [i for i in _container(build_pulse_card(BALLOT), SCALE.id)["items"] if i["type"] == "ActionSet"]
    assert len(rows) > 1 and all(len(r["actions"]) <= MAX_ACTIONS_PER_ROW for r in rows)
    assert [decode_answer(a["data"]).value for r in rows for a in r["actions"]] == list(range(11))


def test_the_tapped_option_is_marked_in_colour_and_in_words() -> None:
    content = build_pulse_card(BALLOT, answered=frozenset({LIKERT.id}), chosen={LIKERT.id: 4})
    buttons = _answers(content, LIKERT.id)
    assert [b.get("style") for b in buttons] == [None, None, None, "positive", None]
    title = _container(content, LIKERT.id)["items"][0]["text"]
    assert title.startswith("✅ **") and "_(your answer: Agree — tap another to change)_" in title
    assert "✅" not in _container(content, SENSITIVE.id)["items"][0]["text"]


def test_a_decline_is_marked_on_its_own_button() -> None:
    content = build_pulse_card(BALLOT, answered=frozenset({SENSITIVE.id}), declined=frozenset({SENSITIVE.id}))
    assert [b.get("style") for b in _answers(content, SENSITIVE.id)][-1] == "positive"
    assert "Prefer not to say" in _container(content, SENSITIVE.id)["items"][0]["text"]


def test_the_harm_note_goes_once_under_the_first_harmful_answer() -> None:
    harmful = {q.id: q.harmful_values[0] for q in BANK if q.sensitive}
    note = build_harm_note(SETTINGS)
    body = build_pulse_card(BALLOT, chosen=harmful, answered=frozenset(harmful), harm_note=note)["body"]
    notes = [i for i, item in enumerate(body) if item.get("style") == "emphasis"]
    assert len(notes) == 1
    first = next(q for q in BANK if q.id in harmful)
    assert body[notes[0] - 1]["id"] == f"q_{first.id}"
    assert "You don't have to deal with this alone." in " ".join(texts(body[notes[0]]))
    # A decline earns no note; nor does a card drawn without one.
    assert not any(i.get("style") == "emphasis" for i in build_pulse_card(BALLOT, chosen=harmful)["body"])


def test_the_comment_button_opens_a_dialog_with_the_ballot_in_it() -> None:
    (button,) = actions(_container(build_pulse_card(BALLOT), TEXT.id))
    assert button["type"] == "Action.Submit"
    assert button["data"]["msteams"] == {"type": "task/fetch"} and button["data"]["action"] == COMMENT_ACTION
    assert decode_answer(button["data"]) == AnswerTap(BALLOT.round_id, TEXT.id, BALLOT.ballot, BALLOT.tag)


def test_progress_counts_required_questions_and_thanks_when_done() -> None:
    required = [q for q in BANK if q.kind != "text"]
    partial = build_pulse_card(BALLOT, answered=frozenset(q.id for q in required[:2]))
    assert (
        f"2 of {len(required)} answered · closes {{{{DATE(2026-12-04T10:00:00Z, SHORT)}}}}"
        in partial["body"][-1]["text"]
    )
    done = build_pulse_card(BALLOT, answered=frozenset(q.id for q in required))
    assert done["body"][-1]["text"].startswith("🙌 **Thank you — your answers are in.**")
    assert done["fallbackText"] == "Thanks — your pulse answers are in."


def test_no_since_last_time_line_without_an_update() -> None:
    content = build_pulse_card(replace(BALLOT, since_last_time=None))
    assert not any("Since last time" in t for t in texts(content))


def test_the_closed_card_has_no_actions_and_the_same_words_for_everyone() -> None:
    closed = build_pulse_closed_card()
    assert actions(closed) == []
    assert closed["body"][0]["text"].startswith("This pulse has closed.")


@pytest.mark.parametrize("link", [LINK, None])
def test_the_reminder_links_to_the_pulse_when_it_can(link: str | None) -> None:
    reminder = build_reminder_card(PulseReminder(CLOSES, PROMISE), pulse_link=link)
    (words,) = texts(reminder["body"])
    assert ("[Here's your pulse](" + LINK + ")" in words) is (link is not None)
    assert ("It's the message above" in words) is (link is None)
    assert "{{DATE(2026-12-04T10:00:00Z, SHORT)}}" in words
    # Where no client formats the date, it is written out in the program's zone.
    assert "{{" not in reminder["fallbackText"] and "Fri 04 Dec, 10:00 UTC" in reminder["fallbackText"]


@pytest.mark.parametrize(
    "data",
    [
        None,
        "{}",
        {"r": "x", "q": "y", "b": "z"},
        {"r": "x", "q": "y", "b": "z", "t": 5},
        {"r": "x", "q": "y", "b": "z", "t": ""},
        {"r": "x", "q": "y", "b": "z", "t": "w", "v": "3"},
        {"r": "x", "q": "y", "b": "z", "t": "w", "v": True},
        {"r": "x", "q": "y", "b": "z", "t": "w", "v": 3, "d": 1},
        {"r": "x", "q": "y", "b": "z", "t": "w", "d": True},
        {"r": "x", "q": "y", "b": "z", "t": "w", "l": "x" * 17},
    ],
)
def test_data_that_is_not_ours_is_refused(data: object) -> None:
    with pytest.raises(ValueError, match="not a pulse answer"):
        decode_answer(data)


def test_encode_and_decode_round_trip() -> None:
    for kwargs in ({"value": 0}, {"value": 10}, {"declined": True}, {}, {"value": 3, "language": "de"}):
        data = encode_answer("r1", "q1", "b1", "t1", **kwargs)  # type: ignore[arg-type]
        tap = decode_answer(json.loads(json.dumps(data)))
        assert (tap.round_id, tap.question_id, tap.ballot, tap.tag) == ("r1", "q1", "b1", "t1")
        assert tap.value == kwargs.get("value") and tap.declined is kwargs.get("declined", False)
        assert tap.language == kwargs.get("language")
