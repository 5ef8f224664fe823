"""Every coordinator-only and supporter-only button and modal submission × every role: allowed
(the modal opens, or the change is stored) or refused privately and clearly with nothing stored
or opened, by the live Slack role (a removal counts at once). Commands are in
test_authorization_matrix.py; this is its twin for the clicks and submissions behind them."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.runtime import Runtime
from handlers.slack.blocks.digest import ADOPT_ACTION, CLOSE_ACTION, UPDATE_ACTION
from handlers.slack.blocks.home import HOME_LOG_SESSION_ACTION, HOME_LOG_TRAINING_ACTION
from handlers.slack.blocks.improvement import ADOPT_VIEW, CLOSE_VIEW, UPDATE_VIEW
from handlers.slack.blocks.peer_log import (
    DELETE_ACTION,
    EDIT_ACTION,
    FOLLOW_UP_DONE_ACTION,
    FOLLOW_UP_SNOOZE_ACTION,
    SESSION_VIEW,
    TRAINING_VIEW,
    encode_follow_up,
)
from handlers.slack.blocks.policies import (
    ADD_POLICY_ACTION,
    ADD_POLICY_VIEW,
    EDIT_POLICY_ACTION,
    EDIT_POLICY_VIEW,
    REVIEW_POLICY_ACTION,
    REVIEW_POLICY_VIEW,
)
from handlers.slack.blocks.updates import SHARE_UPDATE_ACTION, UPDATE_DRAFT_VIEW, UPDATE_PREVIEW_VIEW
from handlers.slack.simulation.people import Button, People
from handlers.slack.simulation.people_policies import policy_state, review_state, update_state
from handlers.slack.simulation.people_support import local_today, session_state, training_form_state
from handlers.slack.simulation.signing import state_text
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, SUPPORTERS_CHANNEL_ID, Workspace
from tests.e2e.role_gated import (
    Snapshot,
    adopt_action,
    dm_messages,
    follow_up_due,
    log_session,
    prepare_gated,
    snapshot,
)
from tests.e2e.test_authorization_matrix import NOT_COORDINATOR, NOT_SUPPORTER, ROLES
from tests.support import eventually, outbox_settled

REMOVED = "removed a minute ago"
Send = Callable[[str, str], Awaitable[tuple[int, Any]]]


@dataclass(frozen=True)
class Row:
    """One button or modal: who may use it, how each role sends it, and what success looks like."""

    name: str
    allowed: frozenset[str]
    send: Send  # (role, user_id) -> (HTTP status, body)
    opens: str | None = None  # the modal's callback id an allowed click opens
    stores: str | None = None  # the table an allowed click or submission changes
    answers: str | None = None  # the response_action an allowed submission answers with

    @property
    def refusal(self) -> str:
        return NOT_SUPPORTER if self.allowed == {"supporter"} else NOT_COORDINATOR


def _refusals(slack: FakeSlack, user: str, body: Any, seen: tuple[int, int]) -> list[str]:
    """What the user was told privately since `seen`: ephemerals, DMs, errors in the modal."""
    texts = [e.text for e in slack.ephemerals(user)[seen[0] :]]
    texts += [m.text for m in slack.dm_messages(user)[seen[1] :]]
    if isinstance(body, dict) and body.get("response_action") == "errors":
        texts += [str(v) for v in (body.get("errors") or {}).values()]
    return texts


async def test_every_role_gated_button_and_modal_by_every_role(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinators, supporters = workspace.coordinators(), workspace.supporters()
    staff = {*coordinators, *supporters}
    users = {
        "employee": next(u.id for u in workspace.active_humans() if u.id not in staff),
        "supporter": supporters[0],
        "coordinator": coordinators[0],
        REMOVED: coordinators[1],
    }
    assert set(users) == set(ROLES)
    removed, supporter = users[REMOVED], users["supporter"]
    # The leaver was a coordinator and a supporter (with sessions of their own) before losing both.
    slack.add_member(SUPPORTERS_CHANNEL_ID, removed)

    # --- state, prepared through the services ---------------------------------------------------
    gated = await prepare_gated(runtime, coordinator=coordinators[0])
    open_action, closed, draft, policy = gated.open_action, gated.closed_action, gated.draft, gated.policy
    to_close = await adopt_action(runtime, title="Action to close", coordinator=coordinators[0])
    today = gated.today

    sessions: dict[tuple[str, str], str] = {}  # (owner, purpose) -> session id
    due = local_today(workspace, supporter) + timedelta(days=5)
    for owner in (supporter, removed):
        for purpose in ("edit", "view-edit", "delete", "done", "snooze"):
            sessions[(owner, purpose)] = await log_session(runtime, workspace, supporter=owner)
    due_of = {owner: follow_up_due(workspace, owner) for owner in (supporter, removed)}
    assert due_of[supporter] == due

    # Each person clicks in a real bot message of their own DM (follow-up buttons redraw it).
    dm_message = await dm_messages(slack, users.values())

    def session_of(role: str, user: str, purpose: str) -> str:
        # Employees and coordinators reach for a supporter's session; the leaver for their own.
        return sessions[(user if role in ("supporter", REMOVED) else supporter, purpose)]

    def click(action_id: str, value: Callable[[str, str], str]) -> Send:
        async def send(role: str, user: str) -> tuple[int, Any]:
            button = Button(action_id, "actions", value(role, user), action_id)
            return await people.click(user, dm_message[user], button)

        return send

    def submit(
        callback_id: str, metadata: Callable[[str, str], str], state: Callable[[str, str], Any]
    ) -> Send:
        async def send(role: str, user: str) -> tuple[int, Any]:
            return await people.submit_view(
                user,
                callback_id=callback_id,
                private_metadata=metadata(role, user),
                state_values=state(role, user),
            )

        return send

    def fixed(value: str) -> Callable[[str, str], str]:
        return lambda role, user: value

    adopt_state = gated.adopt_state(owner=coordinators[0])

    def preview_meta(role: str, user: str) -> str:
        return gated.preview_metadata()

    coordinator_only = frozenset({"coordinator"})
    supporter_only = frozenset({"supporter"})
    rows = [
        # Improvement actions (digest and `/pulse actions`).
        Row(
            "digest adopt button",
            coordinator_only,
            click(f"{ADOPT_ACTION}_0", fixed(gated.adopt_value)),
            ADOPT_VIEW,
        ),
        Row(
            "action update button",
            coordinator_only,
            click(f"{UPDATE_ACTION}_0", fixed(open_action)),
            UPDATE_VIEW,
        ),
        Row(
            "action close button",
            coordinator_only,
            click(f"{CLOSE_ACTION}_0", fixed(open_action)),
            CLOSE_VIEW,
        ),
        Row(
            "action adopt view",
            coordinator_only,
            submit(ADOPT_VIEW, fixed('{"p":"psych_safety_retro"}'), lambda r, u: adopt_state),
            stores="improvement_action",
        ),
        Row(
            "action update view",
            coordinator_only,
            submit(
                UPDATE_VIEW,
                fixed(open_action),
                lambda r, u: {"note": {"value": state_text(f"Progress noted by {r}")}},
            ),
            stores="improvement_action",
        ),
        Row(
            "action close view",
            coordinator_only,
            submit(
                CLOSE_VIEW, fixed(to_close), lambda r, u: {"note": {"value": state_text(f"Closed by {r}")}}
            ),
            stores="improvement_action",
        ),
        # Policy register.
        Row("policy add button", coordinator_only, click(ADD_POLICY_ACTION, fixed("add")), ADD_POLICY_VIEW),
        Row(
            "policy edit button",
            coordinator_only,
            click(f"{EDIT_POLICY_ACTION}_0", fixed(policy)),
            EDIT_POLICY_VIEW,
        ),
        Row(
            "policy review button",
            coordinator_only,
            click(f"{REVIEW_POLICY_ACTION}_0", fixed(policy)),
            REVIEW_POLICY_VIEW,
        ),
        Row(
            "policy add view",
            coordinator_only,
            submit(
                ADD_POLICY_VIEW,
                fixed(""),
                lambda r, u: policy_state(name=f"Policy added by {r}", link="https://example.com/a", owner=u),
            ),
            stores="policy",
        ),
        Row(
            "policy edit view",
            coordinator_only,
            submit(
                EDIT_POLICY_VIEW,
                fixed(policy),
                lambda r, u: policy_state(name=f"Renamed by {r}", link="https://example.com/p", owner=u),
            ),
            stores="policy",
        ),
        Row(
            "policy review view",
            coordinator_only,
            submit(
                REVIEW_POLICY_VIEW, fixed(policy), lambda r, u: review_state(on=today, summary="No change.")
            ),
            stores="policy_review",
        ),
        # "You said, we did".
        Row(
            "update share button",
            coordinator_only,
            click(SHARE_UPDATE_ACTION, fixed(closed)),
            UPDATE_DRAFT_VIEW,
        ),
        Row(
            "update draft view",
            coordinator_only,
            submit(
                UPDATE_DRAFT_VIEW,
                fixed(json.dumps({"a": closed})),
                lambda r, u: update_state(text=draft, destination="dm"),
            ),
            answers="update",
        ),
        # `/peer-log` buttons and modals.
        Row(
            "session edit button",
            supporter_only,
            click(EDIT_ACTION, lambda r, u: session_of(r, u, "edit")),
            SESSION_VIEW,
        ),
        Row(
            "follow-up done button",
            supporter_only,
            click(FOLLOW_UP_DONE_ACTION, lambda r, u: encode_follow_up(session_of(r, u, "done"), due)),
            stores="support_follow_up",
        ),
        Row(
            "follow-up snooze button",
            supporter_only,
            click(
                FOLLOW_UP_SNOOZE_ACTION,
                lambda r, u: encode_follow_up(session_of(r, u, "snooze"), due_of.get(u, due)),
            ),
            stores="support_follow_up",
        ),
        Row(
            "session delete button",
            supporter_only,
            click(DELETE_ACTION, lambda r, u: session_of(r, u, "delete")),
            stores="support_session",
        ),
        # App Home's supporter buttons open the same modals as `/peer-log`.
        Row(
            "home log-a-session button",
            supporter_only,
            click(HOME_LOG_SESSION_ACTION, fixed("")),
            SESSION_VIEW,
        ),
        Row(
            "home record-a-training button",
            supporter_only,
            click(HOME_LOG_TRAINING_ACTION, fixed("")),
            TRAINING_VIEW,
        ),
        Row(
            "session view (new)",
            supporter_only,
            submit(SESSION_VIEW, fixed(""), lambda r, u: session_state(on=local_today(workspace, u))),
            stores="support_session",
        ),
        Row(
            "session view (edit)",
            supporter_only,
            submit(
                SESSION_VIEW,
                lambda r, u: json.dumps({"edit": session_of(r, u, "view-edit")}),
                lambda r, u: session_state(on=local_today(workspace, u), minutes=45),
            ),
            stores="support_session",
        ),
        Row(
            "training view",
            supporter_only,
            submit(TRAINING_VIEW, fixed(""), lambda r, u: training_form_state(on=local_today(workspace, u))),
            stores="support_training",
        ),
        # Last: publishing queues a DM to everyone.
        Row(
            "update preview view",
            coordinator_only,
            submit(UPDATE_PREVIEW_VIEW, preview_meta, lambda r, u: {}),
            stores="published_update",
        ),
    ]

    # While still in both channels, the leaver may use both kinds of button (and warms any cache).
    for row in (rows[1], rows[14]):
        seen = len(slack.opened_views())
        assert (await row.send(REMOVED, removed))[0] == 200
        opened = await eventually(lambda n=seen: slack.opened_views()[n:])
        assert opened[0].view["callback_id"] == row.opens and opened[0].user_id == removed
    slack.remove_member(COORDINATOR_CHANNEL_ID, removed)
    slack.remove_member(SUPPORTERS_CHANNEL_ID, removed)

    actual: dict[str, set[str]] = {}
    problems: list[str] = []
    # Refused roles first: an allowed one may close, delete or publish what the row is about.
    order = sorted(ROLES, key=lambda role: role in ("coordinator", "supporter"))
    for row in rows:
        actual[row.name] = set()
        for role in order:
            user = users[role]
            where = f"{row.name} by {role}"
            # An earlier row's confirmation leaves at Slack's one post a second per channel; let it
            # land first, or it would be blamed on this row (the app's role reads no longer hide it).
            await eventually(lambda: outbox_settled(runtime), timeout=20)
            before = await snapshot(runtime)
            views = len(slack.opened_views())
            seen = (len(slack.ephemerals(user)), len(slack.dm_messages(user)))
            channel = len(slack.messages(COORDINATOR_CHANNEL_ID))
            status, body = await row.send(role, user)
            assert status == 200, f"{where}: HTTP {status} {body!r}"
            if role in row.allowed:
                actual[row.name].add(role)
                if row.opens:
                    opened = await eventually(lambda n=views: slack.opened_views()[n:])
                    if opened[0].view["callback_id"] != row.opens or opened[0].user_id != user:
                        problems.append(f"{where}: opened {opened[0].view.get('callback_id')}")
                if row.stores:
                    table = row.stores

                    async def changed(t: str = table, b: Snapshot = before) -> bool:
                        return (await snapshot(runtime))[t] != b[t]

                    try:
                        await eventually(changed, timeout=10)
                    except AssertionError:
                        problems.append(f"{where}: nothing stored in {table}; answered {body!r}")
                if row.stores and row.allowed == coordinator_only:
                    # Its confirmation in the coordinators' channel may wait on Slack's rate limit.
                    try:
                        await eventually(
                            lambda n=channel: slack.messages(COORDINATOR_CHANNEL_ID)[n:], timeout=10
                        )
                    except AssertionError:
                        problems.append(f"{where}: no confirmation in the coordinators' channel")
                if row.answers and not (
                    isinstance(body, dict) and body.get("response_action") == row.answers
                ):
                    problems.append(f"{where}: answered {body!r}")
                continue

            def refused(
                u: str = user, b: Any = body, s: tuple[int, int] = seen, r: str = row.refusal
            ) -> list[str]:
                return [text for text in _refusals(slack, u, b, s) if r in text]

            try:
                told = await eventually(refused, timeout=10)
            except AssertionError:
                problems.append(
                    f"{where}: no clear private refusal; told {_refusals(slack, user, body, seen)!r}"
                )
                actual[row.name].add(role)
                continue
            if any(len(text) > 200 or "Traceback" in text for text in told):
                problems.append(f"{where}: refusal too long or leaks internals {told!r}")
            if isinstance(body, dict) and body.get("response_action") not in (None, "errors"):
                problems.append(f"{where}: answered {body!r}")
            if await snapshot(runtime) != before:
                problems.append(f"{where}: stored a change")
                actual[row.name].add(role)
            if slack.opened_views()[views:]:
                problems.append(f"{where}: opened a modal")
                actual[row.name].add(role)
            if slack.messages(COORDINATOR_CHANNEL_ID)[channel:]:
                problems.append(
                    f"{where}: posted in the coordinators' channel: {[m.text for m in slack.messages(COORDINATOR_CHANNEL_ID)[channel:]]}"
                )

    expected = {row.name: set(row.allowed) for row in rows}
    mismatches = {k: (sorted(expected[k]), sorted(actual[k])) for k in expected if expected[k] != actual[k]}
    assert not mismatches, f"(expected, actual) roles allowed: {mismatches}; {problems}"
    assert not problems, problems
