"""A round opened by the previous release keeps working after the upgrade: buttons, reminders, close.

The fixtures under tests/data/upgrade/<release>/ were made by tests/data/upgrade/capture.py running
that release's own code: its database (as SQL, at its last migration) and the pulse DMs it sent.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, func, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.people_policies import settle_outbox
from handlers.slack.simulation.signing import SlackSender
from handlers.slack.simulation.slack_api import DEFAULT_TOKEN, FakeSlack, Message
from handlers.slack.simulation.workspace import Workspace, build_workspace
from storage.models import SurveyAnswer, SurveyRound
from tests.conftest import SIGNING_SECRET
from tests.support import eventually

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "upgrade"
RELEASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
NOT_OURS = "isn't one of PeerPulse's"


@pytest.fixture(params=RELEASES)
def release(request: pytest.FixtureRequest) -> Path:
    """One previous release's captured round."""
    return FIXTURES / str(request.param)


@pytest.fixture
def meta(release: Path) -> dict[str, Any]:
    """When the round was opened, how big the workspace was, who had answered."""
    data: dict[str, Any] = json.loads((release / "meta.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def workspace(meta: dict[str, Any]) -> Workspace:
    """The same deterministic workspace the release ran against."""
    return build_workspace(employees=int(meta["employees"]))


@pytest.fixture
def clock(meta: dict[str, Any]) -> ManualClock:
    """An hour after the previous release opened the round."""
    return ManualClock(datetime.fromisoformat(meta["opened_at"]) + timedelta(hours=1))


@pytest.fixture
def settings(settings: Settings, release: Path, tmp_path: Path, database_url: str) -> Settings:
    """The previous release's database, restored as it was left."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the captured database is a SQLite dump; the migrations themselves run on both")
    path = tmp_path / "upgraded.db"
    with sqlite3.connect(path) as conn:
        conn.executescript((release / "database.sql").read_text(encoding="utf-8"))
    return dataclasses.replace(settings, database_url=f"sqlite+aiosqlite:///{path}")


@pytest.fixture
async def old_dms(slack: FakeSlack, release: Path) -> dict[str, Message]:
    """The previous release's pulse DMs, as they sit in each person's DM when the upgrade happens."""
    client = AsyncWebClient(token=DEFAULT_TOKEN, base_url=slack.url.rstrip("/") + "/")
    sent = json.loads((release / "pulse_dms.json").read_text(encoding="utf-8"))
    for dm in sent:
        await client.chat_postMessage(channel=dm["user"], text=dm["text"], blocks=dm["blocks"])
    return {dm["user"]: _dm_of(slack, dm["user"]) for dm in sent}


def _dm_of(slack: FakeSlack, user: str) -> Message:
    [message] = slack.dm_messages(user)
    return message


@pytest.fixture
async def upgraded(
    settings: Settings, clock: ManualClock, old_dms: dict[str, Message]
) -> AsyncIterator[Runtime]:
    """This release, started over the previous release's database (migrating it)."""
    runtime = Runtime(settings, clock=clock, scheduler_enabled=False)
    await runtime.start(host="127.0.0.1", port=0)
    await runtime.wait_until_leader()
    yield runtime
    await runtime.stop()


async def _answers(runtime: Runtime) -> int:
    async with runtime.db.session() as session:
        return int((await session.exec(select(func.count()).select_from(SurveyAnswer))).one())


async def test_the_previous_releases_round_keeps_working_after_the_upgrade(
    upgraded: Runtime,
    slack: FakeSlack,
    workspace: Workspace,
    clock: ManualClock,
    meta: dict[str, Any],
    old_dms: dict[str, Message],
) -> None:
    before = await _answers(upgraded)
    assert before == 1, "the captured round had one answer"
    async with SlackSender() as sender:
        people = People(slack, sender, app_url=upgraded.url, signing_secret=SIGNING_SECRET)
        answerer = next(u for u in old_dms if u != meta["answered_by"])
        message = old_dms[answerer]
        grouped = people.answer_buttons(message)
        assert grouped, "the old DM has answer buttons"
        # Every question of the old DM, answered with its old buttons.
        for options in grouped.values():
            status, _ = await people.click(answerer, message, options[-1])
            assert status == 200
        await eventually(lambda: _answers_at_least(upgraded, before + len(grouped)), timeout=15)
        # The person who answered before the upgrade changes that answer with the old DM.
        early = old_dms[meta["answered_by"]]
        [first_question, *_] = people.answer_buttons(early).values()
        status, _ = await people.click(meta["answered_by"], early, first_question[-1])
        assert status == 200
        # The old comment button opens the comment modal.
        comment = people.comment_button(message)
        assert comment is not None
        status, _ = await people.click(answerer, message, comment)
        assert status == 200
    assert await eventually(lambda: slack.opened_views(), timeout=10)
    assert NOT_OURS not in json.dumps([r.body for r in slack.responses()])
    assert NOT_OURS not in json.dumps([e.text for u in old_dms for e in slack.ephemerals(u)])

    # The reminders the previous release queued go out, rendered by this release.
    silent = [u for u in old_dms if u not in (answerer, meta["answered_by"])]
    seen = {u: len(slack.dm_messages(u)) for u in silent}
    clock.advance(timedelta(days=2, hours=1))
    await settle_outbox(upgraded, clock)
    reminded = [u for u in silent if len(slack.dm_messages(u)) > seen[u]]
    assert reminded == silent

    # And the round closes when its window ends.
    clock.advance(timedelta(days=2))
    closed = await upgraded.services.surveys.close_due_rounds()
    assert len(closed) == 1
    async with upgraded.db.session() as session:
        round_ = (await session.exec(select(SurveyRound).where(col(SurveyRound.id) == closed[0]))).one()
    assert round_.closed_at is not None


async def _answers_at_least(runtime: Runtime, count: int) -> bool:
    return await _answers(runtime) >= count
