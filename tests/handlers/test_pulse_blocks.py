"""The pulse DM's button values: the batched encoder says exactly what the single one says."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from handlers.blocks.pulse import decode_answer, encode_answer, encode_answers

ids = st.text(min_size=1, max_size=40)


@given(ids, ids, ids, ids, st.lists(st.integers(min_value=0, max_value=10), max_size=11))
def test_encode_answers_matches_encode_answer_for_every_value(
    round_id: str, question_id: str, ballot: str, tag: str, values: list[int]
) -> None:
    batched = encode_answers(round_id, question_id, ballot, tag, values)
    assert batched == [encode_answer(round_id, question_id, ballot, tag, v) for v in values]
    for raw, value in zip(batched, values, strict=True):
        assert decode_answer(raw) == {"r": round_id, "q": question_id, "b": ballot, "t": tag, "v": value}
