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
    anchor: bool = False
    reverse: bool = False

    @property
    def values(self) -> tuple[int, ...]:
        """The answer values a button can carry."""
        if self.kind == "likert":
            return (1, 2, 3, 4, 5)
        if self.kind == "scale_0_10":
            return tuple(range(11))
        return ()


@dataclass(frozen=True)
class QuestionBank:
    """All questions, by id, in file order."""

    questions: tuple[Question, ...]

    def get(self, question_id: str) -> Question | None:
        """The question with this id, if the bank has it."""
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def constructs(self) -> tuple[str, ...]:
        """Construct names in first-appearance order."""
        return tuple(dict.fromkeys(q.construct for q in self.questions))


def _parse(raw: dict[str, Any]) -> QuestionBank:
    scales = raw["scales"]
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
                anchor=bool(item.get("anchor", False)),
                reverse=bool(item.get("reverse", False)),
            )
        )
    return QuestionBank(tuple(questions))


@functools.cache
def load_question_bank(path: Path | None = None) -> QuestionBank:
    """Read and validate the question bank (the shipped one unless a path is given)."""
    if path is None:
        text = resources.files("bot").joinpath("data/questions.yml").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return _parse(yaml.safe_load(text))


def select_questions(bank: QuestionBank, *, round_number: int, count: int) -> list[Question]:
    """Anchors every round, the rest rotated round-robin, and the free-text item last."""
    text_items = [q for q in bank.questions if q.kind == "text"]
    anchors = [q for q in bank.questions if q.anchor and q.kind != "text"]
    rotating = [q for q in bank.questions if not q.anchor and q.kind != "text"]
    slots = max(0, count - len(anchors) - len(text_items[:1]))
    start = (round_number * slots) % len(rotating) if rotating else 0
    picked = [rotating[(start + i) % len(rotating)] for i in range(min(slots, len(rotating)))]
    return anchors + picked + text_items[:1]
