"""The pulse DM: the batched button encoder and the cached JSON builder say exactly what the plain
builders say."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.questions import Question, load_question_bank
from handlers.slack.blocks.pulse import (
    build_pulse_blocks,
    decode_answer,
    encode_answer,
    encode_answers,
    pulse_blocks_json,
)

BANK = load_question_bank().questions

ids = st.text(min_size=1, max_size=40)


@given(ids, ids, ids, ids, st.lists(st.integers(min_value=0, max_value=10), max_size=11))
def test_encode_answers_matches_encode_answer_for_every_value(
    round_id: str, question_id: str, ballot: str, tag: str, values: list[int]
) -> None:
    batched = encode_answers(round_id, question_id, ballot, tag, values)
    assert batched == [encode_answer(round_id, question_id, ballot, tag, v) for v in values]
    for raw, value in zip(batched, values, strict=True):
        assert decode_answer(raw) == {"r": round_id, "q": question_id, "b": ballot, "t": tag, "v": value}


@given(
    round_id=st.text(alphabet="0123456789abcdef", min_size=32, max_size=32),
    # Plain ids take the cached path; anything else (quotes, escapes, stand-in look-alikes) the plain one.
    ballot=st.one_of(st.text(alphabet="0123456789abcdef", min_size=32, max_size=32), st.text(max_size=40)),
    tag=st.one_of(st.text(alphabet="0123456789abcdef", min_size=20, max_size=20), st.text(max_size=30)),
    picks=st.lists(st.sampled_from(BANK), min_size=1, max_size=6, unique_by=lambda q: q.id),
    answered_mask=st.lists(st.booleans(), min_size=6, max_size=6),
    since=st.one_of(st.none(), st.text(max_size=60)),
    closes_at=st.datetimes(timezones=st.just(UTC)),
)
def test_the_cached_json_is_exactly_the_built_blocks(
    round_id: str,
    ballot: str,
    tag: str,
    picks: list[Question],
    answered_mask: list[bool],
    since: str | None,
    closes_at: datetime,
) -> None:
    answered = frozenset(q.id for q, on in zip(picks, answered_mask, strict=False) if on)
    args = {
        "round_id": round_id,
        "questions": picks,
        "ballot": ballot,
        "tag": tag,
        "answered": answered,
        "closes_at": closes_at,
        "since_last_time": since,
    }
    assert json.loads(pulse_blocks_json(**args)) == build_pulse_blocks(**args)
