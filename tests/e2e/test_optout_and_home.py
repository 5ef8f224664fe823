"""Opting out of and back into pulses, `/pulse` own status, and the App Home tab."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.runtime import Runtime
from handlers.slack.blocks.pulse import slack_date
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import app_home_opened
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace, build_workspace
from storage.models import SurveyRound
from tests.support import eventually, round_settled

_event_ids = itertools.count(1)


@pytest.fixture
def workspace() -> Workspace:
    """A small workspace keeps each round's fan-out quick."""
    return build_workspace(employees=8)


def _employee(workspace: Workspace, n: int = 0) -> str:
    """An active human who is neither coordinator nor supporter."""
    staff = set(workspace.coordinators()) | set(workspace.supporters())
    return [u.id for u in workspace.active_humans() if u.id not in staff][n]


def _text(body: Any) -> str:
    """A slash command's reply: Bolt answers plain text, or JSON with a text field."""
    return body if isinstance(body, str) else str(body["text"])


def _pulses(slack: FakeSlack, people: People, user_id: str) -> int:
    return sum(1 for m in slack.dm_messages(user_id) if people.buttons(m))


async def _send_round(runtime: Runtime, people: People, workspace: Workspace) -> SurveyRound:
    """A coordinator's `/pulse send`, waited on until every due DM has been handled."""
    status, _ = await people.send_pulse(workspace.coordinators()[0])
    assert status == 200
    await runtime.services.drain()
    round_ = await runtime.services.surveys.current_round(team_id=workspace.team_id)
    assert round_ is not None
    await eventually(lambda: round_settled(runtime, round_.id))
    return round_


async def _home(people: People, slack: FakeSlack, user_id: str) -> str:
    """Open the App Home tab as the user; return the published view as text."""
    published = len(slack.calls_to("views.publish"))
    status, _ = await people.event(app_home_opened(user_id), event_id=f"EvHome{next(_event_ids):06d}")
    assert status == 200
    calls = await eventually(lambda: slack.calls_to("views.publish")[published:])
    assert [c.args["user_id"] for c in calls] == [user_id]
    view = slack.home_view(user_id)
    assert view is not None
    assert view["type"] == "home"
    return json.dumps(view["blocks"], ensure_ascii=False)


# --- opting out and back in -----------------------------------------------------------------


async def test_opted_out_user_gets_no_pulse_dm(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    quitter = _employee(workspace)
    status, body = await people.command(quitter, "/pulse", "optout")
    assert status == 200
    assert "opted out" in _text(body).lower()

    round_ = await _send_round(runtime, people, workspace)

    others = [u.id for u in workspace.active_humans() if u.id != quitter]
    assert all(_pulses(slack, people, u) == 1 for u in others)
    assert slack.dm_messages(quitter) == []
    assert round_.invited == len(others)


async def test_opting_back_in_reaches_the_next_round(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    user = _employee(workspace)
    await people.command(user, "/pulse", "optout")
    first = await _send_round(runtime, people, workspace)
    assert _pulses(slack, people, user) == 0
    await runtime.services.surveys.close_round(first.id)

    status, _ = await people.command(user, "/pulse", "optin")
    assert status == 200
    await _send_round(runtime, people, workspace)

    assert _pulses(slack, people, user) == 1


async def test_opting_out_mid_round_cancels_the_reminder(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    user = _employee(workspace)
    round_ = await _send_round(runtime, people, workspace)
    assert len(slack.dm_messages(user)) == 1
    await people.command(user, "/pulse", "optout")

    # Just before the window ends, every reminder is due.
    clock.set(round_.closes_at - (round_.closes_at - round_.opened_at) / 10)
    runtime.services.outbox.wakeup.set()
    await eventually(lambda: round_settled(runtime, round_.id))

    assert len(slack.dm_messages(user)) == 1
    other = _employee(workspace, 1)
    assert len(slack.dm_messages(other)) == 2  # the pulse and its one reminder


# --- /pulse own status ----------------------------------------------------------------------


async def test_pulse_shows_own_opt_out_state_and_open_round(
    runtime: Runtime, people: People, workspace: Workspace
) -> None:
    user = _employee(workspace)
    _, idle = await people.command(user, "/pulse")
    await people.command(user, "/pulse", "optout")
    _, opted_out = await people.command(user, "/pulse")
    await people.command(user, "/pulse", "optin")
    await _send_round(runtime, people, workspace)
    _, open_ = await people.command(user, "/pulse")

    assert "opted out" not in _text(idle).lower()
    assert "no pulse" in _text(idle).lower()
    assert "opted out" in _text(opted_out).lower()
    assert "opted out" not in _text(open_).lower()
    assert "no pulse" not in _text(open_).lower()
    assert "open" in _text(open_).lower()
    # The deadline in the reader's own time zone (Slack's date token), never bare UTC.
    round_ = await runtime.services.surveys.current_round(team_id=workspace.team_id)
    assert round_ is not None
    closes = slack_date(round_.closes_at, zone=runtime.settings.default_timezone)
    assert f"open until {closes} — it's in your DMs" in _text(open_)


# --- App Home -------------------------------------------------------------------------------


async def test_app_home_shows_the_open_survey(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    user = _employee(workspace)
    idle = await _home(people, slack, user)

    await _send_round(runtime, people, workspace)
    open_ = await _home(people, slack, user)

    assert "no pulse" in idle.lower()
    assert "no pulse" not in open_.lower()
    assert "open" in open_.lower()
    round_ = await runtime.services.surveys.current_round(team_id=workspace.team_id)
    assert round_ is not None
    closes = slack_date(round_.closes_at, zone=runtime.settings.default_timezone)
    assert f"*A pulse is open* until {closes}" in json.loads(open_)[1]["text"]["text"]


async def test_app_home_says_how_to_reach_each_peer_supporter(
    people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    home = await _home(people, slack, _employee(workspace))

    assert workspace.supporters()
    for supporter in workspace.supporters():
        assert f"<@{supporter}>" in home
    assert "supporter" in home.lower()


async def test_app_home_makes_the_confidentiality_promise(
    people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    home = (await _home(people, slack, _employee(workspace))).lower()

    assert "confidential" in home
    assert "without your name" in home or "anonymous" in home


async def test_app_home_shows_coordinator_tools_only_to_coordinators(
    people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    employee = await _home(people, slack, _employee(workspace))
    coordinator = await _home(people, slack, workspace.coordinators()[0])

    for tool in ("/pulse send", "/pulse status"):
        assert tool in coordinator
        assert tool not in employee


async def test_help_shows_coordinator_subcommands_only_to_coordinators(
    runtime: Runtime, people: People, workspace: Workspace
) -> None:
    employee, coordinator = _employee(workspace), workspace.coordinators()[0]
    for user, sees_admin in ((employee, False), (coordinator, True)):
        for text in ("help", "no-such-thing"):
            status, body = await people.command(user, "/pulse", text)
            assert status == 200
            shown = _text(body)
            assert "`/pulse optout`" in shown
            assert ("`/pulse send`" in shown) is sees_admin and ("Coordinators" in shown) is sees_admin
