"""Setup for the tests that drive every coordinator- and supporter-only button and modal."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from bot.measures import numeric_constructs
from bot.policies import PolicyForm
from bot.roles import one_request
from bot.runtime import Runtime
from bot.support import SessionForm
from handlers.slack.simulation.people_support import local_today
from handlers.slack.simulation.signing import state_date, state_text
from handlers.slack.simulation.slack_api import DEFAULT_TOKEN, FakeSlack, Message
from handlers.slack.simulation.workspace import Workspace, dm_channel_id
from storage.digest_models import ImprovementAction
from storage.policy_models import Policy, PolicyReview, PublishedUpdate
from storage.support_models import SupportFollowUp, SupportSession, SupportTraining
from tests.support import eventually

TABLES = (
    ImprovementAction,
    Policy,
    PolicyReview,
    PublishedUpdate,
    SupportSession,
    SupportFollowUp,
    SupportTraining,
)
Snapshot = dict[str, list[str]]
PRACTICE = "psych_safety_retro"


async def settled_snapshot(runtime: Runtime, *, quiet: float = 0.15, timeout: float = 5.0) -> Snapshot:
    """A snapshot once the tables stop changing: a listener's work after its ack has landed.

    The HTTP answer returns at the ack; a publish or a DM queued after it would otherwise land
    in the next example's "before" and be blamed on that payload.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    # A quiet spell alone is not enough: a listener may sit behind the pacer (a role read is a Tier 4
    # call) for longer than any spell, then write. Bolt runs each listener after its ack in a task of
    # its own; wait for those, and for work the services spawned, to end first.
    with contextlib.suppress(AssertionError):  # past the deadline, the quiet spell below decides
        await eventually(lambda: not _work_in_flight(runtime), timeout=timeout, interval=0.02)
    current = await snapshot(runtime)
    while loop.time() < deadline:
        await asyncio.sleep(quiet)
        latest = await snapshot(runtime)
        if latest == current:
            break
        current = latest
    return current


def _work_in_flight(runtime: Runtime) -> bool:
    """Whether a listener Bolt started after an ack, or a task the services spawned, is still running."""
    if any(not task.done() for task in runtime.services.background):
        return True
    current = asyncio.current_task()
    return any(
        task is not current and not task.done() and "run_ack_function_asynchronously" in repr(task.get_coro())
        for task in asyncio.all_tasks()
    )


async def snapshot(runtime: Runtime) -> Snapshot:
    """Every row of every table a button or modal here can change."""
    found: Snapshot = {}
    async with runtime.db.session() as session:
        for model in TABLES:
            rows = (await session.exec(select(model))).all()
            found[str(model.__tablename__)] = sorted(repr(sorted(r.model_dump().items())) for r in rows)
    return found


@dataclass(frozen=True)
class Gated:
    """What the gated buttons and modals act on: an open and a closed action, its draft, a policy."""

    today: date
    construct: str
    open_action: str
    closed_action: str
    draft: str
    policy: str

    @property
    def adopt_value(self) -> str:
        """The digest's adopt button value."""
        return json.dumps({"p": PRACTICE, "c": self.construct, "t": "Retro"}, separators=(",", ":"))

    def adopt_state(self, *, owner: str) -> dict[str, Any]:
        """A filled-in adopt modal."""
        return {
            "title": {"value": state_text("Run the retro")},
            "owner": {"value": {"type": "users_select", "selected_user": owner}},
            "due": {"value": state_date((self.today + timedelta(days=14)).isoformat())},
            "measure": {"value": {"type": "static_select", "selected_option": {"value": self.construct}}},
            "success": {"value": state_text("")},
        }

    def preview_metadata(self) -> str:
        """The update preview's metadata for the closed action, with a fresh update id."""
        meta = {"a": self.closed_action, "d": "dm", "t": self.draft, "u": secrets.token_hex(16)}
        return json.dumps(meta, separators=(",", ":"))


async def adopt_action(runtime: Runtime, *, title: str, coordinator: str) -> str:
    """An open improvement action, adopted as a coordinator would; its id."""
    services = runtime.services
    action = await services.actions.adopt(
        team_id=services.team_id,
        practice_id=PRACTICE,
        title=title,
        owner_id=coordinator,
        by=coordinator,
        due_on=services.clock.now().date() + timedelta(days=30),
        construct=numeric_constructs(services.surveys.bank)[0],
        success_measure="",
    )
    return action.id


async def prepare_gated(runtime: Runtime, *, coordinator: str) -> Gated:
    """An open action, a closed one with its update draft, and a policy in the register."""
    # One coordinator preparing it all: one live role read, as one request would make.
    with one_request():
        return await _prepare_gated(runtime, coordinator=coordinator)


async def _prepare_gated(runtime: Runtime, *, coordinator: str) -> Gated:
    services, team = runtime.services, runtime.services.team_id
    open_action = await adopt_action(runtime, title="Open action", coordinator=coordinator)
    closed = await adopt_action(runtime, title="Closed action", coordinator=coordinator)
    await services.actions.close(
        team_id=team, action_id=closed, outcome_note="Ran in every team.", by=coordinator
    )
    draft = (await services.updates.draft(team_id=team, action_id=closed, by=coordinator)).text
    policy = await services.policies.add(
        team_id=team,
        form=PolicyForm(name="Bullying policy", link="https://example.com/p", owner_id=coordinator),
        by=coordinator,
    )
    return Gated(
        today=services.clock.now().date(),
        construct=numeric_constructs(services.surveys.bank)[0],
        open_action=open_action,
        closed_action=closed,
        draft=draft,
        policy=policy.policy.id,
    )


def follow_up_due(workspace: Workspace, supporter: str) -> date:
    """When a session logged today by the supporter is followed up."""
    return local_today(workspace, supporter) + timedelta(days=5)


async def log_session(runtime: Runtime, workspace: Workspace, *, supporter: str) -> str:
    """A session the supporter logged today, with a follow-up due; its id."""
    saved = await runtime.services.support.log_session(
        team_id=runtime.services.team_id,
        supporter_id=supporter,
        form=SessionForm(
            session_date=local_today(workspace, supporter).isoformat(),
            duration_minutes="30",
            category="verbal_abuse",
            contact_channel="chat",
            outcome="listened",
            follow_up=True,
            follow_up_on=follow_up_due(workspace, supporter).isoformat(),
        ),
    )
    return saved.session.id


async def dm_messages(slack: FakeSlack, users: Iterable[str]) -> dict[str, Message]:
    """A real bot message in each user's DM, for their clicks to come from."""
    client = AsyncWebClient(token=DEFAULT_TOKEN, base_url=slack.url, retry_handlers=[])
    found: dict[str, Message] = {}
    for user in users:
        posted = await client.chat_postMessage(channel=user, text="PeerPulse")
        found[user] = Message(channel=dm_channel_id(user), ts=str(posted["ts"]), text="PeerPulse")
    return found
