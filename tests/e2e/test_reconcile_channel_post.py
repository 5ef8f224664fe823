"""Issue 13: SIGTERM while Slack is slow to accept a channel post, then a restart.

The digest's channel post was left "sending"; reconciliation used to look for it with
conversations.open(<channel id>), fail every 5 s forever, and never start the outbox or scheduler.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import SlackSender
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, Workspace, build_workspace
from storage.db import sync_url
from tests.conftest import SIGNING_SECRET
from tests.e2e.app_process import AppProcess, app_env, free_port
from tests.support import eventually

RATE = 50.0


@pytest.fixture
def small_office() -> Workspace:
    """Twelve employees: enough for a round, quick to fan out."""
    return build_workspace(employees=12)


@pytest.fixture
def office_slack(small_office: Workspace) -> Iterator[FakeSlack]:
    """Slack's limits on, chat.postMessage's workspace limit at the app's rate."""
    with FakeSlack(small_office, workspace_rate=RATE) as fake:
        yield fake


def _outbox(database_url: str) -> Counter[str]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT status, count(*) FROM outbox_message GROUP BY status"))
            return Counter({status: int(n) for status, n in rows})
    finally:
        engine.dispose()


def _unsent(database_url: str) -> list[tuple[str, str, str]]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT recipient, status, last_error FROM outbox_message WHERE status != 'sent'")
            )
            return [(str(r), str(s), str(e)) for r, s, e in rows]
    finally:
        engine.dispose()


def _channel_posts(slack: FakeSlack) -> list[str]:
    return [m.ts for m in slack.messages(COORDINATOR_CHANNEL_ID)]


async def test_sigterm_while_a_channel_post_is_slow_then_restart_delivers_it_once_and_leads(
    database_url: str, office_slack: FakeSlack, small_office: Workspace, tmp_path: Path
) -> None:
    env = app_env(
        database_url=database_url, slack_url=office_slack.url, port=free_port(), workspace_rate=RATE
    )
    first = AppProcess(env, workdir=tmp_path, name="first")
    second = AppProcess(env, workdir=tmp_path, name="second")
    coordinator = small_office.coordinators()[0]
    try:
        first.start()
        await first.wait_healthy()
        # Slack stores the post at once and answers 20 s later: the app cannot know it went out.
        office_slack.slow_down("chat.postMessage", 20.0)
        async with SlackSender() as sender:
            people = People(office_slack, sender, app_url=first.url, signing_secret=SIGNING_SECRET)
            status, _ = await people.command(coordinator, "/pulse", "digest")
            assert status == 200
            await eventually(lambda: _channel_posts(office_slack), timeout=30)
            first.stop(timeout=15)
            posted = _channel_posts(office_slack)

            second.start()
            await second.wait_healthy()
            # Leadership started (outbox and scheduler): a round sent now reaches everyone.
            people = People(office_slack, sender, app_url=second.url, signing_secret=SIGNING_SECRET)
            status, _ = await people.send_pulse(coordinator)
            assert status == 200
            humans = [u.id for u in small_office.active_humans()]
            await eventually(lambda: all(people.pulse_message(u) for u in humans), timeout=60)
            # Nothing in flight or parked (the round's reminders wait, pending, for their day).
            try:
                await eventually(lambda: not {"sending", "failed"} & set(_outbox(database_url)), timeout=30)
            except AssertionError:
                raise AssertionError(f"{_outbox(database_url)}: {_unsent(database_url)}") from None
    finally:
        first.kill()
        second.stop()
    # The digest's post is in the channel once: found in the channel's history, not posted again.
    assert _channel_posts(office_slack)[: len(posted)] == posted
    assert len(_channel_posts(office_slack)) == len(posted), second.tail()
    opened = [
        c.args.get("channel") or c.args.get("users") for c in office_slack.calls_to("conversations.open")
    ]
    assert not any(str(target).startswith("C") for target in opened)
