"""The answer buttons' data and Teams ids at the core's edge: one to one, and anything else refused."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.teams.answer_data import PulseAnswer, decode_answer_data, encode_answer_data
from handlers.teams.ids import person_id, teams_id


@pytest.mark.parametrize(
    "answer",
    [
        PulseAnswer(round_id="r1", question_id="q1", ballot="b" * 32, tag="t" * 20, value=0),
        PulseAnswer(round_id="r1", question_id="q1", ballot="b", tag="t", value=10, language="de"),
        PulseAnswer(round_id="r1", question_id="q1", ballot="b", tag="t", declined=True),
    ],
)
def test_an_answer_survives_the_round_trip(answer: PulseAnswer) -> None:
    assert decode_answer_data(encode_answer_data(answer)) == answer


GOOD: dict[str, Any] = {"round": "r1", "question": "q1", "ballot": "b", "tag": "t", "value": 3}


@pytest.mark.parametrize(
    "data",
    [
        None,
        "junk",
        {k: v for k, v in GOOD.items() if k != "tag"},
        {**GOOD, "ballot": ""},
        {**GOOD, "round": 7},
        {**GOOD, "value": "3"},
        {**GOOD, "value": True},
        {**GOOD, "declined": True},  # a decline carries no value
        {**GOOD, "declined": "yes"},
        {**GOOD, "language": ""},
        {**GOOD, "language": "x" * 17},
    ],
)
def test_anything_else_is_not_an_answer(data: Any) -> None:
    with pytest.raises(ValueError, match="not a pulse answer"):
        decode_answer_data(data)


@pytest.mark.parametrize("raw", ["29:1abcDEF-_x", "28:00000000-beef", "8:orgid:1234", "29:a%3Ab"])
def test_teams_ids_reach_the_core_without_a_colon_and_come_back(raw: str) -> None:
    person = person_id(raw)
    assert ":" not in person
    assert teams_id(person) == raw


def test_distinct_teams_ids_stay_distinct() -> None:
    # "29:a%3Ab" and "29:a:b" differ, and so must their person ids (the escape is one to one).
    assert person_id("29:a%3Ab") != person_id("29:a:b")
