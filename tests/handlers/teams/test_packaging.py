"""Teams' dependencies are an optional extra: a Slack-only install does not pull them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=~! ;]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_teams_dependencies_are_only_in_the_teams_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    teams = _names(project["optional-dependencies"]["teams"])
    assert "pyjwt" in teams
    assert not teams & _names(project["dependencies"])
    assert not {n for n in _names(project["dependencies"]) if n.startswith("microsoft-")}


def test_the_test_install_includes_the_teams_extra() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"pip install [^\n]*-e '\.\[[^\]]*\bteams\b[^\]]*\]'", makefile)
