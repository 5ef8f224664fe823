"""`/peer-log` end to end: signed requests, the fake Slack, the real app and a real database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.support import (
    CATEGORY,
    COMPLETED_ON,
    CONTACT_CHANNEL,
    COURSE,
    DATE,
    DURATION,
    FOLLOW_UP_ON,
    HOURS,
    NOTE,
    OUTCOME,
    TOPIC,
    released_period,
)
from handlers.slack.blocks.peer_log import DELETE_ACTION, EDIT_ACTION
from handlers.slack.simulation.people import People
from handlers.slack.simulation.people_support import (
    local_today,
    open_modal,
    session_state,
    simulate_supporters,
    submit,
    training_form_state,
)
from handlers.slack.simulation.signing import block_actions
from handlers.slack.simulation.slack_api import FakeSlack, OpenedView
from handlers.slack.simulation.workspace import BOT_USER_ID, SUPPORTERS_CHANNEL_ID, Workspace
from storage.support_models import SupportFollowUp, SupportSession, SupportTraining
from tests.support import eventually


def _outsider(workspace: Workspace) -> str:
    roles = set(workspace.supporters()) | set(workspace.coordinators())
    return next(u.id for u in workspace.active_humans() if u.id not in roles)


async def _sessions(runtime: Runtime) -> list[SupportSession]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(SupportSession)))


def _dm_texts(slack: FakeSlack, user_id: str) -> list[str]:
    return [m.text for m in slack.dm_messages(user_id)]


def _text(reply: Any) -> str:
    # Bolt answers a text-only ack with the bare text, and one with blocks with JSON.
    return reply if isinstance(reply, str) else str(reply["text"])


def _buttons(blocks: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("type") == "button":
                found.setdefault(element["action_id"], []).append(element["value"])
    return found


async def test_supporter_logs_a_session_from_command_to_confirmation(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    supporter = workspace.supporters()[0]
    view = await open_modal(people, slack, supporter)
    block_ids = [b.get("block_id") for b in view.view["blocks"] if b["type"] == "input"]
    assert block_ids == [DATE, DURATION, CATEGORY, CONTACT_CHANNEL, OUTCOME, "follow_up", FOLLOW_UP_ON, NOTE]

    today = local_today(workspace, supporter, clock.now())
    note = "Wants to talk again. Reach me on <@U0ABCDEF12> or ana@example.com, +44 20 7946 0958."
    status, body = await submit(
        people,
        supporter,
        view,
        session_state(
            on=today,
            minutes=45,
            category="exclusion",
            channel="in_person",
            outcome="referred_eap",
            follow_up_on=today + timedelta(days=5),
            note=note,
        ),
    )
    assert (status, body) == (200, "")

    [row] = await _sessions(runtime)
    assert (row.supporter_id, row.session_date, row.duration_minutes) == (supporter, today, 45)
    assert (row.category, row.contact_channel, row.outcome) == ("exclusion", "in_person", "referred_eap")
    assert row.follow_up_on == today + timedelta(days=5)
    # Scrubbed before storage: no mention, email or phone number survives.
    assert row.note == "Wants to talk again. Reach me on [person] or [email], [phone]."
    async with runtime.db.session() as session:
        [follow_up] = list(await session.exec(select(SupportFollowUp)))
    assert (follow_up.session_id, follow_up.due_on, follow_up.done_at) == (row.id, row.follow_up_on, None)

    confirmation = await eventually(
        lambda: [m for m in slack.dm_messages(supporter) if "Session logged" in m.text]
    )
    rendered = str(confirmation[0].blocks)
    assert "Exclusion or isolation" in rendered
    assert "Referred to EAP" in rendered
    assert "contact details were removed" in rendered
    assert "ana@example.com" not in rendered


async def test_each_validation_rule_answers_next_to_its_field(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    supporter = workspace.supporters()[1]
    today = local_today(workspace, supporter, clock.now())
    colleague = next(u for u in workspace.active_humans() if u.id != supporter)
    cases: list[tuple[dict[str, Any], str, str]] = [
        (session_state(on=None), DATE, "Pick the date"),
        (session_state(on=today + timedelta(days=1)), DATE, "can't be in the future"),
        (session_state(on=today - timedelta(days=31)), DATE, "last 30 days"),
        (session_state(on=today, minutes=None), DURATION, "whole minutes"),
        (session_state(on=today, minutes=4), DURATION, "Between 5 and 480"),
        (session_state(on=today, minutes=481), DURATION, "Between 5 and 480"),
        (session_state(on=today, category=None), CATEGORY, "Choose a category"),
        (session_state(on=today, category="gossip"), CATEGORY, "Choose a category"),
        (session_state(on=today, channel=None), CONTACT_CHANNEL, "how you talked"),
        (session_state(on=today, outcome=None), OUTCOME, "Choose the outcome"),
        (session_state(on=today, follow_up=True), FOLLOW_UP_ON, "Pick a date for the follow-up"),
        (
            session_state(on=today, follow_up_on=today - timedelta(days=1)),
            FOLLOW_UP_ON,
            "can't be in the past",
        ),
        (session_state(on=today, follow_up_on=today + timedelta(days=91)), FOLLOW_UP_ON, "within 90 days"),
        (session_state(on=today, note="x" * 501), NOTE, "500 characters"),
        (
            session_state(on=today, note=f"Spoke with {colleague.real_name.lower()} about the team lead."),
            NOTE,
            "names someone in the workspace",
        ),
    ]
    view = await open_modal(people, slack, supporter)
    for state, block, fragment in cases:
        status, body = await submit(people, supporter, view, state)
        assert status == 200
        assert isinstance(body, dict), (block, body)
        assert body["response_action"] == "errors"
        assert set(body["errors"]) == {block}, (fragment, body)
        assert fragment in body["errors"][block]
    assert await _sessions(runtime) == []

    # The same modal, corrected, goes through: a refusal never loses the form.
    status, body = await submit(people, supporter, view, session_state(on=today, minutes=5))
    assert (status, body) == (200, "")
    assert len(await _sessions(runtime)) == 1


async def test_list_shows_only_own_sessions_with_edit_and_delete_for_24_hours(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    alice, bob = workspace.supporters()[:2]
    today = local_today(workspace, alice, clock.now())
    for minutes in (20, 40):
        view = await open_modal(people, slack, alice)
        assert await submit(
            people, alice, view, session_state(on=today, minutes=minutes, note="Met for coffee.")
        ) == (
            200,
            "",
        )
    view = await open_modal(people, slack, bob)
    assert await submit(
        people, bob, view, session_state(on=local_today(workspace, bob, clock.now()), minutes=90)
    ) == (
        200,
        "",
    )

    status, reply = await people.command(alice, "/peer-log", "list")
    assert status == 200
    rendered = str(reply["blocks"])
    assert "Your last 2 sessions" in rendered
    assert "40 min" in rendered
    assert "20 min" in rendered
    assert "1 h 30 min" not in rendered  # bob's session
    buttons = _buttons(reply["blocks"])
    alice_ids = {s.id for s in await _sessions(runtime) if s.supporter_id == alice}
    assert set(buttons[EDIT_ACTION]) == alice_ids
    assert set(buttons[DELETE_ACTION]) == alice_ids

    # Edit: the modal opens prefilled, and saving changes the stored row.
    newest = buttons[EDIT_ACTION][0]
    await people.post(
        block_actions(
            user_id=alice, action_id=EDIT_ACTION, value=newest, trigger_id=slack.new_trigger_id(alice)
        )
    )
    [edit_view] = await eventually(lambda: _edit_views(slack, alice))
    assert edit_view.view["title"]["text"] == "Edit session"
    status, body = await submit(people, alice, edit_view, session_state(on=today, minutes=55))
    assert (status, body) == (200, "")
    async with runtime.db.session() as session:
        edited = await session.get(SupportSession, newest)
    assert edited is not None
    assert edited.duration_minutes == 55
    assert edited.updated_at == clock.now()
    await eventually(lambda: [t for t in _dm_texts(slack, alice) if t.startswith("Session updated")])

    # Bob cannot touch Alice's session, even with its id.
    await people.post(block_actions(user_id=bob, action_id=DELETE_ACTION, value=newest))
    await eventually(lambda: [e for e in slack.ephemerals(bob) if "no longer exists" in e.text])
    assert newest in {s.id for s in await _sessions(runtime)}

    # Delete: gone from storage, and the list is redrawn through the response URL.
    response_url = slack.new_response_url()
    oldest = buttons[DELETE_ACTION][1]
    await people.post(
        block_actions(user_id=alice, action_id=DELETE_ACTION, value=oldest, response_url=response_url)
    )
    redrawn = await eventually(lambda: slack.responses(response_url))
    assert "Session deleted" in str(redrawn[0].body["blocks"])
    assert oldest not in {s.id for s in await _sessions(runtime)}

    # A day later the window has closed: no buttons, and an old button is refused.
    clock.advance(timedelta(hours=24))
    status, reply = await people.command(alice, "/peer-log", "list")
    assert "*Your last session*" in str(reply["blocks"])
    assert _buttons(reply["blocks"]) == {}
    await people.post(
        block_actions(
            user_id=alice, action_id=EDIT_ACTION, value=newest, trigger_id=slack.new_trigger_id(alice)
        )
    )
    await eventually(lambda: [e for e in slack.ephemerals(alice) if "24 hours" in e.text])
    assert len(_edit_views(slack, alice)) == 1
    # A modal left open past the window is refused on submit, in the modal.
    status, body = await submit(people, alice, edit_view, session_state(on=today, minutes=70))
    assert "24 hours" in body["errors"][DATE]
    async with runtime.db.session() as session:
        unchanged = await session.get(SupportSession, newest)
    assert unchanged is not None
    assert unchanged.duration_minutes == 55


def _edit_views(slack: FakeSlack, user_id: str) -> list[OpenedView]:
    return [v for v in slack.opened_views() if v.user_id == user_id and v.view.get("private_metadata")]


async def test_non_supporter_is_refused_everywhere(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    outsider = _outsider(workspace)
    for text in ("", "list", "training"):
        status, reply = await people.command(outsider, "/peer-log", text)
        assert status == 200
        assert "Only peer supporters" in _text(reply)
    assert slack.opened_views() == []
    # A forged submission (no modal was ever opened for them) stores nothing.
    status, body = await people.submit_view(
        outsider,
        callback_id="peer_log",
        private_metadata="",
        state_values=session_state(on=local_today(workspace, outsider, clock.now())),
    )
    assert "Only peer supporters" in body["errors"][DATE]
    assert await _sessions(runtime) == []


async def test_supporter_removed_from_the_channel_loses_access(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    supporter = workspace.supporters()[2]
    view = await open_modal(people, slack, supporter)
    slack.remove_member(SUPPORTERS_CHANNEL_ID, supporter)
    # Roles are read live from Slack behind a cache of at most 60 s (ROLE_CACHE_SECONDS); dropping
    # the cache stands in for that minute passing, so the very next request sees the new membership.
    runtime.services.roles.forget()

    status, body = await submit(
        people, supporter, view, session_state(on=local_today(workspace, supporter, clock.now()))
    )
    assert status == 200
    assert "Only peer supporters" in body["errors"][DATE]
    _, reply = await people.command(supporter, "/peer-log", "")
    assert "Only peer supporters" in _text(reply)
    assert await _sessions(runtime) == []


@pytest.mark.parametrize("text", ["help", "frobnicate"])
async def test_help_and_unknown_subcommands_print_usage(
    people: People, workspace: Workspace, text: str
) -> None:
    status, reply = await people.command(workspace.supporters()[0], "/peer-log", text)
    assert status == 200
    assert "`/peer-log list`" in _text(reply)
    assert "`/peer-log training`" in _text(reply)
    assert ("I don't know `/peer-log frobnicate`" in _text(reply)) == (text == "frobnicate")


async def test_training_is_recorded_with_validation_and_a_confirmation(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    supporter = workspace.supporters()[0]
    today = local_today(workspace, supporter, clock.now())
    view = await open_modal(people, slack, supporter, "training")
    refusals = [
        (training_form_state(course=None, on=today), COURSE, "Pick a course"),
        (training_form_state(topic="Trauma-informed listening", on=today), TOPIC, "not both"),
        (training_form_state(on=today + timedelta(days=1)), COMPLETED_ON, "future"),
        (training_form_state(on=today, hours="0.25"), HOURS, "Between 0.5 and 100"),
        (training_form_state(on=today, hours=None), HOURS, "Enter the hours"),
    ]
    for state, block, fragment in refusals:
        status, body = await submit(people, supporter, view, state)
        assert fragment in body["errors"][block], body
    status, body = await submit(
        people, supporter, view, training_form_state(course=None, topic="Trauma-informed listening", on=today)
    )
    assert (status, body) == (200, "")
    async with runtime.db.session() as session:
        [training] = list(await session.exec(select(SupportTraining)))
    assert (training.supporter_id, training.course_id, training.title) == (
        supporter,
        None,
        "Trauma-informed listening",
    )
    assert training.hours == 1.5
    until = today + timedelta(days=runtime.settings.training_valid_days)
    confirmation = await eventually(
        lambda: [m for m in slack.dm_messages(supporter) if "Training recorded" in m.text]
    )
    assert f"current until {until:%a %d %b %Y}" in str(confirmation[0].blocks)


async def test_coordinators_see_per_supporter_aggregates_without_session_detail(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    alice, bob, carol = workspace.supporters()
    # Days into a fresh 4-week period; its figures are released when it completes.
    _, period_start = released_period(clock.now() + timedelta(weeks=4))
    clock.set(period_start + timedelta(days=3))
    a_today = local_today(workspace, alice, clock.now())
    b_today = local_today(workspace, bob, clock.now())
    sessions = [(alice, a_today, 60, None)] * 4 + [(alice, a_today, 30, a_today + timedelta(days=2))]
    sessions += [(bob, b_today, 30, None)] * 5
    for supporter, day, minutes, follow_up in sessions:
        view = await open_modal(people, slack, supporter)
        state = session_state(on=day, minutes=minutes, follow_up_on=follow_up, note="Private detail 4711.")
        assert await submit(people, supporter, view, state) == (200, "")
    view = await open_modal(people, slack, bob, "training")
    assert await submit(
        people, bob, view, training_form_state(on=local_today(workspace, bob, clock.now()))
    ) == (
        200,
        "",
    )
    coordinator = workspace.coordinators()[0]

    clock.advance(timedelta(days=4))  # alice's follow-up is now overdue, but the period is running
    status, reply = await people.command(coordinator, "/pulse", "supporters")
    assert status == 200
    alice_line = next(line for line in _text(reply).splitlines() if f"<@{alice}>" in line)
    assert "— 0 sessions, 0.0 h" in alice_line

    clock.set(period_start + timedelta(weeks=4, hours=1))  # the period has completed
    status, reply = await people.command(coordinator, "/pulse", "supporters")
    assert status == 200
    text = _text(reply)
    alice_line = next(line for line in text.splitlines() if f"<@{alice}>" in line)
    assert "5 sessions, 4.5 h" in alice_line
    assert "none recorded" in alice_line
    # One overdue follow-up is fewer than k: neither the row nor the total shows it.
    assert "follow-up" not in alice_line
    assert "follow-ups overdue at the end of the period withheld" in text
    bob_line = next(line for line in text.splitlines() if f"<@{bob}>" in line)
    assert "5 sessions, 2.5 h" in bob_line
    assert "current until" in bob_line
    assert f"<@{carol}>" in text and "*Total:* 10 sessions, 7.0 h" in text
    assert f"<@{BOT_USER_ID}>" not in text  # the bot sits in the supporters channel but is none
    # Aggregates only: no note, category, outcome or date of any session.
    for detail in ("4711", "Verbal abuse", "Listened", f"{a_today:%a %d %b}"):
        assert detail not in text

    # Supporters are not coordinators.
    _, reply = await people.command(alice, "/pulse", "supporters")
    assert "Only program coordinators" in _text(reply)


async def test_simulated_supporters_log_sessions_and_training(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    summary = await simulate_supporters(people, slack, workspace, seed=3)
    sessions = await _sessions(runtime)
    assert len(summary) == len(workspace.supporters())
    assert {s.supporter_id for s in sessions} == set(workspace.supporters())
    assert all(1 <= sum(s.supporter_id == u for s in sessions) <= 3 for u in workspace.supporters())
    async with runtime.db.session() as session:
        trainings = list(await session.exec(select(SupportTraining)))
    assert sorted(t.supporter_id for t in trainings) == sorted(workspace.supporters())
