"""`python -m bot demo`, the newcomer's first command, runs end to end and tells the whole story."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_demo_runs_end_to_end(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "Week 3" in out
    assert "You said, we did" in out or "you said, we did" in out
    assert "DMs delivered through the outbox" in out
    assert "Demo finished" in out
    assert (tmp_path / "peerpulse-demo" / "digest-chart.png").stat().st_size > 1000
