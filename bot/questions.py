"""The pulse question bank (shipped as YAML) and the rotation that picks a round's items."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

ScaleKind = Literal["likert", "scale_0_10", "text"]


@dataclass(frozen=True)
class Question:
    """One item: what is asked, on which scale, measuring which construct, adapted from where."""

    id: str
    construct: str
    kind: ScaleKind
    text: str
    labels: tuple[str, ...]
    source: str
    reverse: bool = False
    # About being on the receiving or witnessing end of harm: an unfavourable answer earns a pointer to support.
    sensitive: bool = False

    @property
    def values(self) -> tuple[int, ...]:
        """The answer values a button can carry."""
        if self.kind == "likert":
            return (1, 2, 3, 4, 5)
        if self.kind == "scale_0_10":
            return tuple(range(11))
        return ()

    @property
    def harmful_values(self) -> tuple[int, ...]:
        """On a sensitive item, the two answers at the unfavourable end (the top two when reversed)."""
        if not self.sensitive or not self.values:
            return ()
        return self.values[-2:] if self.reverse else self.values[:2]


@dataclass(frozen=True)
class QuestionBank:
    """All questions, by id, in file order."""

    questions: tuple[Question, ...]
    cadence: tuple[tuple[str, str], ...] = ()

    def get(self, question_id: str) -> Question | None:
        """The question with this id, if the bank has it."""
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def constructs(self) -> tuple[str, ...]:
        """Construct names in first-appearance order."""
        return tuple(dict.fromkeys(q.construct for q in self.questions))

    def items_of(self, construct: str) -> list[Question]:
        """The construct's items in file order."""
        return [q for q in self.questions if q.construct == construct]

    def cadence_of(self, construct: str) -> str:
        """'every' or 'rotate'."""
        return dict(self.cadence).get(construct, "rotate")


def _parse(raw: dict[str, Any]) -> QuestionBank:
    scales = raw["scales"]
    cadence = raw.get("constructs") or {}
    for construct, how in cadence.items():
        if how not in {"every", "rotate"}:
            raise ValueError(f"construct {construct!r} has cadence {how!r}; use 'every' or 'rotate'")
    questions = []
    seen: set[str] = set()
    for item in raw["questions"]:
        scale = scales[item["scale"]]
        if item["id"] in seen:
            raise ValueError(f"question id {item['id']!r} appears twice in the bank")
        seen.add(item["id"])
        questions.append(
            Question(
                id=item["id"],
                construct=item["construct"],
                kind=scale["kind"],
                text=item["text"],
                labels=tuple(scale.get("labels", ())),
                source=item["source"],
                reverse=bool(item.get("reverse", False)),
                sensitive=bool(item.get("sensitive", False)),
            )
        )
    unknown = {q.construct for q in questions} - set(cadence)
    if unknown:
        raise ValueError(f"constructs without a cadence in the bank: {', '.join(sorted(unknown))}")
    return QuestionBank(tuple(questions), tuple(cadence.items()))


@functools.cache
def load_question_bank(path: Path | None = None) -> QuestionBank:
    """Read and validate the question bank (the shipped one unless a path is given)."""
    if path is None:
        text = resources.files("bot").joinpath("data/questions.yml").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return _parse(yaml.safe_load(text))


def select_questions(bank: QuestionBank, *, round_number: int, count: int) -> list[Question]:
    """`every` constructs each round, `rotate` ones round-robin in the slots left, free text last."""
    constructs = bank.constructs
    text_constructs = [c for c in constructs if bank.items_of(c)[0].kind == "text"]
    every = [c for c in constructs if bank.cadence_of(c) == "every" and c not in text_constructs]
    rotate = [c for c in constructs if bank.cadence_of(c) == "rotate" and c not in text_constructs]
    numeric_slots = max(0, count - len(text_constructs[:1]))
    # (construct, how many times it has been asked before) — items take turns by that count.
    chosen = [(c, round_number) for c in every[:numeric_slots]]
    spare = numeric_slots - len(chosen)
    if rotate and spare > 0:
        for i in range(min(spare, len(rotate))):
            slot = round_number * spare + i
            chosen.append((rotate[slot % len(rotate)], slot // len(rotate)))
    chosen += [(c, round_number) for c in text_constructs[:1]]
    return [bank.items_of(c)[asked % len(bank.items_of(c))] for c, asked in chosen]
