"""Writing to the bot in its Messages tab: a kind, helpful answer (never silence), once per quiet
spell; support at once, every time, when the words signal risk; what was written kept nowhere.

End to end: the fake Slack keeps the person's message and sends the app a signed message.im event,
as Slack does; the app answers through the fake Web API; a real database.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from bot.clock import ManualClock
from bot.help import HELP_REPLY_EVERY
from bot.runtime import Runtime
from handlers.slack.blocks.help import HELP_OPENER
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import direct_message
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import BOT_USER_ID, Workspace, build_workspace
from storage.models import ProcessedRequest
from tests.support import eventually

WRITTEN = "hello? is anyone there, I am not sure what this is 7f3a9c"
RISKY = "Honestly some days I want to kill my self after those meetings"


@pytest.fixture
def workspace() -> Workspace:
    """A small workspace: no round is needed to write to the bot."""
    return build_workspace(employees=8)


def _employee(workspace: Workspace) -> str:
    staff = set(workspace.coordinators()) | set(workspace.supporters())
    return next(u.id for u in workspace.active_humans() if u.id not in staff)


def _replies(slack: FakeSlack, user_id: str) -> list[Message]:
    return [m for m in slack.dm_messages(user_id) if m.user == BOT_USER_ID]


def _help_replies(slack: FakeSlack, user_id: str) -> list[Message]:
    return [m for m in _replies(slack, user_id) if HELP_OPENER in m.text]


def _safety_replies(slack: FakeSlack, user_id: str) -> list[Message]:
    return [m for m in _replies(slack, user_id) if "You matter" in m.text]


async def _listeners_done() -> None:
    """Wait until no listener Bolt started after an ack is still running."""
    current = asyncio.current_task()

    def done() -> bool:
        return not any(
            task is not current
            and not task.done()
            and "run_ack_function_asynchronously" in repr(task.get_coro())
            for task in asyncio.all_tasks()
        )

    await eventually(done)


async def test_writing_to_the_bot_gets_one_kind_helpful_answer_per_quiet_spell(
    runtime: Runtime,
    people: People,
    slack: FakeSlack,
    workspace: Workspace,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    user = _employee(workspace)
    status, _ = await people.write_to_bot(user, WRITTEN)
    assert status == 200
    [reply] = await eventually(lambda: _help_replies(slack, user))
    text = reply.text
    # What PeerPulse does, how to answer, how to stay anonymous, and where help is.
    assert "a few questions, one tap each" in text
    assert f"only shown for groups of {runtime.settings.min_group_size} or more people" in text
    assert (
        "`/feedback`" in text
        and "`/pulse` shows whether a pulse is open" in text
        and "`/pulse optout`" in text
    )
    assert "*A peer supporter:*" in text and "*Crisis line (24/7, confidential):*" in text
    assert "isn't anonymous" in text
    assert reply.blocks is not None and len(reply.blocks) == 4
    # Nothing of what they wrote comes back.
    assert "7f3a9c" not in text and "7f3a9c" not in str(reply.blocks)

    # A chatty person gets one answer, not one per message.
    for n in range(3):
        assert (await people.write_to_bot(user, f"{WRITTEN} again {n}"))[0] == 200
    await _listeners_done()
    assert len(_help_replies(slack, user)) == 1

    # After a quiet spell, writing again is answered again.
    clock.advance(HELP_REPLY_EVERY + timedelta(seconds=1))
    await people.write_to_bot(user, WRITTEN)
    await eventually(lambda: len(_help_replies(slack, user)) == 2)

    # Someone else is answered in their own right.
    other = next(u.id for u in workspace.active_humans() if u.id != user)
    await people.write_to_bot(other, "hi")
    await eventually(lambda: _help_replies(slack, other))

    # What was written is in no table and no log line.
    async with runtime.db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await connection.execute(sa_select(table))).all()
            assert "7f3a9c" not in repr(rows), table.name
    assert not [r for r in caplog.records if "7f3a9c" in r.getMessage()]


async def test_words_that_signal_risk_get_support_at_once_every_time(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    user = _employee(workspace)
    await people.write_to_bot(user, "hi")
    await eventually(lambda: _help_replies(slack, user))
    # Within the quiet spell, twice: the safety net is never held back.
    for expected in (1, 2):
        await people.write_to_bot(user, RISKY)
        await eventually(lambda expected=expected: len(_safety_replies(slack, user)) == expected)
    assert len(_help_replies(slack, user)) == 1
    assert all("kill" not in m.text for m in _replies(slack, user))


async def test_the_bots_own_posts_and_edits_get_no_answer_and_cost_no_database_write(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    user = _employee(workspace)
    before = await _processed_requests(runtime)
    # Slack echoes the bot's own DM posts (each pulse, reminder) and its edits (each click's redraw,
    # each close rewrite) as message.im: acked and dropped before the repeat check writes a row.
    await people.event(direct_message(user, "a pulse the bot posted", bot=True), event_id="Ev0ECHO00001")
    await people.event(_edited(user, by_bot=True), event_id="Ev0ECHO00002")
    await _listeners_done()
    assert await _processed_requests(runtime) == before
    # A person editing or deleting their own message is not a new message: no answer either.
    await people.event(_edited(user, by_bot=False), event_id="Ev0EDIT00001")
    await _listeners_done()
    assert _replies(slack, user) == []
    assert await _processed_requests(runtime) == before + 1  # the probe: a person's event is counted
    # The listener is alive: a message a person typed is answered.
    await people.write_to_bot(user, "hello")
    await eventually(lambda: _help_replies(slack, user))
    assert len(_replies(slack, user)) == 1


def _edited(user_id: str, *, by_bot: bool) -> dict[str, object]:
    """A message_changed event in the DM, as Slack sends it when a message there is edited."""
    original = direct_message(user_id, "before", bot=by_bot)
    edited = {k: original[k] for k in ("type", "user", "text", "ts") if k in original} | {"text": "after"}
    if by_bot:
        edited["bot_id"] = original["bot_id"]
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": original["channel"],
        "channel_type": "im",
        "message": edited,
        "previous_message": {k: original[k] for k in ("type", "user", "text", "ts") if k in original},
        "ts": original["ts"],
        "event_ts": original["ts"],
    }


async def _processed_requests(runtime: Runtime) -> int:
    async with runtime.db.session() as session:
        return len((await session.exec(select(ProcessedRequest))).all())
