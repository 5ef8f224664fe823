"""The safety net recognises risk written the way people write it, on a labelled set."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.privacy import RiskSignal, _compile_risk_terms, detect_risk

STATEMENTS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "data" / "risk_statements.yml").read_text(encoding="utf-8")
)["statements"]
HELD_OUT = [s for s in STATEMENTS if s.get("held_out")]


def _recall(statements: list[dict[str, Any]]) -> tuple[float, list[str]]:
    risky = [s for s in statements if s["label"] != "none" and s.get("clear")]
    missed = [s["text"] for s in risky if detect_risk(s["text"]) is None]
    return 1 - len(missed) / len(risky), missed


def test_the_labelled_set_is_big_varied_and_partly_held_out() -> None:
    labels = [s["label"] for s in STATEMENTS]
    assert len(STATEMENTS) >= 150
    assert set(labels) == {"self_harm", "violence", "none"}
    assert labels.count("none") >= 50  # hard negatives: hyperbole, program talk, negation
    assert 0.25 <= len(HELD_OUT) / len(STATEMENTS) <= 0.4, len(HELD_OUT) / len(STATEMENTS)
    assert {s["label"] for s in HELD_OUT} == {"self_harm", "violence", "none"}
    assert len({s["text"].casefold() for s in STATEMENTS}) == len(STATEMENTS), "duplicates"
    assert all(("clear" in s) == (s["label"] != "none") for s in STATEMENTS)


def test_recall_on_clear_risk_statements_is_at_least_95_percent() -> None:
    recall, missed = _recall(STATEMENTS)
    assert recall >= 0.95, f"recall on clear risk is {recall:.3f}; missed: {missed}"


def test_recall_on_held_out_clear_risk_statements_is_at_least_90_percent() -> None:
    # Phrasings never tuned on: 0.92 measured (46/50). Each fresh batch scored 0.80-0.86 before it
    # was tuned on (see the data file), so this bar says how well the phrase list generalises.
    recall, missed = _recall(HELD_OUT)
    assert recall >= 0.9, f"recall on held-out clear risk is {recall:.3f}; missed: {missed}"


def test_precision_is_at_least_90_percent() -> None:
    flagged = [s for s in STATEMENTS if detect_risk(s["text"]) is not None]
    false_alarms = [s["text"] for s in flagged if s["label"] == "none"]
    precision = 1 - len(false_alarms) / len(flagged)
    assert precision >= 0.9, f"precision is {precision:.3f}; false alarms: {false_alarms}"


def test_the_kind_is_right_for_flagged_risk_statements() -> None:
    wrong = [
        s["text"]
        for s in STATEMENTS
        if s["label"] != "none"
        and (signal := detect_risk(s["text"])) is not None
        and signal.kind != s["label"]
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # spelling the way people type
        ("i want to kill my self", "self_harm"),
        ("I want to k1ll mys3lf", "self_harm"),
        ("i want to kiiilll myself", "self_harm"),
        ("thinking about sucide", "self_harm"),
        ("I feel S U I C I D A L", "self_harm"),
        ("I wanna end it all", "self_harm"),
        ("I dont want to be here anymore", "self_harm"),
        # negation where it matters
        ("I can't stop thinking about ending it", "self_harm"),
        ("I don't want to live", "self_harm"),
        ("I'm not ok and I want to die", "self_harm"),
        # threats and violence against the author
        ("he said he'd kill me", "violence"),
        ("She threatened to stab me", "violence"),
        ("my manager hit me", "violence"),
    ],
)
def test_variants_are_recognised(text: str, kind: str) -> None:
    assert detect_risk(text) == RiskSignal(kind)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "I'd never hurt myself",
        "I would never, ever kill myself",
        "I'm not suicidal",
        "I don't want to die on this hill",
        "this survey is killing me",
        "the deadline is murder",
        "supporters saved my life",
        "my boss will kill me if I'm late",
        "hit me up on slack",
        "she kicked me off the rota",
        "a skill myself",
        "we ran suicide prevention training",
    ],
)
def test_hard_negatives_are_not_flagged(text: str) -> None:
    assert detect_risk(text) is None


def test_negation_belongs_to_its_own_clause() -> None:
    assert detect_risk("I'm not going to lie, I want to kill myself") == RiskSignal("self_harm")
    assert detect_risk("Not great. I want to kill myself") == RiskSignal("self_harm")
    assert detect_risk("I would never kill myself") is None


HOSTILE = {
    "one long word": "k" * 100_000,
    "many words": "kill " * 20_000,
    "near misses": "suicdie myslef " * 7_000,
    "leet": "k1ll! " * 16_000,
    "single letters": "a " * 50_000,
    "punctuation": ".,;!?" * 20_000,
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_detect_risk_is_fast_on_hostile_input(text: str) -> None:
    started = time.perf_counter()
    detect_risk(text)
    # Far above the measured time (bench/safety_net.py: ~1 ms per 1,000 characters).
    assert time.perf_counter() - started < 3.0


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"violence": None}, "expected exactly the keys"),
        ({"self_harm": []}, "self_harm must be a non-empty list"),
        ({"self_harm": ["kill (myself|me)"]}, "must be lowercase words"),
        ({"self_harm": ["Kill myself"]}, "must be lowercase words"),
        ({"self_harm": ["want? to die"]}, "must be lowercase words"),
        ({"self_harm": ["{nope} die"]}, "unknown macro {nope}"),
    ],
)
def test_risk_terms_grammar_is_validated(change: dict[str, Any], error: str) -> None:
    # Editors of risk_terms.yml get a message naming the problem, not a regex error at 2 a.m.
    data: dict[str, Any] = {
        "macros": {"intent": ["want to"]},
        "self_harm": ["kill myself"],
        "violence": ["hurt someone"],
        "fuzzy": ["myself"],
        "keep": ["skill"],
    }
    data.update(change)
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(ValueError, match=re.escape(error)):
        _compile_risk_terms(data, "risk_terms.yml")


def test_the_benchmark_prints_recall_and_precision_next_to_the_goals() -> None:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parents[2] / "bench" / "safety_net.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| all")]
    assert any("recall, clear risk" in r and "PASS" in r for r in rows), done.stdout
    assert any("precision" in r for r in rows), done.stdout
