"""`PLATFORM=teams python -m bot demo` runs a simulated Teams tenant end to end; without PLATFORM it stays Slack's."""

from __future__ import annotations

import re
import sqlite3
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
    # The coordinator opens and closes each round as a person does: typed, then confirmed on the card.
    assert out.count("types `pulse send` and taps “Send it”") == 3
    assert "once tapped, says: Pulse round opened for 8 people" in out
    assert "types `pulse close` and taps “Close now”: Pulse round closed." in out
    assert "{{" not in out  # the cards' date functions, shown as dates
    # Everyone gets a card in week 1; the person who opted out gets none after.
    assert "8 pulse cards (Adaptive Cards) delivered to 8 of 8" in out
    assert out.count("7 pulse cards (Adaptive Cards) delivered to 7 of 8") == 2
    assert out.count("(opted out)") == 2
    closed = re.findall(r"Round closed: (\d+) of (\d+) responded; (\d+) cards redrawn", out)
    assert [(int(invited), int(redrawn)) for _, invited, redrawn in closed] == [(8, 8), (7, 7), (7, 7)]
    assert all(0 < int(answered) <= int(invited) for answered, invited, _ in closed)
    assert "A tap's answer, as Teams shows it: “Thanks — your pulse answers are in.”" in out
    assert "PeerPulse weekly digest" in out
    assert "[image: " in out  # the chart, inline in its card with its alt text
    assert "Participation" in out  # the digest's figures, not only its title
    assert "Demo finished" in out
    chart = tmp_path / "peerpulse-demo" / "teams" / "digest-chart.png"
    assert chart.read_bytes().startswith(b"\x89PNG")
    database = tmp_path / "peerpulse-demo" / "teams" / "peerpulse.db"
    assert database.stat().st_size > 0
    _the_rest_of_the_loop_happened_through_the_dialogs(out, database)


def _the_rest_of_the_loop_happened_through_the_dialogs(out: str, database: Path) -> None:
    """Sessions, the policy, the adopted action and its update: told in the story and stored."""
    # The two supporters each log a session through `peer-log`'s dialog; the notes name no one.
    supporters = out.split("Peer supporters log their sessions", 1)[1].split("pulse policies", 1)[0]
    assert supporters.count("Session logged —") == 2
    assert "“Add a policy” opens a dialog" in out
    assert "added Dignity at Work policy to the policy register" in out
    digest = out.split("PeerPulse weekly digest", 1)[1]
    assert "[Adopt as action]" in digest
    assert "Policy reviews due or overdue" in digest  # the policy added before, 400 days since its review
    adopted = re.search(r"Adopted “(.+?)”; the coordinators' channel has been told\.", out)
    assert adopted is not None
    assert "marked Dignity at Work policy reviewed on" in out
    assert f"“Close” with a note: Closed “{adopted.group(1)}”." in out
    draft = out.split("opens an editable draft:\n", 1)[1].splitlines()[0].strip()
    assert adopted.group(1) in draft and "Started in every team this month." in draft
    assert "Publish: Publishing your ‘you said, we did’ update" in out
    assert "7 people received it in their chat with PeerPulse" in out  # everyone but the one who opted out
    home = out.split("types `home` and sees:", 1)[1]
    assert "Your surveys" in home and "Talk to a peer supporter" in home
    with sqlite3.connect(database) as db:
        sessions = db.execute("SELECT note FROM support_session").fetchall()
        actions = db.execute("SELECT title, status FROM improvement_action").fetchall()
        policies = db.execute("SELECT name FROM policy").fetchall()
        reviews = db.execute("SELECT summary FROM policy_review").fetchall()
        updates = db.execute("SELECT text FROM published_update").fetchall()
    assert len(sessions) == 2 and all(note for (note,) in sessions)
    assert actions == [(adopted.group(1), "closed")]
    assert policies == [("Dignity at Work policy",)]
    assert len(reviews) == 1
    assert [text for (text,) in updates] == [draft]


def test_the_demo_is_chosen_by_platform_and_stays_slack_without_one() -> None:
    assert platform_name({}) == "slack"
    assert load_demo(platform_name({})) is slack_demo
    assert load_demo(platform_name({"PLATFORM": "teams"})) is teams_demo
    # `make demo` passes PLATFORM through from the caller and sets none itself.
    recipe = (REPO / "Makefile").read_text().split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "python -m bot demo" in recipe
    assert "PLATFORM" not in recipe
