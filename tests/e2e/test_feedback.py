"""`/feedback`: an anonymous suggestion box, scrubbed, dated, with a safety net."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from bot.privacy import load_support_resources
from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import state_select, state_text
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace
from storage.digest_models import Feedback
from tests.support import eventually


async def _open(people: People, slack: FakeSlack, user: str) -> dict[str, Any]:
    status, _ = await people.command(user, "/feedback")
    assert status == 200
    opened = await eventually(
        lambda: [v for v in slack.opened_views() if v.view.get("callback_id") == "feedback_view"]
    )
    return dict(opened[-1].view)


async def _submit(people: People, user: str, category: str | None, text: str) -> tuple[int, Any]:
    return await people.submit_view(
        user,
        callback_id="feedback_view",
        private_metadata="",
        state_values={
            "category": {"category_input": state_select(category)},
            "text": {"text_input": state_text(text)},
        },
    )


async def _rows(runtime: Runtime) -> list[Feedback]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(Feedback)))


async def test_the_feedback_form_says_where_to_find_someone_to_talk_to(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    view = await _open(people, slack, workspace.active_humans()[0].id)
    help_line = view["blocks"][-1]["elements"][0]["text"]
    assert "*Need someone to talk to?* What you write here isn't read right away." in help_line
    assert (
        "A peer supporter will listen in confidence; PeerPulse's *Home* tab shows who they are." in help_line
    )
    # The emergency line comes from the configured support resources.
    resources = load_support_resources(runtime.settings.support_resources_path)
    assert help_line.endswith(resources.emergency_number)


async def test_feedback_is_stored_without_its_author_and_scrubbed(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    author = workspace.active_humans()[0]
    await _open(people, slack, author.id)
    status, body = await _submit(
        people, author.id, "concern", f"<@{author.id}> says email me at a.b@example.com about the supporters."
    )
    assert status == 200
    assert body["response_action"] == "update"  # confirmed in the modal, not by a lasting DM
    rows = await _rows(runtime)
    assert len(rows) == 1
    dumped = json.dumps([r.model_dump(mode="json") for r in rows])
    assert author.id not in dumped and author.name not in dumped
    assert "a.b@example.com" not in dumped and "[email]" in dumped
    assert rows[0].submitted_on == runtime.services.clock.now().date()
    await runtime.services.drain()
    assert slack.dm_messages(author.id) == []


async def test_missing_fields_come_back_next_to_them_and_nothing_is_stored(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    author = workspace.active_humans()[1].id
    status, body = await _submit(people, author, None, "hi")
    assert status == 200
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"category", "text"}
    assert await _rows(runtime) == []


async def test_risky_feedback_gets_support_resources_privately(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    author = workspace.active_humans()[2].id
    status, _ = await _submit(
        people, author, "other", "Honestly I want to end it all, this place is too much."
    )
    assert status == 200
    await eventually(lambda: any("You matter" in (m.text or "") for m in slack.dm_messages(author)))
    rows = await _rows(runtime)
    assert len(rows) == 1 and author not in json.dumps([r.model_dump(mode="json") for r in rows])
