"""`PLATFORM=teams python -m bot demo` runs a simulated Teams tenant end to end; without PLATFORM it stays Slack's."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bot.config import platform_name
from bot.platform import load_demo
from handlers.slack.demo import run_demo as slack_demo
from handlers.teams.demo import run_demo as teams_demo

REPO = Path(__file__).resolve().parents[2]


def test_the_teams_demo_runs_end_to_end_on_a_small_tenant(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--employees", "8"],
        cwd=tmp_path,
        # Nothing from the developer's environment: the demo carries every setting it needs.
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(tmp_path), "PLATFORM": "teams"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "local fake Teams" in out
    assert "fake Slack" not in out
    assert "9 installationUpdate activities, answered HTTP 200 × 9" in out  # 8 employees and a guest
    help_reply = out.split("types `help`", 1)[1].split("Week 1", 1)[0]
    assert "`pulse optout`" in help_reply
    assert "You're opted out" in out
    for week in (1, 2, 3):
        assert f"Week {week}:" in out
    # Everyone gets a card in week 1; the person who opted out gets none after.
    assert "8 pulse cards (Adaptive Cards) delivered to 8 of 8" in out
    assert out.count("7 pulse cards (Adaptive Cards) delivered to 7 of 8") == 2
    assert out.count("(opted out)") == 2
    closed = re.findall(r"Round closed: (\d+) of (\d+) responded; (\d+) cards redrawn", out)
    assert [(int(invited), int(redrawn)) for _, invited, redrawn in closed] == [(8, 8), (7, 7), (7, 7)]
    assert all(0 < int(answered) <= int(invited) for answered, invited, _ in closed)
    assert "“" in out.split("A tap's answer, as Teams shows it:", 1)[1]
    assert "PeerPulse weekly digest" in out
    assert "[image: " in out  # the chart, inline in its card with its alt text
    assert "Participation" in out  # the digest's figures, not only its title
    assert "Demo finished" in out
    chart = tmp_path / "peerpulse-demo" / "teams" / "digest-chart.png"
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "peerpulse-demo" / "teams" / "peerpulse.db").stat().st_size > 0


def test_the_demo_is_chosen_by_platform_and_stays_slack_without_one() -> None:
    assert platform_name({}) == "slack"
    assert load_demo(platform_name({})) is slack_demo
    assert load_demo(platform_name({"PLATFORM": "teams"})) is teams_demo
    # `make demo` passes PLATFORM through from the caller and sets none itself.
    recipe = (REPO / "Makefile").read_text().split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "python -m bot demo" in recipe
    assert "PLATFORM" not in recipe
