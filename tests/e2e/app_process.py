"""`python -m bot run` in a real child process, for crash, restart and scale-out tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import aiohttp

from handlers.slack.simulation.slack_api import DEFAULT_TOKEN
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, SUPPORTERS_CHANNEL_ID
from tests.conftest import HEALTH_HEADERS, HEALTH_TOKEN, PEERPULSE_SECRET, SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]
# 29 February: no schedule fires while a test runs, so the only rounds are the test's own.
NEVER = "0 10 29 2 *"


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_env(
    *, database_url: str, slack_url: str, port: int, workspace_rate: float = 200.0, log_level: str = "INFO"
) -> dict[str, str]:
    """The environment of `python -m bot run` against the fake Slack (nothing inherited that could
    change its behaviour, such as a developer's SLACK_APP_TOKEN)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "PEERPULSE_", "DATABASE_", "PULSE_", "DIGEST_", "WORKSPACE_", "LOG_"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        SLACK_BOT_TOKEN=DEFAULT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_APP_TOKEN="",
        PEERPULSE_SECRET=PEERPULSE_SECRET,
        COORDINATOR_CHANNEL=COORDINATOR_CHANNEL_ID,
        SUPPORTERS_CHANNEL=SUPPORTERS_CHANNEL_ID,
        SLACK_API_URL=slack_url,
        DATABASE_URL=database_url,
        PORT=str(port),
        WORKSPACE_RATE=str(workspace_rate),
        PULSE_SCHEDULE=NEVER,
        DIGEST_SCHEDULE=NEVER,
        LOG_LEVEL=log_level,
        HEALTH_TOKEN=HEALTH_TOKEN,
    )
    return env


class AppProcess:
    """One `python -m bot run` child with its output in a log file."""

    def __init__(self, env: dict[str, str], *, workdir: Path, name: str) -> None:
        self.env = env
        self.workdir = workdir
        self.log = workdir / f"{name}.log"
        self.url = f"http://127.0.0.1:{env['PORT']}"
        self._popen: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    def start(self) -> None:
        """Launch the process (its working directory is the test's temporary directory)."""
        self._log_file = open(self.log, "ab")  # noqa: SIM115 - closed when the process is reaped
        self._popen = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=self.env,
            cwd=self.workdir,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    @property
    def alive(self) -> bool:
        """Whether the process is running."""
        return self._popen is not None and self._popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or an OOM kill."""
        if self._popen is not None and self.alive:
            self._popen.send_signal(signal.SIGKILL)
        self._reap()

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, wait, and SIGKILL if it will not go; return the exit code."""
        if self._popen is not None and self.alive:
            self._popen.send_signal(signal.SIGTERM)
            try:
                self._popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._popen.send_signal(signal.SIGKILL)
        return self._reap()

    def _reap(self) -> int | None:
        code = self._popen.wait() if self._popen is not None else None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return code

    def output(self) -> str:
        """Everything the process logged so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 40) -> str:
        """The end of the log, for failure messages."""
        return "\n".join(self.output().splitlines()[-lines:])

    async def healthz(self, path: str = "/healthz") -> tuple[int, dict[str, Any]] | None:
        """GET /healthz (or `path`) with the health token: (status, body), or None while nothing answers."""
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
                session.get(self.url + path, headers=HEALTH_HEADERS) as response,
            ):
                return response.status, await response.json()
        except (aiohttp.ClientError, TimeoutError):
            return None

    async def wait_healthy(self, timeout: float = 60.0) -> dict[str, Any]:
        """Wait until /readyz answers 200; fail with the log if the process dies or never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive:
                raise AssertionError(f"{self.log.name} exited early:\n{self.tail()}")
            health = await self.healthz("/readyz")
            if health is not None and health[0] == 200:
                return health[1]
            await asyncio.sleep(0.05)
        raise AssertionError(f"{self.log.name} was not healthy within {timeout}s:\n{self.tail()}")
