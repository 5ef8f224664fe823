"""Shared plumbing for the benchmarks: processes, databases, the fake Slack runner, tables."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Everything the benchmarks import (the app, the simulated Slack) is in the installed package.
ROOT = Path(__file__).resolve().parent.parent

PYTHON = sys.executable
BENCH = Path(__file__).resolve().parent
TOKEN = "xoxb-test-token"  # noqa: S105 - the fake Slack's DEFAULT_TOKEN
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"  # noqa: S105 - local fake only
PEERPULSE_SECRET = "bench-peerpulse-secret-0123456789abcdef"  # noqa: S105 - local fake only
COORDINATOR_CHANNEL = "G0COORD"
SUPPORTERS_CHANNEL = "G0SUPPORT"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# A schedule that never fires during a benchmark (29 February), so only our own rounds exist.
NEVER = "0 10 29 2 *"
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def say(text: str = "") -> None:
    """Progress to stderr, so stdout holds only the tables."""
    print(text, file=sys.stderr, flush=True)


def today() -> str:
    """The run's date, for the tables."""
    return datetime.now(UTC).strftime("%Y-%m-%d")


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a Markdown table (pastes straight into bench/README.md)."""
    cells = [[str(c) for c in headers], *[[_fmt(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    print(f"\n### {title}\n", flush=True)
    for n, row in enumerate(cells):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    sys.stdout.flush()


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of already sorted values, nearest-rank."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------------- processes


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def proc_status_kb(pid: int, field: str) -> int:
    """A kB figure from /proc/PID/status (VmHWM = peak RSS, VmRSS = current)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


class Proc:
    """A child process with its output in a log file."""

    def __init__(self, args: Sequence[str], *, env: dict[str, str], cwd: Path, log: Path) -> None:
        self.log = log
        self._log_file = open(log, "ab")  # noqa: SIM115 - closed in wait()
        self.popen = subprocess.Popen(
            list(args), env=env, cwd=cwd, stdout=self._log_file, stderr=subprocess.STDOUT
        )
        self.started = time.monotonic()

    @property
    def pid(self) -> int:
        """The process id."""
        return self.popen.pid

    def cpu(self) -> float:
        """CPU seconds used so far."""
        return cpu_seconds(self.pid)

    def alive(self) -> bool:
        """Whether it is still running."""
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, like a crash or an OOM kill."""
        if self.alive():
            self.popen.send_signal(signal.SIGKILL)
        self.wait()

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM and wait (SIGKILL if it will not go)."""
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
        self.wait()

    def wait(self) -> None:
        """Reap the process and close the log."""
        self.popen.wait()
        self._log_file.close()

    def tail(self, lines: int = 30) -> str:
        """The end of its log, for error messages."""
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


def base_env() -> dict[str, str]:
    """The parent's environment without any Slack or PeerPulse settings it may carry."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "PEERPULSE_", "DATABASE_", "PULSE_", "DIGEST_", "WORKSPACE_"))
    }
    env["PYTHONPATH"] = str(ROOT)
    return env


def app_env(
    *, database_url: str, slack_url: str, port: int, workspace_rate: float, log_level: str = "INFO"
) -> dict[str, str]:
    """Environment for `python -m bot run` against the fake Slack."""
    env = base_env()
    env.update(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        PEERPULSE_SECRET=PEERPULSE_SECRET,
        COORDINATOR_CHANNEL=COORDINATOR_CHANNEL,
        SUPPORTERS_CHANNEL=SUPPORTERS_CHANNEL,
        SLACK_API_URL=slack_url,
        DATABASE_URL=database_url,
        PORT=str(port),
        WORKSPACE_RATE=str(workspace_rate),
        PULSE_SCHEDULE=NEVER,
        DIGEST_SCHEDULE=NEVER,
        LOG_LEVEL=log_level,
    )
    return env


def start_app(
    *,
    workdir: Path,
    database_url: str,
    slack_url: str,
    workspace_rate: float,
    name: str = "app",
    profile: Path | None = None,
) -> tuple[Proc, str]:
    """Start `python -m bot run` in its own process; return it and its base URL once healthy."""
    port = free_port()
    env = app_env(database_url=database_url, slack_url=slack_url, port=port, workspace_rate=workspace_rate)
    # cProfile writes its file when the app exits on SIGTERM (Proc.stop).
    prefix = ["-m", "cProfile", "-o", str(profile)] if profile else []
    # BENCH_APP_SCRIPT runs a script instead of `-m bot run` (to try a candidate fix before it lands).
    target = [os.environ["BENCH_APP_SCRIPT"]] if os.environ.get("BENCH_APP_SCRIPT") else ["-m", "bot", "run"]
    proc = Proc([PYTHON, *prefix, *target], env=env, cwd=workdir, log=workdir / f"{name}.log")
    url = f"http://127.0.0.1:{port}"
    wait_healthy(proc, url)
    return proc, url


def wait_healthy(proc: Proc, url: str, *, timeout: float = 60.0, path: str = "/healthz") -> float:
    """Poll until the server answers 200; return the monotonic time it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.log.name} exited early:\n{proc.tail()}")
        try:
            with urllib.request.urlopen(url + path, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return time.monotonic()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{proc.log.name} did not become healthy in {timeout:.0f}s:\n{proc.tail()}")


# --------------------------------------------------------------------------------- databases


def postgres_base() -> str:
    """The PostgreSQL server to benchmark on (BENCH_DATABASE_URL, TEST_DATABASE_URL, or local)."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return url


def postgres_available() -> bool:
    """Whether the benchmark PostgreSQL answers."""
    import psycopg
    from sqlalchemy.engine import make_url

    plain = make_url(postgres_base()).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(plain, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


@contextlib.contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a private schema on PostgreSQL."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'peerpulse.db'}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    base = postgres_base()
    plain = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    schema = f"bench_{secrets.token_hex(5)}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield (
            make_url(base)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def sync_engine(url: str) -> Any:
    """A synchronous SQLAlchemy engine on the same database (for checks and bulk loading)."""
    from sqlalchemy import create_engine

    from storage.db import sync_url

    return create_engine(sync_url(url))


def db_kinds(choice: str) -> list[str]:
    """Expand --db (sqlite, postgresql, both); PostgreSQL is skipped with a note if unreachable."""
    kinds = ["sqlite", "postgresql"] if choice == "both" else [choice]
    if "postgresql" in kinds and not postgres_available():
        say(f"PostgreSQL at {postgres_base()} is not reachable; skipping it")
        kinds.remove("postgresql")
    return kinds


@contextlib.contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    """A scratch directory for logs and SQLite files (kept with BENCH_KEEP=1)."""
    path = Path(tempfile.mkdtemp(prefix=f"peerpulse-{prefix}-"))
    try:
        yield path
    finally:
        if not os.environ.get("BENCH_KEEP"):
            import shutil

            shutil.rmtree(path, ignore_errors=True)
        else:
            say(f"kept {path}")


# --------------------------------------------------------------------------------- fake Slack


@dataclass
class FakeSlackProcess:
    """The fake Slack Web API in its own process, driven over a JSON-lines pipe."""

    popen: subprocess.Popen[str]
    url: str
    info: dict[str, Any]

    @classmethod
    def start(
        cls,
        workdir: Path,
        *,
        employees: int,
        workspace_rate: float | None,
        per_channel_rate: float,
        seed: int = 7,
        one_zone: str | None = None,
    ) -> FakeSlackProcess:
        """Start the runner (Slack's tier limits on); return once it listens."""
        args = [
            PYTHON,
            str(BENCH / "_fake_slack.py"),
            "--employees",
            str(employees),
            "--seed",
            str(seed),
            "--workspace-rate",
            str(workspace_rate or 0),
            "--per-channel-rate",
            str(per_channel_rate),
            *(["--one-zone", one_zone] if one_zone else []),
        ]
        log = open(workdir / "fake-slack.log", "ab")  # noqa: SIM115 - owned by the child
        popen = subprocess.Popen(
            args,
            env=base_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            bufsize=1,
        )
        log.close()
        assert popen.stdout is not None
        first = popen.stdout.readline()
        if not first:
            raise RuntimeError(f"fake Slack failed to start; see {workdir / 'fake-slack.log'}")
        info = json.loads(first)["result"]
        return cls(popen, info["url"], info)

    @property
    def pid(self) -> int:
        """The process id."""
        return self.popen.pid

    def request(self, cmd: str, **args: Any) -> Any:
        """Send one command and return its JSON answer."""
        assert self.popen.stdin is not None
        assert self.popen.stdout is not None
        self.popen.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.popen.stdin.flush()
        line = self.popen.stdout.readline()
        if not line:
            raise RuntimeError("fake Slack runner exited")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"fake Slack runner: {answer['error']}")
        return answer["result"]

    def stop(self) -> None:
        """Ask the runner to quit and reap it."""
        with contextlib.suppress(BrokenPipeError, RuntimeError, OSError):
            self.request("quit")
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        for stream in (self.popen.stdin, self.popen.stdout):
            if stream is not None:
                stream.close()


@contextlib.contextmanager
def fake_slack(
    workdir: Path,
    *,
    employees: int,
    workspace_rate: float | None,
    per_channel_rate: float = 1.0,
    one_zone: str | None = None,
) -> Iterator[FakeSlackProcess]:
    """Run the fake Slack process (Slack's limits on) for the duration of a block."""
    fake = FakeSlackProcess.start(
        workdir,
        employees=employees,
        workspace_rate=workspace_rate,
        per_channel_rate=per_channel_rate,
        one_zone=one_zone,
    )
    try:
        yield fake
    finally:
        fake.stop()


def slash_command_body(fake: FakeSlackProcess, user_id: str, text: str) -> tuple[bytes, str]:
    """A signed-ready `/pulse` body whose response_url and trigger live on the fake."""
    from handlers.slack.simulation.signing import slash_command

    return slash_command(
        "/pulse",
        text,
        user_id=user_id,
        trigger_id=fake.request("trigger", user=user_id),
        response_url=fake.request("response_url"),
    )


def pulse_send(fake: FakeSlackProcess, app_url: str, user_id: str, *, before_click: Any = None) -> None:
    """A coordinator's `/pulse send`, then "Send it" on the confirmation: the round opens on the click.

    `before_click` runs once the confirmation is shown, just before the click (to start a timer).
    """
    from handlers.slack.simulation.signing import block_actions

    body, content_type = slash_command_body(fake, user_id, "send")
    status, _ = post_signed(app_url + "/slack/events", body, content_type)
    if status != 200:
        raise RuntimeError(f"/pulse send answered HTTP {status}")

    def confirmation() -> tuple[dict[str, Any], dict[str, Any]] | None:
        for reply in reversed(fake.request("responses")):
            for block in reply.get("blocks") or []:
                for element in block.get("elements", []):
                    if element.get("action_id") == "pulse_round_send":
                        return block, element
        return None

    block, button = wait_until(confirmation, timeout=300, interval=0.25, what="the /pulse send confirmation")
    if before_click is not None:
        before_click()
    click, click_type = block_actions(
        user_id=user_id,
        action_id=button["action_id"],
        block_id=block.get("block_id", ""),
        value=button["value"],
        channel_id=fake.request("dm_channel", user=user_id),
        message_ts="1.0",
        trigger_id=fake.request("trigger", user=user_id),
        response_url=fake.request("response_url"),
    )
    status, _ = post_signed(app_url + "/slack/events", click, click_type)
    if status != 200:
        raise RuntimeError(f"'Send it' answered HTTP {status}")


def post_signed(url: str, body: bytes, content_type: str, *, timeout: float = 10.0) -> tuple[int, str]:
    """POST a body signed like Slack does (synchronous; for set-up steps only)."""
    from handlers.slack.simulation.signing import sign_request

    headers = {"Content-Type": content_type, **sign_request(body, SIGNING_SECRET)}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
        return response.status, response.read().decode()


def wait_until(check: Any, *, timeout: float, interval: float = 0.1, what: str = "condition") -> Any:
    """Poll check() until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)
