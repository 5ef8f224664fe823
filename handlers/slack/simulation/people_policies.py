"""Simulated coordinators keeping the policy register and publishing "you said, we did" updates.

Used by the e2e tests and by `make demo` (`simulate_policy_and_update`). Everything goes through
signed requests to the running app and the fake Slack, exactly as Slack would deliver it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.clock import ManualClock
from bot.policies import INTERVAL, LAST_REVIEWED, LINK, NAME, OWNER, REVIEWED_ON, SUMMARY
from bot.runtime import Runtime
from bot.updates import DESTINATION, TEXT
from handlers.slack.blocks.policies import (
    ADD_POLICY_ACTION,
    ADD_POLICY_VIEW,
    EDIT_POLICY_ACTION,
    EDIT_POLICY_VIEW,
    INPUT,
    REVIEW_POLICY_ACTION,
    REVIEW_POLICY_VIEW,
)
from handlers.slack.blocks.updates import SHARE_UPDATE_ACTION, UPDATE_DRAFT_VIEW, UPDATE_PREVIEW_VIEW
from handlers.slack.simulation.people import Button, People
from handlers.slack.simulation.signing import state_date, state_number, state_radio, state_text
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, Workspace, dm_channel_id
from storage.models import OutboxMessage


async def until(check: Callable[[], Any], *, timeout: float = 10.0) -> Any:
    """Poll until `check` returns something truthy (a plain-function twin of tests.support.eventually)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(0.02)


def policy_state(
    *,
    name: str | None,
    link: str | None,
    owner: str | None,
    interval: str | None = "12",
    last_reviewed: date | None = None,
) -> dict[str, Any]:
    """The add / edit modal's state values as Slack submits them."""
    return {
        NAME: {INPUT: state_text(name)},
        LINK: {INPUT: {"type": "url_text_input", "value": link}},
        OWNER: {INPUT: {"type": "users_select", "selected_user": owner}},
        INTERVAL: {INPUT: state_number(interval)},
        LAST_REVIEWED: {INPUT: state_date(last_reviewed.isoformat() if last_reviewed else None)},
    }


def review_state(*, on: date | None, summary: str | None) -> dict[str, Any]:
    """The mark-reviewed modal's state values."""
    return {
        REVIEWED_ON: {INPUT: state_date(on.isoformat() if on else None)},
        SUMMARY: {INPUT: state_text(summary)},
    }


def update_state(*, text: str, destination: str) -> dict[str, Any]:
    """The update draft modal's state values."""
    return {TEXT: {INPUT: state_text(text)}, DESTINATION: {INPUT: state_radio(destination)}}


def latest_view(slack: FakeSlack, callback_id: str, *, after: int = 0) -> dict[str, Any] | None:
    """The newest modal with this callback id opened after the first `after` views."""
    for opened in reversed(slack.opened_views()[after:]):
        if opened.view.get("callback_id") == callback_id:
            return dict(opened.view)
    return None


def as_message(user_id: str, reply: dict[str, Any]) -> Message:
    """A command's ephemeral reply as a message a person can click in."""
    return Message(
        channel=dm_channel_id(user_id), ts="1.0", text=str(reply.get("text", "")), blocks=reply["blocks"]
    )


def policy_button(message: Message, prefix: str, name: str) -> Button:
    """The button with this action prefix under the section naming the policy."""
    blocks = message.blocks or []
    for i, block in enumerate(blocks):
        if block.get("type") == "section" and name in block["text"]["text"] and i + 1 < len(blocks):
            for element in blocks[i + 1].get("elements", []):
                if str(element.get("action_id", "")).startswith(prefix):
                    return Button(element["action_id"], blocks[i + 1]["block_id"], element["value"], "")
    raise AssertionError(f"no {prefix} button for {name!r}")


async def open_register(people: People, user_id: str) -> Message:
    """Type `/pulse policies` and return the reply as a clickable message."""
    status, reply = await people.command(user_id, "/pulse", "policies")
    assert status == 200 and isinstance(reply, dict), reply
    return as_message(user_id, reply)


async def _open(
    people: People, user_id: str, message: Message, button: Button, callback_id: str
) -> dict[str, Any]:
    seen = len(people.slack.opened_views())
    status, _ = await people.click(user_id, message, button)
    assert status == 200
    view: dict[str, Any] = await until(lambda: latest_view(people.slack, callback_id, after=seen))
    return view


async def add_policy(people: People, user_id: str, **fields: Any) -> tuple[int, Any]:
    """Add a policy through `/pulse policies` → Add a policy → the modal; return the submission's answer."""
    register = await open_register(people, user_id)
    add = next(b for b in people.find_buttons(register, ADD_POLICY_ACTION))
    view = await _open(people, user_id, register, add, ADD_POLICY_VIEW)
    return await people.submit_view(
        user_id,
        callback_id=ADD_POLICY_VIEW,
        private_metadata=view["private_metadata"],
        state_values=policy_state(**fields),
    )


async def edit_policy(people: People, user_id: str, current_name: str, **fields: Any) -> tuple[int, Any]:
    """Edit a policy through its Edit button and the modal."""
    register = await open_register(people, user_id)
    view = await _open(
        people, user_id, register, policy_button(register, EDIT_POLICY_ACTION, current_name), EDIT_POLICY_VIEW
    )
    return await people.submit_view(
        user_id,
        callback_id=EDIT_POLICY_VIEW,
        private_metadata=view["private_metadata"],
        state_values=policy_state(**fields),
    )


async def review_policy(
    people: People, user_id: str, name: str, *, on: date | None, summary: str | None
) -> tuple[int, Any]:
    """Mark a policy reviewed through its Mark reviewed button and the modal."""
    register = await open_register(people, user_id)
    view = await _open(
        people, user_id, register, policy_button(register, REVIEW_POLICY_ACTION, name), REVIEW_POLICY_VIEW
    )
    return await people.submit_view(
        user_id,
        callback_id=REVIEW_POLICY_VIEW,
        private_metadata=view["private_metadata"],
        state_values=review_state(on=on, summary=summary),
    )


async def close_action(people: People, user_id: str, action_id: str, *, note: str) -> Message:
    """Close an action through its modal; return the channel's confirmation (with the share button)."""
    slack, channel = people.slack, COORDINATOR_CHANNEL_ID
    seen = len(slack.messages(channel))
    status, body = await people.submit_view(
        user_id,
        callback_id="action_close_view",
        private_metadata=action_id,
        state_values={"note": {"value": state_text(note)}},
    )
    assert status == 200 and not body, body
    found: list[Message] = await until(
        lambda: [m for m in slack.messages(channel)[seen:] if people.find_buttons(m, SHARE_UPDATE_ACTION)]
    )
    return found[0]


async def open_update_draft(people: People, user_id: str, confirmation: Message) -> dict[str, Any]:
    """Click "Share a ‘you said, we did’ update" and return the draft modal."""
    share = people.find_buttons(confirmation, SHARE_UPDATE_ACTION)[0]
    return await _open(people, user_id, confirmation, share, UPDATE_DRAFT_VIEW)


def draft_text_of(view: dict[str, Any]) -> str:
    """The prefilled text of the draft modal."""
    block = next(b for b in view["blocks"] if b.get("block_id") == TEXT)
    return str(block["element"].get("initial_value", ""))


async def submit_draft(
    people: People, user_id: str, draft_view: dict[str, Any], *, text: str, destination: str
) -> dict[str, Any]:
    """Submit the draft; return Slack's answer (an errors map or the preview as an update)."""
    status, body = await people.submit_view(
        user_id,
        callback_id=UPDATE_DRAFT_VIEW,
        private_metadata=draft_view["private_metadata"],
        state_values=update_state(text=text, destination=destination),
    )
    assert status == 200 and isinstance(body, dict), body
    return body


async def publish_preview(people: People, user_id: str, preview: dict[str, Any]) -> None:
    """Submit the preview modal (what Slack sends when Publish is pressed)."""
    status, body = await people.submit_view(
        user_id,
        callback_id=UPDATE_PREVIEW_VIEW,
        private_metadata=preview["private_metadata"],
        state_values={},
    )
    assert status == 200 and not body, body


async def settle_outbox(runtime: Runtime, clock: ManualClock, *, timeout: float = 30.0) -> None:
    """Wait until the outbox has sent (or skipped) everything due by the controlled clock."""

    async def due(until_at: datetime) -> list[datetime]:
        async with runtime.db.session() as session:
            return list(
                await session.exec(
                    select(OutboxMessage.next_attempt_at).where(
                        col(OutboxMessage.status).in_(["pending", "sending"]),
                        col(OutboxMessage.next_attempt_at) <= until_at,
                        # Close-time rewrites of old pulse DMs go at Tier 3 in their own lane and hold
                        # nothing else up; tests/privacy/test_files_slack_after_close.py waits for them.
                        col(OutboxMessage.kind) != "pulse_closed",
                    )
                )
            )

    deadline = time.monotonic() + timeout
    while True:
        runtime.services.outbox.wakeup.set()
        while await due(clock.now()):
            assert time.monotonic() < deadline, "the outbox did not settle"
            runtime.services.outbox.wakeup.set()
            await asyncio.sleep(0.02)
        # Slack's one-message-per-second limit can put a message back a second or two; on a
        # manual clock that second only passes when the test moves time, so move it.
        retries = await due(clock.now() + timedelta(minutes=1))
        if not retries:
            return
        clock.set(max(retries))


async def simulate_policy_and_update(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> list[str]:
    """The demo's step: a policy added and marked reviewed, the first open action closed and its update published."""
    coordinator = workspace.coordinators()[0]
    channel = runtime.settings.coordinator_channel
    today = runtime.services.policies.today()
    lines: list[str] = []
    register = await open_register(people, coordinator)
    lines.append("`/pulse policies` on an empty register answers:")
    lines.append(f"  {(register.blocks or [{}])[0]['text']['text'][:140]}…")
    name = "Dignity at Work policy"
    status, body = await add_policy(
        people,
        coordinator,
        name=name,
        link="https://intranet.example.com/policies/dignity-at-work",
        owner=coordinator,
        interval="12",
        last_reviewed=today - timedelta(days=400),
    )
    assert status == 200 and not body, body
    added = await until(lambda: [m for m in slack.messages(channel) if "policy register" in (m.text or "")])
    lines.append(f"Added through the modal: {added[-1].text}")
    status, body = await review_policy(
        people,
        coordinator,
        name,
        on=today,
        summary="Added the peer-support route and an anonymous reporting option",
    )
    assert status == 200 and not body, body
    reviewed = await until(lambda: [m for m in slack.messages(channel) if "reviewed on" in (m.text or "")])
    lines.append(f"Marked reviewed (the history keeps each review): {reviewed[-1].text}")

    actions = await runtime.services.actions.open_actions(team_id=runtime.services.team_id, by=coordinator)
    if not actions:
        return lines
    action = actions[0]
    confirmation = await close_action(people, coordinator, action.id, note="Ran the campaign in every team.")
    lines.append(f"Closing “{action.title}” posts: {confirmation.text}")
    draft = await open_update_draft(people, coordinator, confirmation)
    text = draft_text_of(draft)
    lines.append("“Share a ‘you said, we did’ update” opens an editable draft:")
    lines.append(f"  {text}")
    refused = await submit_draft(
        people, coordinator, draft, text=f"{text} 3 colleagues asked for it.", destination="dm"
    )
    lines.append(f"  Adding “3 colleagues asked for it.” is refused in the modal: {refused['errors'][TEXT]}")
    answer = await submit_draft(people, coordinator, draft, text=text, destination="dm")
    preview = answer["view"]
    lines.append(
        "  The unchanged draft passes the checks and the modal turns into a preview of exactly what is sent."
    )
    await publish_preview(people, coordinator, preview)
    published = await until(
        lambda: [
            m
            for m in slack.messages(channel)
            if "update" in (m.text or "") and "on its way" in (m.text or "")
        ],
        timeout=20,
    )
    lines.append(f"Shared: {published[-1].text.splitlines()[0]}")
    audience = [m.id for m in await runtime.services.surveys.audience(runtime.services.team_id)]

    def delivered() -> bool:
        return all(any("You said, we did" in (m.text or "") for m in slack.dm_messages(u)) for u in audience)

    await until(delivered, timeout=30)
    lines.append(
        f"  {len(audience)} DMs delivered through the outbox; the next pulse DM carries “Since last time: …”."
    )
    return lines
