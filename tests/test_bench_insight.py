"""The insight-quality harness runs end to end through the project's code and prints its table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_insight_harness_runs_and_prints_each_figure_beside_its_goal() -> None:
    """`python -m bench.insight --runs 3` exits 0 and prints every goal row with a verdict."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.insight", "--runs", "3"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    goals = [line for line in rows if ("<=" in line or ">=" in line) and ("PASS" in line or "FAIL" in line)]
    # 5 false-alarm sizes, 3 power goals, 2 action goals, 1 playbook goal.
    assert len(goals) == 11, done.stdout
    assert "playbook scenario" in done.stdout
