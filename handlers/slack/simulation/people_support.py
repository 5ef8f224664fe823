"""Simulated peer supporters: they type `/peer-log`, fill the modal the app opened, and submit it.

Used by the e2e tests and by `make demo` (`simulate_supporters`). Everything goes through signed
requests to the running app and the fake Slack, exactly as Slack would deliver it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.support import (
    CATEGORY,
    COMPLETED_ON,
    CONTACT_CHANNEL,
    COURSE,
    DATE,
    DURATION,
    FOLLOW_UP,
    FOLLOW_UP_ON,
    HOURS,
    NOTE,
    OUTCOME,
    TOPIC,
)
from handlers.slack.blocks.peer_log import FOLLOW_UP_YES, INPUT, SESSION_VIEW, TRAINING_VIEW
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import (
    state_checkboxes,
    state_date,
    state_number,
    state_radio,
    state_select,
    state_text,
)
from handlers.slack.simulation.slack_api import FakeSlack, OpenedView
from handlers.slack.simulation.workspace import Workspace

# Notes as a supporter might write them: about the situation and next steps, never a name.
NOTES = (
    "Talked through what happened in the team meeting; they want to keep a written record for now.",
    "Shared the EAP number and the bullying policy. Will check in after their one-to-one.",
    "Mostly listened. They felt better having said it out loud; no action wanted yet.",
    "Messages late at night from a colleague. Went through options, including talking to HR.",
    "Workload keeps being shifted onto them without notice. Agreed to note dates and examples.",
)


def local_today(workspace: Workspace, user_id: str, now: datetime | None = None) -> date:
    """The user's local date in the simulated workspace."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(ZoneInfo(workspace.users[user_id].tz)).date()


def session_state(
    *,
    on: date | None,
    minutes: int | str | None = 30,
    category: str | None = "verbal_abuse",
    channel: str | None = "chat",
    outcome: str | None = "listened",
    follow_up_on: date | None = None,
    follow_up: bool | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """The session modal's state values as Slack submits them."""
    ticked = follow_up if follow_up is not None else follow_up_on is not None
    return {
        DATE: {INPUT: state_date(on.isoformat() if on else None)},
        DURATION: {INPUT: state_number(None if minutes is None else str(minutes))},
        CATEGORY: {INPUT: state_select(category)},
        CONTACT_CHANNEL: {INPUT: state_radio(channel)},
        OUTCOME: {INPUT: state_select(outcome)},
        FOLLOW_UP: {INPUT: state_checkboxes([FOLLOW_UP_YES] if ticked else [])},
        FOLLOW_UP_ON: {INPUT: state_date(follow_up_on.isoformat() if follow_up_on else None)},
        NOTE: {INPUT: state_text(note)},
    }


def training_form_state(
    *,
    course: str | None = "active_listening",
    topic: str | None = None,
    on: date | None,
    hours: str | None = "1.5",
) -> dict[str, Any]:
    """The training modal's state values as Slack submits them."""
    return {
        COURSE: {INPUT: state_select(course)},
        TOPIC: {INPUT: state_text(topic)},
        COMPLETED_ON: {INPUT: state_date(on.isoformat() if on else None)},
        HOURS: {INPUT: state_number(hours)},
    }


def latest_view(slack: FakeSlack, user_id: str, callback_id: str) -> OpenedView | None:
    """The newest modal the app opened for the user with this callback id."""
    views = [
        v for v in slack.opened_views() if v.user_id == user_id and v.view.get("callback_id") == callback_id
    ]
    return views[-1] if views else None


async def open_modal(people: People, slack: FakeSlack, user_id: str, text: str = "") -> OpenedView:
    """Type `/peer-log [text]` and return the modal the app opened."""
    callback = TRAINING_VIEW if text == "training" else SESSION_VIEW
    before = len(slack.opened_views())
    status, body = await people.command(user_id, "/peer-log", text)
    assert status == 200, body
    opened = slack.opened_views()[before:]
    assert opened, f"no modal opened; the app answered {body!r}"
    view = opened[-1]
    assert view.user_id == user_id
    assert view.view["callback_id"] == callback
    return view


async def submit(
    people: People, user_id: str, view: OpenedView, state_values: Mapping[str, Any]
) -> tuple[int, Any]:
    """Submit a modal the app opened with the given state."""
    return await people.submit_view(
        user_id,
        callback_id=view.view["callback_id"],
        private_metadata=view.view.get("private_metadata", ""),
        state_values=dict(state_values),
    )


def _options(view: OpenedView, block_id: str) -> list[str]:
    block = next(b for b in view.view["blocks"] if b.get("block_id") == block_id)
    return [o["value"] for o in block["element"]["options"]]


def _initial_date(view: OpenedView, block_id: str) -> date:
    block = next(b for b in view.view["blocks"] if b.get("block_id") == block_id)
    return date.fromisoformat(block["element"]["initial_date"])


async def simulate_supporters(
    people: People,
    slack: FakeSlack,
    workspace: Workspace,
    *,
    seed: int,
) -> list[str]:
    """Each supporter logs 1-3 sessions and one training through the real modals; return a summary."""
    rng = random.Random(seed)
    summary: list[str] = []
    for supporter in workspace.supporters():
        name = workspace.users[supporter].real_name
        sessions = rng.randint(1, 3)
        minutes_total = 0
        follow_ups = 0
        for _ in range(sessions):
            view = await open_modal(people, slack, supporter)
            # The modal's default date is the supporter's today; sessions happened in the past week.
            today = _initial_date(view, DATE)
            minutes = rng.choice((15, 20, 30, 45, 60, 90))
            follow_up_on = today + timedelta(days=rng.randint(2, 10)) if rng.random() < 0.4 else None
            state = session_state(
                on=today - timedelta(days=rng.randint(0, 6)),
                minutes=minutes,
                category=rng.choice(_options(view, CATEGORY)),
                channel=rng.choice(_options(view, CONTACT_CHANNEL)),
                outcome=rng.choice(_options(view, OUTCOME)),
                follow_up_on=follow_up_on,
                note=rng.choice(NOTES) if rng.random() < 0.6 else None,
            )
            status, body = await submit(people, supporter, view, state)
            if status != 200 or body:
                raise RuntimeError(f"logging a session was refused: {body!r}")
            minutes_total += minutes
            follow_ups += follow_up_on is not None
        view = await open_modal(people, slack, supporter, "training")
        course = rng.choice(_options(view, COURSE))
        completed = _initial_date(view, COMPLETED_ON) - timedelta(days=rng.randint(0, 240))
        status, body = await submit(
            people,
            supporter,
            view,
            training_form_state(course=course, on=completed, hours=rng.choice(("1", "2", "3.5"))),
        )
        if status != 200 or body:
            raise RuntimeError(f"recording a training was refused: {body!r}")
        line = (
            f"{name} logged {sessions} session{'s' if sessions != 1 else ''} ({minutes_total} min"
            f"{f', {follow_ups} follow-up' + ('s' if follow_ups != 1 else '') if follow_ups else ''}) "
            f"and a training completed {completed:%d %b %Y}"
        )
        summary.append(line)
    return summary
