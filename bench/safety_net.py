"""Safety-net quality: recall and precision of bot.privacy.detect_risk on the labelled statements.

Reads tests/data/risk_statements.yml (risk / not risk, with a held-out third never used for tuning)
and prints, for the tuning part, the held-out part and all of it: recall on clear risk statements
(goal >= 0.95), recall on every risk statement, precision, and how often the kind (self-harm or
violence) is right, next to the goals. Also times detect_risk on a long comment. Exits 0 whatever
the verdict. Run: `.venv/bin/python bench/safety_net.py` (about a second).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from _common import print_table, verdict

from bot.privacy import detect_risk

STATEMENTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "risk_statements.yml"
RECALL_GOAL = 0.95
PRECISION_GOAL = 0.90


@dataclass(frozen=True)
class Scores:
    """Counts and ratios for one slice of the labelled set."""

    statements: int
    clear_risk: int
    clear_found: int
    risk: int
    risk_found: int
    flagged: int
    false_alarms: int
    kind_right: int

    @property
    def clear_recall(self) -> float:
        """Share of clear risk statements flagged."""
        return self.clear_found / self.clear_risk if self.clear_risk else float("nan")

    @property
    def recall(self) -> float:
        """Share of all risk statements (clear or ambiguous) flagged."""
        return self.risk_found / self.risk if self.risk else float("nan")

    @property
    def precision(self) -> float:
        """Share of flagged statements that are risk statements."""
        return (self.flagged - self.false_alarms) / self.flagged if self.flagged else float("nan")

    @property
    def kind_accuracy(self) -> float:
        """Share of flagged risk statements given the labelled kind."""
        return self.kind_right / self.risk_found if self.risk_found else float("nan")


def score(statements: list[dict[str, Any]]) -> Scores:
    """Run the detector over statements and count what it got right."""
    clear = clear_found = risk = risk_found = flagged = false_alarms = kind_right = 0
    for s in statements:
        signal = detect_risk(s["text"])
        at_risk = s["label"] != "none"
        flagged += signal is not None
        false_alarms += signal is not None and not at_risk
        if at_risk:
            risk += 1
            risk_found += signal is not None
            kind_right += signal is not None and signal.kind == s["label"]
            if s.get("clear"):
                clear += 1
                clear_found += signal is not None
    return Scores(len(statements), clear, clear_found, risk, risk_found, flagged, false_alarms, kind_right)


def load() -> list[dict[str, Any]]:
    """The labelled statements."""
    data: dict[str, Any] = yaml.safe_load(STATEMENTS.read_text(encoding="utf-8"))
    return list(data["statements"])


def main() -> None:
    """Print the quality table and a timing line."""
    statements = load()
    slices = {
        "tuning": [s for s in statements if not s.get("held_out")],
        "held out": [s for s in statements if s.get("held_out")],
        "all": statements,
    }
    rows = []
    for name, part in slices.items():
        sc = score(part)
        rows += [
            [name, "recall, clear risk", f"{sc.clear_recall:.3f} ({sc.clear_found}/{sc.clear_risk})",
             f">= {RECALL_GOAL}", verdict(sc.clear_recall >= RECALL_GOAL)],
            [name, "recall, all risk", f"{sc.recall:.3f} ({sc.risk_found}/{sc.risk})", "report", "n/a"],
            [name, "precision", f"{sc.precision:.3f} ({sc.flagged - sc.false_alarms}/{sc.flagged})",
             f">= {PRECISION_GOAL}", verdict(sc.precision >= PRECISION_GOAL)],
            [name, "kind right", f"{sc.kind_accuracy:.3f} ({sc.kind_right}/{sc.risk_found})", "report", "n/a"],
        ]  # fmt: skip
    print_table(
        f"Safety net on {len(statements)} labelled statements",
        ["slice", "figure", "value", "goal", "verdict"],
        rows,
    )
    long_text = " ".join(s["text"] for s in statements)[:20_000]
    started = time.perf_counter()
    runs = 20
    for _ in range(runs):
        detect_risk(long_text + str(_))  # a new text each time: no cache helps
    took = (time.perf_counter() - started) / runs * 1000
    print_table(
        "Safety-net cost", ["input", "ms per call", "goal", "verdict"],
        [[f"{len(long_text):,} characters", f"{took:.1f}", "< 50", verdict(took < 50)]],
    )  # fmt: skip


if __name__ == "__main__":
    main()
