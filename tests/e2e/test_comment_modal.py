"""The pulse's free-text question: a modal, scrubbed storage, a length limit, and the safety net."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from bot.config import Settings
from bot.runtime import Runtime
from handlers.slack.open_view import BUSY
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import block_actions, state_text
from handlers.slack.simulation.slack_api import FakeSlack, Message, OpenedView
from handlers.slack.simulation.workspace import Workspace, build_workspace, dm_channel_id
from storage.models import SurveyAnswer
from tests.support import eventually

SUPPORT = {
    "eap_contact": "EAP-LINE-7731 (test resources)",
    "crisis_line": "CRISIS-LINE-4242 (test resources)",
    "peer_supporter_now": "PEER-SUPPORTER-NOW-9 (test resources)",
    "emergency_number": "EMERGENCY-112-TEST",
}
RISKY = "Honestly some days I want to kill myself after those meetings"


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


async def _open_comment_modal(people: People, slack: FakeSlack, user_id: str) -> tuple[str, OpenedView]:
    """Click "Add a comment" in the user's pulse DM; return the trigger id used and the modal."""
    trigger = await _click_comment(people, slack, user_id)
    views = await eventually(lambda: [v for v in slack.opened_views() if v.trigger_id == trigger])
    return trigger, views[0]


async def _click_comment(people: People, slack: FakeSlack, user_id: str) -> str:
    """Click "Add a comment" in the user's pulse DM as Slack sends it; return the click's trigger id."""
    message = people.pulse_message(user_id)
    assert message is not None
    button = people.comment_button(message)
    assert button is not None, "the pulse has no comment button"
    trigger = slack.new_trigger_id(user_id)
    status, _ = await people.post(
        block_actions(
            user_id=user_id,
            action_id=button.action_id,
            block_id=button.block_id,
            value=button.value,
            channel_id=message.channel,
            message_ts=message.ts,
            trigger_id=trigger,
            # As Slack does: the click's own response_url, bound to the DM clicked.
            response_url=slack.new_response_url(message.channel, message.ts),
            message={"ts": message.ts, "text": message.text, "blocks": message.blocks or []},
        )
    )
    assert status == 200
    return trigger


async def _submit(people: People, user_id: str, modal: OpenedView, text: str) -> tuple[int, Any]:
    """Type `text` into the modal's text input and submit it."""
    field = next(b for b in modal.view["blocks"] if b["type"] == "input")
    return await people.submit_view(
        user_id,
        callback_id=modal.view["callback_id"],
        private_metadata=modal.view.get("private_metadata", ""),
        state_values={field["block_id"]: {field["element"]["action_id"]: state_text(text)}},
    )


async def _comments(runtime: Runtime) -> list[SurveyAnswer]:
    """Stored free-text answers."""
    async with runtime.db.session() as session:
        rows = await session.exec(select(SurveyAnswer))
        return [a for (a,) in rows if a.text is not None]


async def _dump(runtime: Runtime) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table in the real database."""

    def read(conn: Any) -> dict[str, list[dict[str, Any]]]:
        meta = MetaData()
        meta.reflect(conn)
        return {t.name: [dict(r._mapping) for r in conn.execute(select(t))] for t in meta.sorted_tables}

    async with runtime.db.engine.connect() as conn:
        return await conn.run_sync(read)


def _as_text(row: dict[str, Any]) -> str:
    return json.dumps(row, default=str, ensure_ascii=False)


def _safety_messages(slack: FakeSlack) -> list[Message]:
    return [m for m in slack.all_messages() if SUPPORT["crisis_line"] in json.dumps([m.text, m.blocks])]


async def test_comment_button_opens_a_modal_with_the_click_trigger(
    people: People, slack: FakeSlack, author: str
) -> None:
    trigger, modal = await _open_comment_modal(people, slack, author)

    assert modal.method == "views.open"
    assert modal.user_id == author
    assert modal.view["type"] == "modal"
    assert [c.args["trigger_id"] for c in slack.calls_to("views.open")] == [trigger]
    assert any(b["type"] == "input" for b in modal.view["blocks"])
    # Where to find a person to talk to, with the organisation's own emergency line.
    help_line = modal.view["blocks"][-1]["elements"][0]["text"]
    assert "*Need someone to talk to?* What you write here isn't read right away." in help_line
    assert "PeerPulse's *Home* tab shows who they are" in help_line
    assert SUPPORT["emergency_number"] in help_line


async def test_comment_is_stored_without_mentions_emails_or_phone_numbers(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, author: str
) -> None:
    colleague = next(u for u in workspace.active_humans() if u.id != author)
    _, modal = await _open_comment_modal(people, slack, author)
    text = (
        f"<@U123> and <@{colleague.id}> keep interrupting in the standup. "
        "Write to jane.doe@example.com or call +1 415 555 0132 / 020 7946 0958 if you want details."
    )

    status, body = await _submit(people, author, modal, text)

    assert status == 200
    assert not (isinstance(body, dict) and body.get("response_action") == "errors"), body
    comments = await eventually(lambda: _comments(runtime))
    assert len(comments) == 1
    stored = comments[0].text or ""
    for secret in (
        "<@",
        "U123",
        colleague.id,
        "jane.doe",
        "example.com",
        "415",
        "555",
        "0132",
        "7946",
        "0958",
    ):
        assert secret not in stored, f"{secret!r} survived scrubbing: {stored!r}"
    assert "interrupting in the standup" in stored


async def test_a_submitted_comment_shows_in_the_dm_through_the_clicks_response_url(
    people: People, slack: FakeSlack, author: str
) -> None:
    _, modal = await _open_comment_modal(people, slack, author)
    updates, responses = len(slack.calls_to("chat.update")), len(slack.calls_to("response_url"))
    status, _ = await _submit(people, author, modal, "More quiet rooms, please.")
    assert status == 200

    def shows_comment() -> bool:
        message = people.pulse_message(author)
        return message is not None and "Edit your comment" in json.dumps(message.blocks)

    await eventually(shows_comment)
    # The redraw used the comment button's response_url, not the workspace's Tier 3 chat.update.
    assert len(slack.calls_to("chat.update")) == updates
    assert [c.status for c in slack.calls_to("response_url")[responses:]] == [200]


async def test_over_long_comment_is_refused_in_the_modal_and_not_stored(
    runtime: Runtime, people: People, slack: FakeSlack, author: str
) -> None:
    _, modal = await _open_comment_modal(people, slack, author)
    field = next(b for b in modal.view["blocks"] if b["type"] == "input")

    status, body = await _submit(people, author, modal, "x" * 1001)

    assert status == 200
    assert isinstance(body, dict), body
    assert body.get("response_action") == "errors"
    assert set(body["errors"]) == {field["block_id"]}
    await runtime.services.drain()
    assert await _comments(runtime) == []


async def test_comment_of_exactly_1000_characters_is_accepted(
    runtime: Runtime, people: People, slack: FakeSlack, author: str
) -> None:
    _, modal = await _open_comment_modal(people, slack, author)
    text = ("word " * 200)[:1000]

    status, body = await _submit(people, author, modal, text)

    assert status == 200
    assert not (isinstance(body, dict) and body.get("response_action") == "errors"), body
    comments = await eventually(lambda: _comments(runtime))
    assert len(comments) == 1


async def test_risky_comment_gets_a_private_reply_with_the_configured_resources(
    people: People, slack: FakeSlack, author: str
) -> None:
    _, modal = await _open_comment_modal(people, slack, author)

    status, _ = await _submit(people, author, modal, RISKY)

    assert status == 200
    replies = await eventually(lambda: _safety_messages(slack))
    assert len(replies) == 1
    reply = json.dumps([replies[0].text, replies[0].blocks])
    assert replies[0].channel == dm_channel_id(author)
    for value in SUPPORT.values():
        assert value in reply
    assert "kill myself" not in reply.lower()


async def test_risky_comment_leaves_nothing_linking_the_author_to_it(
    runtime: Runtime, people: People, slack: FakeSlack, author: str
) -> None:
    _, modal = await _open_comment_modal(people, slack, author)

    await _submit(people, author, modal, RISKY)
    await eventually(lambda: _safety_messages(slack))
    await runtime.services.drain()

    dump = await _dump(runtime)
    for table, rows in dump.items():
        for row in rows:
            text = _as_text(row)
            if author in text:
                assert "kill myself" not in text.lower(), f"{table} links the author to the comment: {text}"
                for value in SUPPORT.values():
                    assert value not in text, f"{table} records that the author was sent support: {text}"
    comment = [r for r in dump["survey_answer"] if r["text"] and "kill myself" in r["text"].lower()]
    assert len(comment) == 1
    assert author not in _as_text(comment[0])


# A trigger's 3 s life is not scaled: the rush must meet views.open's real Tier 4 budget.
@pytest.mark.slack_tiers(1.0)
async def test_a_rush_of_comment_clicks_opens_what_slack_allows_and_tells_the_rest_to_retry(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    # views.open is Tier 4 for the whole workspace and a trigger lives 3 s: a burst of clicks
    # must never queue a call past its trigger (a certain expired_trigger_id and no modal).
    status, _ = await people.send_pulse(workspace.coordinators()[0])
    assert status == 200
    users = [u.id for u in workspace.active_humans()]
    await eventually(lambda: all(people.pulse_message(u) for u in users), timeout=30)

    clicked = await asyncio.gather(*(_click_comment(people, slack, u) for u in users))
    triggers = dict(zip(users, clicked, strict=True))

    def settled() -> bool:
        opened = {v.trigger_id for v in slack.opened_views()}
        return all(triggers[u] in opened or slack.ephemerals(u) for u in users)

    await eventually(settled, timeout=20)
    opened = {v.trigger_id for v in slack.opened_views()}
    told = [u for u in users if triggers[u] not in opened]
    assert opened and told, "the rush should both open modals and exceed Slack's budget"
    for user in told:
        assert [e.text for e in slack.ephemerals(user)] == [BUSY]
    refused = [c.error for c in slack.calls_to("views.open") if c.error]
    assert refused == [], refused  # neither expired_trigger_id nor 429
