"""Slack keeps no lasting link: confirmations live in the modal, and the safety net answers every time.

End to end over signed requests, the fake Slack Web API and a real database (SQLite, and
PostgreSQL when TEST_DATABASE_URL is set).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.runtime import Runtime
from bot.support import NOTE
from handlers.slack.simulation.people import People
from handlers.slack.simulation.people_support import local_today, open_modal, session_state, submit
from handlers.slack.simulation.signing import state_select, state_text
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import Workspace, build_workspace
from storage.models import SurveyAnswer
from tests.e2e.test_comment_modal import _open_comment_modal, _submit
from tests.support import eventually

SUPPORT = {
    "eap_contact": "EAP-LINE-7731 (test resources)",
    "crisis_line": "CRISIS-LINE-4242 (test resources)",
    "peer_supporter_now": "PEER-SUPPORTER-NOW-9 (test resources)",
    "emergency_number": "EMERGENCY-112-TEST",
}
RISKY = "Honestly some days I want to kill my self after those meetings"


@pytest.fixture
def workspace() -> Workspace:
    """A small workspace keeps each round's fan-out quick."""
    return build_workspace(employees=8)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The shared settings, with the organisation's own support resources configured."""
    path = tmp_path / "support_resources.yml"
    path.write_text("".join(f'{key}: "{value}"\n' for key, value in SUPPORT.items()), encoding="utf-8")
    return dataclasses.replace(settings, support_resources_path=path)


@pytest.fixture
async def author(runtime: Runtime, people: People, workspace: Workspace) -> str:
    """An employee holding an open round's pulse DM."""
    status, _ = await people.send_pulse(workspace.coordinators()[0])
    assert status == 200
    staff = set(workspace.coordinators()) | set(workspace.supporters())
    user = next(u.id for u in workspace.active_humans() if u.id not in staff)
    await eventually(lambda: people.pulse_message(user))
    return user


def _safety_replies(slack: FakeSlack, user_id: str) -> list[Message]:
    return [m for m in slack.dm_messages(user_id) if SUPPORT["crisis_line"] in json.dumps([m.text, m.blocks])]


def _posted_to(slack: FakeSlack, user_id: str) -> list[dict[str, Any]]:
    """Every new message (not an update of the pulse DM) the app sent to a user's DM."""
    return [
        c.args
        for c in slack.calls_to("chat.postMessage")
        if c.args.get("channel") in (user_id, "D" + user_id[1:])
    ]


async def _feedback(people: People, user: str, category: str | None, text: str) -> tuple[int, Any]:
    return await people.submit_view(
        user,
        callback_id="feedback_view",
        private_metadata="",
        state_values={
            "category": {"category_input": state_select(category)},
            "text": {"text_input": state_text(text)},
        },
    )


async def test_a_saved_comment_is_confirmed_in_the_modal_and_sends_no_message(
    runtime: Runtime, people: People, slack: FakeSlack, author: str
) -> None:
    _, modal = await _open_comment_modal(people, slack, author)
    before = len(_posted_to(slack, author))

    status, body = await _submit(people, author, modal, "The standups run long and nobody stops it.")

    assert status == 200
    assert body["response_action"] == "update"
    assert "saved, without your name" in json.dumps(body["view"])
    assert "submit" not in body["view"]  # a confirmation to close, not a form to send again
    await runtime.services.drain()
    assert _posted_to(slack, author)[before:] == []


async def test_feedback_is_confirmed_in_the_modal_and_sends_no_message(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    author = workspace.active_humans()[3].id

    status, body = await _feedback(
        people, author, "suggestion", "More supporters on the night shift, please."
    )

    assert status == 200
    assert body["response_action"] == "update"
    assert "your feedback is in, anonymously" in json.dumps(body["view"])
    await runtime.services.drain()
    assert _posted_to(slack, author) == []


async def test_risky_comment_in_a_closed_round_is_refused_but_still_answered(
    runtime: Runtime, people: People, slack: FakeSlack, author: str, clock: ManualClock
) -> None:
    _, modal = await _open_comment_modal(people, slack, author)
    clock.advance(timedelta(days=4))
    assert await runtime.services.surveys.close_due_rounds()

    status, body = await _submit(people, author, modal, RISKY)

    assert status == 200
    assert body["response_action"] == "errors"
    [reply] = await eventually(lambda: _safety_replies(slack, author))
    assert "kill" not in json.dumps([reply.text, reply.blocks]).lower()


async def test_risky_comment_over_the_length_limit_is_refused_but_still_answered(
    people: People, slack: FakeSlack, author: str
) -> None:
    _, modal = await _open_comment_modal(people, slack, author)

    status, body = await _submit(people, author, modal, RISKY + " and more" * 200)

    assert status == 200
    assert body["response_action"] == "errors"
    await eventually(lambda: _safety_replies(slack, author))


@pytest.mark.parametrize(
    ("category", "text"),
    [(None, "I'm thinking about taking my life"), ("other", "I want to end it all. " + "x" * 2001)],
    ids=["no category", "over the limit"],
)
async def test_risky_feedback_that_is_refused_is_still_answered(
    people: People, slack: FakeSlack, workspace: Workspace, category: str | None, text: str
) -> None:
    author = workspace.active_humans()[4].id

    status, body = await _feedback(people, author, category, text)

    assert status == 200
    assert body["response_action"] == "errors"
    [reply] = await eventually(lambda: _safety_replies(slack, author))
    assert "taking my life" not in json.dumps([reply.text, reply.blocks])


async def test_risky_feedback_is_stored_confirmed_and_answered_once(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    author = workspace.active_humans()[5].id

    status, body = await _feedback(people, author, "concern", "some days I want to end it all")

    assert (status, body["response_action"]) == (200, "update")
    await eventually(lambda: _safety_replies(slack, author))
    await runtime.services.drain()
    # The safety reply is the only message: no thank-you DM beside it.
    assert len(_posted_to(slack, author)) == 1


async def test_a_supporter_note_about_risk_gets_escalation_guidance_even_when_refused(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    supporter = workspace.supporters()[0]
    colleague = next(u for u in workspace.active_humans() if u.id != supporter)
    today = local_today(workspace, supporter, clock.now())
    view = await open_modal(people, slack, supporter)

    # Refused for naming someone, and it says they talked about killing themselves: guidance anyway.
    note = f"{colleague.real_name} said he has been thinking about suicide"
    status, body = await submit(people, supporter, view, session_state(on=today, note=note))

    assert status == 200
    assert set(body["errors"]) == {NOTE}
    [reply] = await eventually(
        lambda: [m for m in slack.dm_messages(supporter) if "Escalate" in json.dumps(m.blocks)]
    )
    rendered = json.dumps([reply.text, reply.blocks])
    assert SUPPORT["emergency_number"] in rendered
    assert colleague.real_name not in rendered
    assert "suicide" not in rendered


async def test_an_emptied_comment_is_confirmed_as_removed(
    runtime: Runtime, people: People, slack: FakeSlack, author: str
) -> None:
    _, modal = await _open_comment_modal(people, slack, author)
    before = len(_posted_to(slack, author))
    await _submit(people, author, modal, "Too many late meetings.")

    status, body = await _submit(people, author, modal, "   ")

    assert (status, body["response_action"]) == (200, "update")
    assert "Your comment is removed" in json.dumps(body["view"])
    await runtime.services.drain()
    async with runtime.db.session() as session:
        assert [a for a in await session.exec(select(SurveyAnswer)) if a.text] == []
    assert _posted_to(slack, author)[before:] == []


async def test_feedback_that_cannot_be_stored_is_answered_in_the_modal_not_by_dm(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    author = workspace.active_humans()[6].id
    async with runtime.db.engine.begin() as conn:
        await conn.execute(text("DROP TABLE feedback"))  # a real database failure, not a stand-in

    status, body = await _feedback(people, author, "suggestion", "More supporters on the night shift.")

    assert status == 200
    assert body["response_action"] == "errors"
    await runtime.services.drain()
    assert _posted_to(slack, author) == []
    assert slack.ephemerals(author) == []


async def test_the_safety_net_logs_neither_the_author_nor_the_text(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    author = workspace.active_humans()[7].id
    caplog.set_level(logging.DEBUG)
    # Refused (no category) and risky: the path where a careless log line would be most tempting.
    await _feedback(people, author, None, "I keep thinking about ending it")
    await eventually(lambda: _safety_replies(slack, author))
    await runtime.services.drain()

    ours = [r for r in caplog.records if r.name.startswith(("bot", "handlers"))]
    for record in ours:
        line = record.getMessage() + str(record.args) + (record.exc_text or "")
        assert author not in line, line
        assert "ending it" not in line, line
