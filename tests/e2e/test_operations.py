"""The real `python -m bot ...` as an IT admin meets it: check, start-up failures, SIGTERM, --version, .env."""

from __future__ import annotations

import asyncio
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot import __version__
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import SlackSender
from handlers.slack.simulation.slack_api import DEFAULT_APP_TOKEN, DEFAULT_TOKEN, FakeSlack
from handlers.slack.simulation.workspace import (
    AUDIENCE_CHANNEL_ID,
    BOT_USER_ID,
    COORDINATOR_CHANNEL_ID,
    Workspace,
    build_workspace,
)
from tests.conftest import SIGNING_SECRET
from tests.e2e.app_process import ROOT, AppProcess, app_env, free_port
from tests.support import eventually

MAX_STOP_SECONDS = 15.0


@pytest.fixture
def workspace() -> Workspace:
    """A small workspace: these tests are about the process, not the fan-out."""
    return build_workspace(employees=8)


def cli(*args: str, env: dict[str, str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_one_line_failure(done: subprocess.CompletedProcess[str], *expected: str) -> str:
    """Exit code 2, no traceback, no unclosed session, and a last line naming the cause."""
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "Traceback" not in output, output
    assert "Unclosed" not in output, output
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("peerpulse: "), output
    for words in expected:
        assert words in last, last
    return last


@pytest.fixture
def env(database_url: str, slack: FakeSlack) -> dict[str, str]:
    """The environment of a correctly configured install against the fake Slack."""
    return app_env(database_url=database_url, slack_url=slack.url, port=free_port())


def test_version_is_printed(tmp_path: Path, env: dict[str, str]) -> None:
    done = cli("--version", env=env, cwd=tmp_path)
    assert (done.returncode, done.stdout.strip()) == (0, f"peerpulse {__version__}")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{__version__}"' in pyproject


def test_check_passes_on_a_correct_install(tmp_path: Path, env: dict[str, str]) -> None:
    assert cli("migrate", env=env, cwd=tmp_path).returncode == 0
    done = cli("check", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "ok   DATABASE_URL",
        "ok   SUPPORT_RESOURCES_FILE",
        "ok   SLACK_BOT_TOKEN",
        "ok   COORDINATOR_CHANNEL",
        "ok   SUPPORTERS_CHANNEL",
    ]
    assert lines[-1] == "PeerPulse is ready to run"


def test_check_names_every_problem_with_its_fix(tmp_path: Path, env: dict[str, str]) -> None:
    broken = tmp_path / "resources.yml"
    broken.write_text("eap_contact: [not, text]\n", encoding="utf-8")
    env.update(
        COORDINATOR_CHANNEL=AUDIENCE_CHANNEL_ID,  # public: anyone could join and become a coordinator
        SUPPORTERS_CHANNEL="G0123SUPPORT",  # .env.example's placeholder
        PULSE_AUDIENCE_CHANNEL=AUDIENCE_CHANNEL_ID,  # PeerPulse was never invited
        SUPPORT_RESOURCES_FILE=str(broken),
    )
    done = cli("check", env=env, cwd=tmp_path)  # the database was never migrated
    assert done.returncode == 1, done.stdout + done.stderr
    by_item = {line.split(":")[0][5:]: line for line in done.stdout.strip().splitlines()[:-1]}
    assert by_item["DATABASE_URL"].startswith("FAIL") and "python -m bot migrate" in by_item["DATABASE_URL"]
    assert by_item["SUPPORT_RESOURCES_FILE"].startswith("WARN")
    assert "built-in resources" in by_item["SUPPORT_RESOURCES_FILE"]
    assert by_item["SLACK_BOT_TOKEN"].startswith("ok")
    assert by_item["COORDINATOR_CHANNEL"].startswith("FAIL") and "is public" in by_item["COORDINATOR_CHANNEL"]
    assert by_item["SUPPORTERS_CHANNEL"].startswith("FAIL") and "not found" in by_item["SUPPORTERS_CHANNEL"]
    assert by_item["PULSE_AUDIENCE_CHANNEL"].startswith("WARN")
    assert "PeerPulse is not a member" in by_item["PULSE_AUDIENCE_CHANNEL"]
    assert "/invite @PeerPulse" in by_item["PULSE_AUDIENCE_CHANNEL"]
    assert done.stdout.strip().splitlines()[-1] == "3 problem(s) to fix"


def test_check_reports_a_refused_token(tmp_path: Path, env: dict[str, str]) -> None:
    env["SLACK_BOT_TOKEN"] = "xoxb-revoked-0000000000"
    done = cli("check", env=env, cwd=tmp_path)
    assert done.returncode == 1
    token = next(line for line in done.stdout.splitlines() if "SLACK_BOT_TOKEN" in line)
    assert token.startswith("FAIL") and "invalid_auth" in token and "OAuth & Permissions" in token


def test_check_verifies_the_socket_mode_app_token(tmp_path: Path, env: dict[str, str]) -> None:
    assert cli("migrate", env=env, cwd=tmp_path).returncode == 0

    def app_token_line(token: str) -> tuple[int, str]:
        env["SLACK_APP_TOKEN"] = token
        done = cli("check", env=env, cwd=tmp_path)
        return done.returncode, next(line for line in done.stdout.splitlines() if "SLACK_APP_TOKEN" in line)

    # The bot token pasted in the wrong place, then a revoked app token: each named with its fix.
    code, line = app_token_line(DEFAULT_TOKEN)
    assert code == 1 and line.startswith("FAIL SLACK_APP_TOKEN: it is not an app-level token"), line
    assert "connections:write" in line and "unset SLACK_APP_TOKEN" in line
    code, line = app_token_line("xapp-1-A0PEERPULSE-revoked")
    assert code == 1 and line.startswith("FAIL") and "invalid_auth" in line and "App-Level Token" in line
    code, line = app_token_line(DEFAULT_APP_TOKEN)
    assert code == 0 and line == "ok   SLACK_APP_TOKEN: accepted for Socket Mode (apps.connections.open)"


def test_a_read_only_database_is_reported_as_read_only(
    tmp_path: Path, env: dict[str, str], database_url: str
) -> None:
    assert cli("migrate", env=env, cwd=tmp_path).returncode == 0
    if database_url.startswith("sqlite"):
        path = make_url(database_url).database
        env["DATABASE_URL"] = f"sqlite:///file:{path}?mode=ro&uri=true"
    else:
        # A hot standby or a read-only role: every transaction is read-only.
        env["DATABASE_URL"] = (
            make_url(database_url)
            .update_query_dict(
                {"options": make_url(database_url).query["options"] + " -cdefault_transaction_read_only=on"}
            )
            .render_as_string(hide_password=False)
        )
    done = cli("check", env=env, cwd=tmp_path)
    database = next(line for line in done.stdout.splitlines() if "DATABASE_URL" in line)
    assert done.returncode == 1 and database.startswith("FAIL") and "read-only" in database
    assert "unreachable" not in database and "cannot reach" not in database
    assert_one_line_failure(cli("run", env=env, cwd=tmp_path), "read-only")


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("DATABASE_URL=sqlite:///{tmp}/no/such/folder/peerpulse.db", ("database folder", "does not exist")),
        ("DATABASE_URL=postgresq://postgres@127.0.0.1/test", ("DATABASE_URL", "postgresq")),
        ("DATABASE_URL=not a url", ("DATABASE_URL is not a database URL",)),
        (
            "DATABASE_URL=postgresql://postgres@127.0.0.1:{closed}/test",
            ("cannot reach PostgreSQL at 127.0.0.1:",),
        ),
        ("SLACK_API_URL=http://127.0.0.1:{closed}/api/", ("cannot reach Slack at",)),
        ("SLACK_BOT_TOKEN=xoxb-revoked-0000000000", ("Slack refused SLACK_BOT_TOKEN (invalid_auth)",)),
        ("PORT={busy}", ("port", "is already in use")),
    ],
)
def test_start_up_failures_are_one_line_naming_the_cause(
    tmp_path: Path, env: dict[str, str], setting: str, expected: tuple[str, ...], database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("each cause is independent of the configured backend; SQLite covers them")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        name, value = setting.split("=", 1)
        env[name] = value.format(tmp=tmp_path, closed=free_port(), busy=busy.getsockname()[1])
        done = cli("run", env=env, cwd=tmp_path)
    assert_one_line_failure(done, *expected)


async def test_run_starts_not_ready_naming_a_channel_problem(tmp_path: Path, env: dict[str, str]) -> None:
    env["SUPPORTERS_CHANNEL"] = "G0123SUPPORT"
    app = AppProcess(env, workdir=tmp_path, name="app")
    try:
        app.start()
        live = await eventually(lambda: app.healthz(), timeout=60)
        assert live[0] == 200 and live[1]["status"] == "ok"
        await asyncio.sleep(1.0)  # leader elected, outbox running: still not ready
        status, body = await app.healthz("/readyz")
        assert status == 503
        assert "G0123SUPPORT not found" in body["problems"]["SUPPORTERS_CHANNEL"]
        assert "not ready: SUPPORTERS_CHANNEL" in app.output()
    finally:
        assert app.stop() == 0
    assert "Traceback" not in app.output() and "Unclosed" not in app.output()


def _pulses(slack: FakeSlack) -> Counter[str]:
    return Counter(m.channel for m in slack.all_messages() if m.blocks and m.channel.startswith("D"))


async def test_sigterm_mid_send_stops_in_bounded_time_and_a_restart_delivers_exactly_once(
    tmp_path: Path, env: dict[str, str], slack: FakeSlack, workspace: Workspace
) -> None:
    humans = [u.id for u in workspace.active_humans()]
    first = AppProcess(env, workdir=tmp_path, name="first")
    second = AppProcess(env, workdir=tmp_path, name="second")
    try:
        first.start()
        await first.wait_healthy()
        # Slack takes every DM at once but answers a minute later: sends are in flight at SIGTERM.
        slack.slow_down("chat.postMessage", 60.0, times=len(humans))
        async with SlackSender() as sender:
            people = People(slack, sender, app_url=first.url, signing_secret=SIGNING_SECRET)
            status, _ = await people.send_pulse(workspace.coordinators()[0])
        assert status == 200
        await eventually(lambda: len(_pulses(slack)) == len(humans), timeout=30)
        started = time.monotonic()
        code = first.stop(timeout=MAX_STOP_SECONDS + 5)
        stopped_in = time.monotonic() - started
        assert code == 0, first.tail()
        assert stopped_in < MAX_STOP_SECONDS, f"took {stopped_in:.1f}s"
        log = first.output()
        assert "abandoning sends still in flight" in log and "PeerPulse stopped" in log
        assert "Traceback" not in log and "Unclosed" not in log

        slack.clear_faults()
        second.start()
        await second.wait_healthy()
        await asyncio.sleep(2.0)  # a second copy would be posted within the next outbox passes
    finally:
        first.kill()
        second.stop()
    assert set(_pulses(slack).values()) == {1} and len(_pulses(slack)) == len(humans)
    print(f"\nSIGTERM with {len(humans)} DMs in flight: stopped in {stopped_in:.1f}s; each delivered once")


def test_digest_now_fails_loudly_when_slack_refuses_the_post(
    tmp_path: Path, env: dict[str, str], slack: FakeSlack
) -> None:
    slack.remove_member(COORDINATOR_CHANNEL_ID, BOT_USER_ID)
    done = cli("digest", "--now", env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "digest posted" not in done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert "Slack refused the digest" in last and "python -m bot check" in last
    assert "Unclosed" not in done.stderr and "Traceback" not in done.stderr


def test_dotenv_is_read_from_the_working_directory_under_the_environment(
    tmp_path: Path, env: dict[str, str], database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("about where settings come from, not the backend")
    secret = env.pop("PEERPULSE_SECRET")
    env.pop("DATABASE_URL")
    (tmp_path / ".env").write_text(
        f"PEERPULSE_SECRET={secret}\nDATABASE_URL=sqlite:///from-dotenv.db\n", encoding="utf-8"
    )
    done = cli("migrate", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "from-dotenv.db").exists()

    env["DATABASE_URL"] = "sqlite:///from-environment.db"
    assert cli("migrate", env=env, cwd=tmp_path).returncode == 0
    assert (tmp_path / "from-environment.db").exists()
    tables = (
        sqlite3.connect(tmp_path / "from-environment.db").execute("SELECT name FROM sqlite_master").fetchall()
    )
    assert ("outbox_message",) in tables


def test_env_example_lists_every_setting_the_code_reads() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = {line.split("=", 1)[0].lstrip("# ") for line in example.splitlines() if "=" in line}
    source = (ROOT / "bot" / "config.py").read_text(encoding="utf-8") + (
        ROOT / "bot" / "__main__.py"
    ).read_text(encoding="utf-8")
    read = set(re.findall(r'env(?:\.get)?\(\s*"([A-Z_]+)"', source)) | set(
        re.findall(r'_(?:require|int|float|cron|timezone)\(env, "([A-Z_]+)"', source)
    )
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', source))
    assert read, "found no settings in the code"
    assert read <= documented, f"missing from .env.example: {sorted(read - documented)}"


async def test_sigterm_hands_leadership_to_the_other_replica(
    tmp_path: Path, database_url: str, slack: FakeSlack
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas coordinate through PostgreSQL; SQLite serves one process")
    apps = [
        AppProcess(
            app_env(database_url=database_url, slack_url=slack.url, port=free_port()),
            workdir=tmp_path,
            name=f"replica-{n}",
        )
        for n in (1, 2)
    ]

    async def leaders() -> list[AppProcess]:
        found = []
        for app in apps:
            health = await app.healthz("/readyz") if app.alive else None
            if health is not None and health[1].get("leader") is True:
                found.append(app)
        return found

    try:
        for app in apps:
            app.start()
        for app in apps:
            await app.wait_healthy()
        [leader] = await eventually(leaders, timeout=20)
        follower = next(a for a in apps if a is not leader)
        started = time.monotonic()
        assert leader.stop(timeout=MAX_STOP_SECONDS) == 0
        assert await eventually(lambda: follower in [a for a in apps if a.alive] and leaders(), timeout=15)
        took = time.monotonic() - started
        assert (await leaders()) == [follower]
        # The lock was handed back at once (not found stale): the leader said so on its way out.
        assert "no longer leads" in leader.output() and "PeerPulse stopped" in leader.output()
        assert "Unclosed" not in leader.output() and "Traceback" not in leader.output()
    finally:
        for app in apps:
            app.stop()
    print(f"\nSIGTERM on the leader: the other replica led {took:.1f}s later")


def test_a_dotenv_in_a_parent_folder_is_not_read(
    tmp_path: Path, env: dict[str, str], database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("about where settings come from, not the backend")
    env.pop("PEERPULSE_SECRET")
    (tmp_path / ".env").write_text("PEERPULSE_SECRET=from-the-parent-folder-0123456789\n", encoding="utf-8")
    workdir = tmp_path / "install"
    workdir.mkdir()
    done = cli("migrate", env=env, cwd=workdir)
    assert done.returncode == 2 and "PEERPULSE_SECRET is not set" in done.stderr
