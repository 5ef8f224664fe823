"""The Dockerfile, compose file and systemd unit refer to things that exist and work.

No container engine is assumed (CI machines may have none), so the image is not built here; what
can be checked without one is: every file it copies exists, it runs as a non-root user, its
HEALTHCHECK command succeeds against the real process, and its CMD is the command that process runs.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from bot.config import SHUTDOWN_GRACE_SECONDS
from handlers.slack.simulation.slack_api import FakeSlack
from tests.e2e.app_process import ROOT, AppProcess, app_env, free_port

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def _exec_form(arguments: str) -> list[str]:
    parsed = json.loads(arguments)
    assert isinstance(parsed, list)
    return [str(p) for p in parsed]


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=10, check=False)


def test_every_file_the_image_copies_exists() -> None:
    copies = [args for word, args in _instructions() if word == "COPY" and not args.startswith("--from")]
    assert copies
    for args in copies:
        *sources, _target = shlex.split(args)
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is not in the repository"


def test_the_image_runs_as_a_non_root_user_and_its_cmd_is_run() -> None:
    words = [word for word, _ in _instructions()]
    users = [args for word, args in _instructions() if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert words.index("USER", words.index("FROM", 1)) < words.index("CMD")
    [cmd] = [_exec_form(args) for word, args in _instructions() if word == "CMD"]
    assert cmd == ["python", "-m", "bot", "run"]
    # The module the CMD names starts and knows its version (`run` itself is exercised below).
    done = subprocess.run(
        [sys.executable, *cmd[1:3], "--version"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.startswith("peerpulse ")


async def test_the_healthcheck_command_passes_against_the_real_process(
    database_url: str, slack: FakeSlack, tmp_path: Path
) -> None:
    [healthcheck] = [args for word, args in _instructions() if word == "HEALTHCHECK"]
    command = _exec_form(healthcheck[healthcheck.index("CMD") + len("CMD") :].strip())
    assert command[0] == "python"
    env = app_env(database_url=database_url, slack_url=slack.url, port=free_port())
    app = AppProcess(env, workdir=tmp_path, name="app")
    try:
        app.start()
        await app.wait_healthy()
        probe = await asyncio.to_thread(_run, [sys.executable, *command[1:]], env)
        assert probe.returncode == 0, probe.stderr
    finally:
        app.stop()
    # With the process gone, the same probe fails (the check can tell the difference).
    probe = await asyncio.to_thread(_run, [sys.executable, *command[1:]], env)
    assert probe.returncode != 0


def test_compose_builds_this_repository_with_postgresql_and_a_long_enough_stop() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    bot = compose["services"]["bot"]
    assert (ROOT / "deploy" / bot["build"]["context"] / "Dockerfile").exists()
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert compose["services"]["db"]["image"].startswith("postgres:")
    grace = int(str(bot["stop_grace_period"]).removesuffix("s"))
    assert grace > SHUTDOWN_GRACE_SECONDS


def test_the_systemd_unit_runs_the_cli_and_waits_for_a_graceful_stop() -> None:
    unit = (ROOT / "deploy" / "peerpulse.service").read_text(encoding="utf-8")
    settings = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#")
    )
    assert settings["ExecStart"].endswith("-m bot run")
    assert settings["User"] != "root"
    assert int(settings["TimeoutStopSec"]) > SHUTDOWN_GRACE_SECONDS
    assert settings["Restart"] == "always"
