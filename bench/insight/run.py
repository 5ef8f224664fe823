"""Insight quality by simulation: false alarms, power, action verdicts and the playbook (issue 14).

    .venv/bin/python -m bench.insight            # 200 seeded runs per cell
    .venv/bin/python -m bench.insight --quick    # 30 runs per cell, a smoke test of the harness

Every figure is computed by the project's own code: the question rotation (bot.questions), the
digest's significance tests (bot.digest.assess_changes) and construct analysis
(bot.digest.analyse_constructs), the playbook signals and matcher (bot.digest.program_signals,
bot.playbook) and the action verdict (bot.insights.monitor.judge_action). Only
the respondents are simulated (bench/insight/sim.py). Prints a Markdown table, each figure beside
its goal; exits 0 whatever the verdicts.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bench.insight import adapters
from bench.insight.sim import LEVELS, level_after, simulate_rounds
from bot.digest import HISTORY_ROUNDS as HISTORY
from bot.questions import load_question_bank

K = 5
EVERY = ("psych_safety", "awareness", "experienced_disrespect")


@dataclass
class Row:
    """One line of the results table."""

    what: str
    value: float
    goal: str
    passed: bool | None


class Rows(list[Row]):
    """Rows printed as they are measured, so a long run shows its figures as it goes."""

    def append(self, row: Row) -> None:
        """Keep and print one row."""
        super().append(row)
        verdict = "" if row.passed is None else ("PASS" if row.passed else "FAIL")
        print(f"| {row.what} | {row.value:.1%} | {row.goal} | {verdict} |", flush=True)


def _rate(hits: int, runs: int) -> float:
    return hits / runs if runs else 0.0


def false_alarms(runs: int, n: int, seed: int) -> tuple[float, float]:
    """Share of digests on stable data that flag anything; and of 8-digest runs with any flag."""
    bank = load_question_bank()
    rng = np.random.default_rng(seed)
    digests = flagged = runs_flagged = 0
    for _ in range(runs):
        start = int(rng.integers(0, 20))
        measures = simulate_rounds(rng, bank, rounds=HISTORY + 8, n=n, start=start)
        any_flag = False
        for end in range(HISTORY + 1, HISTORY + 9):
            window = measures[end - HISTORY : end]
            flags = adapters.digest_flags(bank, window, K)
            digests += 1
            flagged += bool(flags)
            any_flag = any_flag or bool(flags)
        runs_flagged += any_flag
    return _rate(flagged, digests), _rate(runs_flagged, runs)


def power(runs: int, n: int, drop: float, seed: int) -> tuple[float, float]:
    """Share of runs whose digest flags the dropped construct (downwards) within 1 and 2 rounds."""
    bank = load_question_bank()
    rng = np.random.default_rng(seed)
    within1 = within2 = 0
    before = HISTORY - 1
    for _ in range(runs):
        construct = EVERY[int(rng.integers(0, len(EVERY)))]
        total = before + 2
        levels = [LEVELS[construct]] * before + [level_after(construct, -drop)] * 2
        measures = simulate_rounds(
            rng, bank, rounds=total, n=n, level_of={construct: levels}, start=int(rng.integers(0, 20))
        )
        hit1 = adapters.digest_flags(bank, measures[:-1][-HISTORY:], K).get(construct) == "down"
        hit2 = hit1 or adapters.digest_flags(bank, measures[-HISTORY:], K).get(construct) == "down"
        within1 += hit1
        within2 += hit2
    return _rate(within1, runs), _rate(within2, runs)


def verdicts(runs: int, n: int, effect: float, seed: int) -> float:
    """Share of closed actions judged an improvement, with a true effect of `effect` points."""
    bank = load_question_bank()
    rng = np.random.default_rng(seed)
    improved = 0
    before_rounds, after_rounds = 6, 3
    for _ in range(runs):
        construct = EVERY[int(rng.integers(0, len(EVERY)))]
        levels = [LEVELS[construct]] * before_rounds + [level_after(construct, effect)] * after_rounds
        measures = simulate_rounds(
            rng,
            bank,
            rounds=before_rounds + after_rounds,
            n=n,
            level_of={construct: levels},
            start=int(rng.integers(0, 20)),
        )
        improved += adapters.action_improved(bank, measures, construct, before_rounds, K)
    return _rate(improved, runs)


def playbook(runs: int, seed: int) -> tuple[float, float, dict[str, float]]:
    """Share of scenario runs whose first suggestion is the expected one (and in the top 3)."""
    from bench.insight.scenarios import SCENARIOS

    bank = load_question_bank()
    rng = np.random.default_rng(seed)
    rnd = random.Random(seed)
    first = top3 = total = 0
    per: dict[str, float] = {}
    for scenario in SCENARIOS:
        hits = 0
        for _ in range(runs):
            inputs = scenario.build(rng, rnd, bank)
            ids = adapters.suggestions(bank, inputs, K)
            expected = scenario.expected
            ok = (ids[:1] == [expected]) if expected else not ids
            hits += ok
            first += ok
            top3 += (expected in ids) if expected else not ids
            total += 1
        per[scenario.name] = _rate(hits, runs)
    return _rate(first, total), _rate(top3, total), per


def main(argv: list[str] | None = None) -> int:
    """Run every cell and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 runs per cell instead of 200")
    parser.add_argument("--runs", type=int, default=None, help="runs per cell (overrides --quick)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--cells",
        default="alarms,power,actions,playbook",
        help="comma-separated subset of alarms,power,actions,playbook",
    )
    args = parser.parse_args(argv)
    runs = args.runs or (30 if args.quick else 200)
    rows = Rows()
    print(f"\n## Insight quality — {runs} runs per cell, seed {args.seed}, engine: {adapters.ENGINE}\n")
    print("| what | measured | goal | verdict |")
    print("| --- | --- | --- | --- |", flush=True)

    def timed(label: str, fn: Callable[[], None]) -> None:
        started = time.perf_counter()
        fn()
        print(f"  {label}: {time.perf_counter() - started:.1f} s", file=sys.stderr)

    def cell_false(n: int) -> None:
        per_digest, per_run = false_alarms(runs, n, args.seed + n)
        rows.append(
            Row(f"false alarms per digest, stable data, n={n}", per_digest, "<= 5%", per_digest <= 0.05)
        )
        rows.append(Row(f"  runs of 8 digests with any flag, n={n}", per_run, "(info)", None))

    cells = set(args.cells.split(","))
    if "alarms" in cells:
        for n in (10, 15, 40, 150, 500):
            timed(f"false alarms n={n}", lambda n=n: cell_false(n))  # type: ignore[misc]

    def cell_power() -> None:
        one, two = power(runs, 40, 0.5, args.seed + 1)
        rows.append(Row("0.5-point drop, n=40: flagged within 1 round", one, ">= 50%", one >= 0.5))
        rows.append(Row("0.5-point drop, n=40: flagged within 2 rounds", two, ">= 80%", two >= 0.8))
        one, two = power(runs, 15, 1.0, args.seed + 2)
        rows.append(Row("1.0-point drop, n=15: flagged within 1 round", one, "(info)", None))
        rows.append(Row("1.0-point drop, n=15: flagged within 2 rounds", two, ">= 80%", two >= 0.8))

    if "power" in cells:
        timed("power", cell_power)

    def cell_actions() -> None:
        for n in (15, 40, 150):
            real = verdicts(runs, n, 0.5, args.seed + 3 + n)
            goal = ">= 80%" if n == 40 else "(info)"
            rows.append(
                Row(
                    f"action, true +0.5 effect, n={n}: called improved",
                    real,
                    goal,
                    real >= 0.8 if n == 40 else None,
                )
            )
        null = verdicts(runs, 40, 0.0, args.seed + 4)
        rows.append(Row("action, no effect, n=40: called improved", null, "<= 5%", null <= 0.05))

    if "actions" in cells:
        timed("actions", cell_actions)

    per: dict[str, float] = {}

    def cell_playbook() -> None:
        first, top3, found = playbook(max(runs // 4, 10), args.seed + 5)
        per.update(found)
        rows.append(Row("playbook: expected practice #1", first, ">= 90%", first >= 0.9))
        rows.append(Row("playbook: expected practice in top 3", top3, "(info)", None))

    if "playbook" in cells:
        timed("playbook", cell_playbook)

    if per:
        print("\n| playbook scenario | expected #1 |\n| --- | --- |")
        for name, share in per.items():
            print(f"| {name} | {share:.0%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
