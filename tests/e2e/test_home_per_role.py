"""App Home per role, end to end: signed events to the real app, the fake Slack, a real database.

Each home is within Block Kit's limits for a Home tab, and shows only what its reader's roles may see:
an employee nothing of supporters' or coordinators', a supporter only their own sessions, a coordinator
the open round's participation told no finer than the k rule allows.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.measures import numeric_constructs
from bot.policies import PolicyForm
from bot.roles import SYSTEM
from bot.runtime import Runtime
from bot.support import SessionSummary
from handlers.shared.home_words import COORDINATOR_HEADER, SUPPORTER_HEADER
from handlers.shared.peer_log_words import session_line
from handlers.slack.blocks.home import HOME_LOG_SESSION_ACTION, HOME_LOG_TRAINING_ACTION, app_messages_link
from handlers.slack.blocks.peer_log import SESSION_VIEW
from handlers.slack.blocks.pulse import slack_date
from handlers.slack.simulation.people import People
from handlers.slack.simulation.people_support import (
    local_today,
    open_modal,
    session_state,
    submit,
    training_form_state,
)
from handlers.slack.simulation.signing import app_home_opened, block_actions
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import APP_ID, Workspace, build_workspace
from tests.support import eventually, round_settled

_event_ids = itertools.count(1)
# Words only a supporter's or a coordinator's home carries.
SUPPORTER_ONLY = (
    SUPPORTER_HEADER,
    "Your training",
    "Follow-ups due",
    "Your latest sessions",
    "Log a session",
)
COORDINATOR_ONLY = (
    COORDINATOR_HEADER,
    "Answered",
    "Open actions",
    "Policy reviews due",
    "Last digest",
    "/pulse send",
)


@pytest.fixture
def workspace() -> Workspace:
    """A small workspace keeps each round's fan-out quick."""
    return build_workspace(employees=8)


def _employees(workspace: Workspace) -> list[str]:
    staff = set(workspace.coordinators()) | set(workspace.supporters())
    return [u.id for u in workspace.active_humans() if u.id not in staff]


def _supporters(workspace: Workspace) -> list[str]:
    """Supporters who are not also coordinators."""
    return [u for u in workspace.supporters() if u not in set(workspace.coordinators())]


def _texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        if value.get("type") in ("plain_text", "mrkdwn") and isinstance(value.get("text"), str):
            return [value["text"]]
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def _check_home(view: dict[str, Any]) -> None:
    """Slack's documented limits for a Home tab view and the blocks it uses."""
    assert view["type"] == "home"
    blocks = view["blocks"]
    assert 0 < len(blocks) <= 100
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids))
    action_ids: list[str] = []
    for block in blocks:
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text" and len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "context":
            assert 0 < len(block["elements"]) <= 10
            assert all(len(e["text"]) <= 3000 for e in block["elements"])
        buttons = block.get("elements", []) if block["type"] == "actions" else []
        if "accessory" in block:
            buttons = [block["accessory"]]
        assert len(buttons) <= 25
        for button in buttons:
            assert button["type"] == "button"
            assert len(button["text"]["text"]) <= 75
            assert len(button.get("value", "")) <= 2000
            assert len(button.get("url", "")) <= 3000
            assert len(button["action_id"]) <= 255
            action_ids.append(button["action_id"])
    assert len(action_ids) == len(set(action_ids))


async def _home(people: People, slack: FakeSlack, user_id: str) -> tuple[dict[str, Any], str]:
    """Open the App Home tab as the user; the published view (checked against the limits) and its text."""
    published = len(slack.calls_to("views.publish"))
    status, _ = await people.event(app_home_opened(user_id), event_id=f"EvRoleHome{next(_event_ids):06d}")
    assert status == 200
    calls = await eventually(lambda: slack.calls_to("views.publish")[published:])
    assert [c.args["user_id"] for c in calls] == [user_id]
    view = slack.home_view(user_id)
    assert view is not None
    _check_home(view)
    return view, "\n".join(_texts(view["blocks"]))


async def _send_round(runtime: Runtime, people: People, workspace: Workspace) -> list[str]:
    """A coordinator's `/pulse send`; who has their pulse DM once everything due now was sent."""
    status, _ = await people.send_pulse(workspace.coordinators()[0])
    assert status == 200
    await runtime.services.drain()
    round_ = await runtime.services.surveys.current_round(team_id=workspace.team_id)
    assert round_ is not None

    await eventually(lambda: round_settled(runtime, round_.id))
    return [u.id for u in workspace.active_humans() if people.pulse_message(u.id) is not None]


async def _log_session(
    people: People, slack: FakeSlack, workspace: Workspace, user_id: str, **state: Any
) -> None:
    view = await open_modal(people, slack, user_id)
    status, body = await submit(people, user_id, view, session_state(**state))
    assert status == 200, body


# --- employee ---------------------------------------------------------------------------------


async def test_an_employee_home_shows_their_pulse_a_supporter_and_the_real_promise_and_nothing_more(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    supporter = _supporters(workspace)[0]
    await _log_session(people, slack, workspace, supporter, on=local_today(workspace, supporter))
    reached = await _send_round(runtime, people, workspace)
    employee = next(u for u in _employees(workspace) if u in reached)

    view, text = await _home(people, slack, employee)

    round_ = await runtime.services.surveys.current_round(team_id=workspace.team_id)
    assert round_ is not None
    closes = slack_date(round_.closes_at, zone=runtime.settings.default_timezone)
    assert f"*A pulse is open* until {closes}" in text
    # A way to reach it: a button that opens the person's own pulse DM.
    pulse_dm = people.pulse_message(employee)
    assert pulse_dm is not None
    opener = view["blocks"][1]["accessory"]
    assert opener["text"]["text"] == "Open my pulse"
    assert opener["url"] == app_messages_link(app_id=APP_ID, team_id=workspace.team_id)
    for other in _supporters(workspace):
        assert f"<@{other}>" in text
    # The promise with the real settings, and how to stop.
    s = runtime.settings
    assert f"groups of *{s.min_group_size} or more* people" in text
    assert f"deleted after *{s.retention_days} days*" in text
    assert "/pulse optout" in text
    for words in SUPPORTER_ONLY + COORDINATOR_ONLY:
        assert words not in text, words
    actions = {b.get("accessory", {}).get("action_id") for b in view["blocks"]}
    actions |= {e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert not actions & {HOME_LOG_SESSION_ACTION, HOME_LOG_TRAINING_ACTION, "policy_add"}

    # Answered: thanked, and the button lets them change their answers.
    assert await people.answer_pulse(employee, lambda _q, options: options[0]) > 0
    _, answered = await _home(people, slack, employee)
    assert "You've answered this week's pulse" in answered


# --- supporter --------------------------------------------------------------------------------


async def test_a_supporter_home_shows_their_own_training_follow_ups_and_sessions_never_anothers(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    me, other = _supporters(workspace)[:2]
    today = local_today(workspace, me)
    await _log_session(
        people, slack, workspace, me, on=today, minutes=35, follow_up_on=today + timedelta(days=2)
    )
    await _log_session(people, slack, workspace, me, on=today - timedelta(days=3), minutes=40)
    await _log_session(
        people,
        slack,
        workspace,
        other,
        on=local_today(workspace, other) - timedelta(days=1),
        minutes=95,
        category="exclusion",
        follow_up_on=local_today(workspace, other) + timedelta(days=1),
    )
    training = await open_modal(people, slack, me, "training")
    status, _ = await submit(people, me, training, training_form_state(on=today - timedelta(days=10)))
    assert status == 200

    view, text = await _home(people, slack, me)

    taxonomy = runtime.services.support.taxonomy
    mine: list[SessionSummary] = await runtime.services.support.recent_sessions(supporter_id=me)
    theirs: list[SessionSummary] = await runtime.services.support.recent_sessions(supporter_id=other)
    assert len(mine) == 2 and len(theirs) == 1
    for session in mine:
        assert session_line(session, taxonomy) in text
    assert session_line(theirs[0], taxonomy) not in text
    assert "1 h 35" not in text and "95 min" not in text
    assert "Your training is current until" in text
    follow_up = today + timedelta(days=2)
    assert f"*{follow_up:%a %d %b}* — from your session of {today:%a %d %b}" in text
    assert text.count("— from your session of") == 1  # the other supporter's follow-up is theirs alone
    assert SUPPORTER_HEADER in text
    for words in COORDINATOR_ONLY:
        assert words not in text, words

    # The other supporter, with no training recorded, is told plainly.
    _, their_text = await _home(people, slack, other)
    assert "You have no training recorded yet." in their_text
    for session in mine:
        assert session_line(session, taxonomy) not in their_text

    # "Log a session" opens the same modal as /peer-log.
    before = len(slack.opened_views())
    status, _ = await people.post(
        block_actions(
            user_id=me,
            action_id=HOME_LOG_SESSION_ACTION,
            block_id="home_supporter_tasks",
            trigger_id=slack.new_trigger_id(me),
            view=view,
        )
    )
    assert status == 200
    opened = await eventually(lambda: slack.opened_views()[before:])
    assert opened[-1].user_id == me and opened[-1].view["callback_id"] == SESSION_VIEW


async def test_an_employee_cannot_open_the_supporters_form_from_a_home_button(
    people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    employee = _employees(workspace)[0]
    before = len(slack.opened_views())
    status, _ = await people.post(
        block_actions(
            user_id=employee,
            action_id=HOME_LOG_SESSION_ACTION,
            block_id="home_supporter_tasks",
            trigger_id=slack.new_trigger_id(employee),
            view={"type": "home", "blocks": []},
        )
    )
    assert status == 200
    assert slack.opened_views()[before:] == []


# --- coordinator ------------------------------------------------------------------------------


async def test_a_coordinator_home_suppresses_participation_below_k_and_lists_what_needs_doing(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    coordinator = workspace.coordinators()[0]
    k = runtime.settings.min_group_size
    _, idle = await _home(people, slack, coordinator)
    assert "No pulse is open right now" in idle
    assert "No open actions." in idle and "No policy review is due." in idle
    assert "No digest has been posted yet." in idle

    services = runtime.services
    team = workspace.team_id
    action = await services.actions.adopt(
        team_id=team,
        practice_id="listening",
        title="Run listening circles",
        owner_id=coordinator,
        by=coordinator,
        due_on=clock.now().date() + timedelta(days=14),
        construct=numeric_constructs(services.surveys.bank)[0],
        success_measure="",
    )
    overdue = (clock.now().date() - timedelta(days=800)).isoformat()
    await services.policies.add(
        team_id=team,
        form=PolicyForm(
            name="Dignity at work",
            link="https://intranet.example.com/dignity",
            owner_id=coordinator,
            interval_months="12",
            last_reviewed_on=overdue,
        ),
        by=coordinator,
    )
    reached = await _send_round(runtime, people, workspace)
    answerers = [u for u in reached if u != coordinator][:k]
    assert len(answerers) == k
    for person in answerers[: k - 1]:
        assert await people.answer_pulse(person, lambda _q, options: options[0]) > 0

    async def answered(count: int) -> bool:
        round_ = await services.surveys.current_round(team_id=team)
        assert round_ is not None
        return (await services.surveys.status(round_, by=SYSTEM)).answered == count

    await eventually(lambda: answered(k - 1))
    view, below = await _home(people, slack, coordinator)
    assert f"Answered: fewer than {k} so far (counts under {k} are not shown)" in below
    assert f"Answered: {k - 1}" not in below
    assert "Run listening circles" in below
    assert "Dignity at work" in below and "overdue by" in below
    # The buttons reuse the actions' and policies' own: Update opens the action, Mark reviewed the policy.
    accessories = [b["accessory"] for b in view["blocks"] if "accessory" in b]
    assert {"value": action.id, "label": "Update"} in [
        {"value": a.get("value"), "label": a["text"]["text"]} for a in accessories
    ]
    assert any(a["text"]["text"] == "Mark reviewed" for a in accessories)
    assert "Add a policy" in below and "/pulse send" in below
    # A coordinator is an employee too: their own pulse and the promise are there.
    assert "*Your surveys*" in below and "confidentiality promise" in below

    await people.answer_pulse(answerers[-1], lambda _q, options: options[0])
    await eventually(lambda: answered(k))
    _, at_k = await _home(people, slack, coordinator)
    assert f"Answered: at least {k} so far (shown in steps of {k})" in at_k

    status, _ = await people.command(coordinator, "/pulse", "digest")
    assert status == 200
    await services.drain()
    _, after_digest = await _home(people, slack, coordinator)
    assert "*Last digest*\nPosted <!date^" in after_digest


async def test_an_employee_or_supporter_home_carries_no_coordinator_figure(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    reached = await _send_round(runtime, people, workspace)
    employees = [u for u in reached if u in _employees(workspace)]
    for person in employees[: runtime.settings.min_group_size]:
        assert await people.answer_pulse(person, lambda _q, options: options[0]) > 0
    for reader in (employees[-1], _supporters(workspace)[0]):
        _, text = await _home(people, slack, reader)
        for words in COORDINATOR_ONLY:
            assert words not in text, (reader, words)
