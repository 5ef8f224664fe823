"""The question bank and its rotation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.questions import load_question_bank, select_questions


def test_bank_items_carry_construct_scale_and_source() -> None:
    bank = load_question_bank()
    kinds = {q.kind for q in bank.questions}
    assert kinds == {"likert", "scale_0_10", "text"}
    assert all(q.source and q.construct for q in bank.questions)
    assert {"psych_safety", "awareness", "trust_confidentiality", "recommend"} <= set(bank.constructs)


@pytest.mark.parametrize("count", [4, 5, 6])
def test_each_round_asks_count_items_with_core_constructs_and_free_text_last(count: int) -> None:
    bank = load_question_bank()
    for round_number in range(10):
        picked = select_questions(bank, round_number=round_number, count=count)
        assert len(picked) == count
        assert picked[-1].kind == "text"
        assert len({q.id for q in picked}) == count
        constructs = [q.construct for q in picked]
        assert constructs[:2] == ["psych_safety", "awareness"]


def test_rotation_reaches_every_item_within_a_few_rounds() -> None:
    bank = load_question_bank()
    asked = {q.id for r in range(8) for q in select_questions(bank, round_number=r, count=6)}
    assert asked == {q.id for q in bank.questions}


def test_bank_with_unknown_cadence_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "q.yml"
    bad.write_text(
        "constructs: {x: sometimes}\nscales: {s: {kind: likert, labels: [a,b,c,d,e]}}\n"
        "questions: [{id: a, construct: x, scale: s, text: t, source: s}]\n"
    )
    with pytest.raises(ValueError, match="cadence"):
        load_question_bank(bad)


def test_bank_with_duplicate_ids_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "q.yml"
    bad.write_text(
        "constructs: {x: every}\nscales: {s: {kind: likert, labels: [a,b,c,d,e]}}\n"
        "questions: [{id: a, construct: x, scale: s, text: t, source: s},"
        " {id: a, construct: x, scale: s, text: u, source: s}]\n"
    )
    with pytest.raises(ValueError, match="twice"):
        load_question_bank(bad)
