"""Each benchmark runs end to end at smoke size and prints its table (no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = [
    "interaction_latency",
    "fanout",
    "digest_scale",
    "memory",
    "scale_round",
    "large_workspace",
    "teams_interaction",
    "teams_fanout",
]


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_runs_and_prints_its_table(script: str) -> None:
    """`bench/<script>.py --quick` exits 0 and prints a Markdown table with a verdict column."""
    env = {k: v for k, v in os.environ.items() if k != "BENCH_KEEP"}
    done = subprocess.run(
        [sys.executable, str(BENCH / f"{script}.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    lines = done.stdout.splitlines()
    headers = [line for line in lines if line.startswith("| ") and "verdict" in line]
    assert headers, done.stdout
    rows = [line for line in lines if line.startswith("| ") and line not in headers]
    assert rows, done.stdout
    verdicts = ("PASS", "FAIL", "PENDING", "n/a (ceiling)", "n/a (reference)")
    assert all(any(v in row for v in verdicts) for row in rows), done.stdout
