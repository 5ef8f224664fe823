"""Issue 13: SIGTERM and SIGKILL at every step of a DM, a channel post and a file upload, with Slack
slow, failing and refusing; after a restart each is in Slack exactly once, or parked with its reason.

Each cell runs the real `python -m bot run` twice on one database: the first is stopped at the step,
the second must settle what it left. Steps and Slack states (the fake's faults):

- queued:   Slack answered 429 with Retry-After; the send waits, its request not yet sent again.
- slow:     Slack accepted the message and answers late; the stop lands before the answer, so the
            outbox cannot have recorded it (in flight and "accepted, not recorded" are one step here).
- failing:  Slack answers 503 late; the stop lands while the request is in flight, nothing stored;
            after the restart Slack fails once more, then recovers.
- refusing: Slack refuses late (a permanent error); after the restart it still refuses: the bot was
            removed from the coordinators' channel, or the person's account is inactive.

Cells already covered elsewhere: a 2,000-DM fan-out killed half-way (test_crash_recovery), SIGTERM
with every DM of a round slow (test_operations), SIGTERM with a slow digest post then a round
(test_reconcile_channel_post), Slack failing every way during a round in process (test_slack_faults).
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from handlers.slack.adapter import FILE_MARK
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import SlackSender
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import (
    BOT_USER_ID,
    COORDINATOR_CHANNEL_ID,
    Workspace,
    build_workspace,
)
from storage.db import sync_url
from storage.models import SurveyRound
from tests.conftest import SIGNING_SECRET
from tests.e2e.app_process import AppProcess, app_env, free_port
from tests.support import eventually

GRACE = 2.0  # SHUTDOWN_GRACE_SECONDS for these runs
LATE = 30.0
RETRY_AFTER = 3  # long enough for the stop to land within it  # how late a slow or failing Slack answers: long after any stop lands
KINDS = {"dm": ("pulse",), "channel": ("text",), "file": ("text", "file")}
# The Web API call that carries each kind's message (a file is shared by its completion).
METHOD = {"dm": "chat.postMessage", "channel": "chat.postMessage", "file": "files.completeUploadExternal"}
# A file's first call: a 429 there holds the upload before any of it leaves.
FIRST_METHOD = {**METHOD, "file": "files.getUploadURLExternal"}
REFUSAL = {"dm": "account_inactive", "channel": "channel_not_found", "file": "channel_not_found"}


@pytest.fixture
def office() -> Workspace:
    """Five employees: a round is five DMs."""
    return build_workspace(employees=5)


@pytest.fixture
def office_slack(office: Workspace) -> Iterator[FakeSlack]:
    """Slack's limits on."""
    with FakeSlack(office, workspace_rate=50.0) as fake:
        yield fake


def _rows(database_url: str) -> list[dict[str, Any]]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            result = conn.execute(
                text("SELECT id, kind, recipient, status, attempts, last_error FROM outbox_message")
            )
            return [dict(r._mapping) for r in result]
    finally:
        engine.dispose()


def _seed_closed_round(database_url: str, team_id: str) -> None:
    """A round that closed last week, so the digest has a chart to share."""
    now = datetime.now(UTC)
    engine = create_engine(sync_url(database_url))
    try:
        with Session(engine) as session:
            session.add(
                SurveyRound(
                    team_id=team_id,
                    schedule_key="seeded",
                    question_ids=[],
                    opened_at=now - timedelta(days=10),
                    closes_at=now - timedelta(days=7),
                    closed_at=now - timedelta(days=7),
                    invited=5,
                )
            )
            session.commit()
    finally:
        engine.dispose()


def _copies(slack: FakeSlack) -> Counter[int]:
    """How many times Slack holds each outbox row's message (by metadata) or file (by name)."""
    found: Counter[int] = Counter()
    for message in slack.all_messages():
        payload = (message.metadata or {}).get("event_payload") or {}
        if "outbox_id" in payload:
            found[int(payload["outbox_id"])] += 1
    for file in slack.uploaded_files():
        stem = file.filename.rpartition(".")[0]
        if FILE_MARK in stem:
            found[int(stem.rsplit(FILE_MARK, 1)[1])] += 1
    return found


def _clean(log: str) -> None:
    assert "Traceback" not in log and "Unclosed" not in log, log[-3000:]


@pytest.mark.parametrize("state", ["queued", "slow", "failing", "refusing"])
@pytest.mark.parametrize("kind", ["dm", "channel", "file"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
async def test_a_stop_at_any_step_leaves_each_message_sent_once_or_parked_with_its_reason(
    sig: signal.Signals,
    kind: str,
    state: str,
    database_url: str,
    office: Workspace,
    office_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    slack = office_slack
    env = app_env(database_url=database_url, slack_url=slack.url, port=free_port(), workspace_rate=50.0)
    env["SHUTDOWN_GRACE_SECONDS"] = str(GRACE)
    first = AppProcess(env, workdir=tmp_path, name="first")
    second = AppProcess(env, workdir=tmp_path, name="second")
    kinds = KINDS[kind]
    try:
        first.start()
        await first.wait_healthy()
        if kind == "file":
            _seed_closed_round(database_url, office.team_id)
        if state == "queued":
            slack.fail(FIRST_METHOD[kind], status=429, retry_after=RETRY_AFTER)
        elif state == "slow":
            slack.slow_down(METHOD[kind], LATE)
        elif state == "failing":
            slack.fail(METHOD[kind], status=503, delay=LATE)
        else:
            slack.fail(METHOD[kind], error=REFUSAL[kind], delay=LATE)
        async with SlackSender() as sender:
            people = People(slack, sender, app_url=first.url, signing_secret=SIGNING_SECRET)
            if kind == "dm":
                status, _ = await people.send_pulse(office.coordinators()[0])
            else:
                status, _ = await people.command(office.coordinators()[0], "/pulse", "digest")
        assert status == 200

        def at_the_step() -> bool:
            mine = [r for r in _rows(database_url) if r["kind"] == kinds[-1]]
            if state == "queued":
                # Slack's 429 was answered: within Retry-After the send waits, either for the pacer
                # ('sending', its request not yet gone) or for its retry ('pending').
                return slack.faults_left() == 0 and any(r["status"] in ("pending", "sending") for r in mine)
            return slack.faults_left() == 0 and any(r["status"] == "sending" for r in mine)

        await eventually(at_the_step, timeout=30)
        started = time.monotonic()
        if sig == signal.SIGTERM:
            code = first.stop(timeout=GRACE + 10)
            took = time.monotonic() - started
            assert code == 0, first.tail()
            # The grace, plus closing the server, the database and the process itself.
            assert took < GRACE + 4, f"SIGTERM took {took:.1f}s"
            assert "PeerPulse stopped" in first.output()
            _clean(first.output())
        else:
            first.kill()

        slack.clear_faults()
        if state == "failing":
            slack.fail(METHOD[kind], status=500)  # still failing once after the restart
        elif state == "refusing" and kind == "dm":
            slack.fail("chat.postMessage", error=REFUSAL[kind], times=10)
        elif state == "refusing":
            slack.remove_member(COORDINATOR_CHANNEL_ID, BOT_USER_ID)
        second.start()
        await eventually(second.healthz, timeout=60)

        def settled() -> list[dict[str, Any]] | None:
            rows = [r for r in _rows(database_url) if r["kind"] in kinds]
            return rows if rows and all(r["status"] in ("sent", "failed") for r in rows) else None

        try:
            rows = await eventually(settled, timeout=60, interval=0.2)
        except AssertionError:
            raise AssertionError(f"{_rows(database_url)}\n{second.tail()}") from None
        ready, details = await second.healthz("/readyz") or (0, {})
        await asyncio.sleep(1.0)  # a second copy would be posted within the next outbox passes
        copies = _copies(slack)
    finally:
        first.kill()
        code = second.stop()
    assert code == 0 and "PeerPulse stopped" in second.output(), second.tail()
    _clean(second.output())

    failed = [r for r in rows if r["status"] == "failed"]
    for row in rows:
        assert copies[row["id"]] <= 1, (
            f"row {row['id']} ({row['kind']}) is in Slack {copies[row['id']]} times"
        )
        if row["status"] == "sent":
            assert copies[row["id"]] == 1, f"row {row['id']} says sent but Slack has none"
    for row in failed:
        # Parked with a reason a person can act on: Slack's refusal, never a stack trace.
        reason = row["last_error"] or ""
        assert REFUSAL[kind] in reason and "Traceback" not in reason, row
        if copies[row["id"]]:
            # Slack may hold it, but would not show us the channel to check: said so.
            assert reason.startswith("cannot check Slack for an earlier attempt"), row
    assert not [r for r in _rows(database_url) if r["status"] == "sending"]
    if state == "refusing":
        assert failed, "Slack refused, yet nothing was parked"
    else:
        assert not failed, failed
        assert all(copies[r["id"]] == 1 for r in rows)
    if kind == "file":
        assert len([r for r in rows if r["kind"] == "file"]) == 1
        chart = [f for f in slack.uploaded_files() if FILE_MARK in f.filename]
        assert all(f.content.startswith(b"\x89PNG") for f in chart)
    # Readiness tells the truth: a removed bot is a channel problem; parked messages are counted.
    if state == "refusing" and kind != "dm":
        assert ready == 503 and "COORDINATOR_CHANNEL" in details["problems"], details
    else:
        assert ready == 200, details
    assert details["outbox_failed"] == len(failed)
