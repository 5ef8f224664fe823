"""Property-based: hostile payloads at the coordinator and supporter buttons and modals — the
improvement-action, policy, "you said, we did" and `/peer-log` ones — sent by a real coordinator
or supporter. Never a 500, and nothing written outside the table the gesture is about; a modal
that answers with errors wrote nothing at all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.runtime import Runtime
from handlers.slack.blocks.digest import ADOPT_ACTION, CLOSE_ACTION, UPDATE_ACTION
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
from handlers.slack.simulation.people import People
from handlers.slack.simulation.people_policies import policy_state, review_state, update_state
from handlers.slack.simulation.people_support import local_today, session_state, training_form_state
from handlers.slack.simulation.signing import block_actions, state_text, view_submission
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import Workspace
from tests.e2e.role_gated import (
    Snapshot,
    dm_messages,
    follow_up_due,
    log_session,
    prepare_gated,
    settled_snapshot,
    snapshot,
)
from tests.e2e.test_hostile_payloads import (
    ACTION_PATHS,
    EXAMPLES,
    JSON_VALUE,
    TEXT,
    _apply,
    _form,
    _payload_of,
)

FORM_EXAMPLES = settings(EXAMPLES, max_examples=25, deadline=None)
VIEW_PATHS: list[tuple[str | int, ...]] = [
    ("user",),
    ("user", "id"),
    ("team",),
    ("team", "id"),
    ("view",),
    ("view", "private_metadata"),
    ("view", "state"),
    ("view", "state", "values"),
    ("view", "id"),
    ("view", "hash"),
    ("trigger_id",),
]


class Forms:
    """A coordinator and a supporter, each with a DM to click in, and something to act on."""

    def __init__(self, runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace) -> None:
        self.runtime, self.people, self.slack, self.workspace = runtime, people, slack, workspace
        self.coordinator = workspace.coordinators()[0]
        self.supporter = workspace.supporters()[0]
        self.messages: dict[str, Message] = {}
        self.buttons: dict[str, tuple[str, str, str]] = {}  # name -> (user, action_id, value)
        self.views: dict[str, tuple[str, str, str, dict[str, Any]]] = {}  # name -> (user, cb, meta, state)

    def __repr__(self) -> str:
        return "Forms()"

    async def snapshot(self) -> Snapshot:
        return await snapshot(self.runtime)

    async def settled(self) -> Snapshot:
        return await settled_snapshot(self.runtime)


@pytest.fixture
async def forms(runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace) -> Forms:
    f = Forms(runtime, people, slack, workspace)
    coord, sup = f.coordinator, f.supporter
    gated = await prepare_gated(runtime, coordinator=coord)
    open_action, closed, policy, today = gated.open_action, gated.closed_action, gated.policy, gated.today
    mine = local_today(f.workspace, sup)
    due = follow_up_due(f.workspace, sup)
    session = await log_session(runtime, f.workspace, supporter=sup)
    f.messages = await dm_messages(slack, (coord, sup))

    f.buttons = {
        "digest adopt": (coord, f"{ADOPT_ACTION}_0", gated.adopt_value),
        "action update": (coord, f"{UPDATE_ACTION}_0", open_action),
        "action close": (coord, f"{CLOSE_ACTION}_1", open_action),
        "policy add": (coord, ADD_POLICY_ACTION, "add"),
        "policy edit": (coord, f"{EDIT_POLICY_ACTION}_0", policy),
        "policy review": (coord, f"{REVIEW_POLICY_ACTION}_0", policy),
        "update share": (coord, SHARE_UPDATE_ACTION, closed),
        "session edit": (sup, EDIT_ACTION, session),
        "session delete": (sup, DELETE_ACTION, session),
        "follow-up done": (sup, FOLLOW_UP_DONE_ACTION, encode_follow_up(session, due)),
        "follow-up snooze": (sup, FOLLOW_UP_SNOOZE_ACTION, encode_follow_up(session, due)),
    }
    preview = gated.preview_metadata()
    f.views = {
        "action adopt": (coord, ADOPT_VIEW, '{"p":"psych_safety_retro"}', gated.adopt_state(owner=coord)),
        "action update": (coord, UPDATE_VIEW, open_action, {"note": {"value": state_text("Progress")}}),
        "action close": (coord, CLOSE_VIEW, open_action, {"note": {"value": state_text("Closed")}}),
        "policy add": (
            coord,
            ADD_POLICY_VIEW,
            "",
            policy_state(name="P", link="https://example.com/a", owner=coord),
        ),
        "policy edit": (
            coord,
            EDIT_POLICY_VIEW,
            policy,
            policy_state(name="Renamed", link="https://example.com/p", owner=coord),
        ),
        "policy review": (coord, REVIEW_POLICY_VIEW, policy, review_state(on=today, summary="No change.")),
        "update draft": (
            coord,
            UPDATE_DRAFT_VIEW,
            json.dumps({"a": closed}),
            update_state(text=gated.draft, destination="dm"),
        ),
        "update preview": (coord, UPDATE_PREVIEW_VIEW, preview, {}),
        "session new": (sup, SESSION_VIEW, "", session_state(on=mine)),
        "session edit": (
            sup,
            SESSION_VIEW,
            json.dumps({"edit": session}),
            session_state(on=mine, minutes=45),
        ),
        "training": (sup, TRAINING_VIEW, "", training_form_state(on=mine)),
    }
    return f


# What each gesture may legitimately change; everything else must stay exactly as it was.
BUTTON_STORES: dict[str, set[str]] = {
    "session delete": {"support_session", "support_follow_up"},
    "follow-up done": {"support_follow_up"},
    "follow-up snooze": {"support_follow_up"},
}
VIEW_STORES: dict[str, set[str]] = {
    "action adopt": {"improvement_action"},
    "action update": {"improvement_action"},
    "action close": {"improvement_action"},
    "policy add": {"policy"},
    "policy edit": {"policy"},
    "policy review": {"policy_review", "policy"},
    "update draft": set(),
    "update preview": {"published_update"},
    "session new": {"support_session", "support_follow_up"},
    "session edit": {"support_session", "support_follow_up"},
    "training": {"support_training"},
}
STATE_GARBAGE = st.one_of(
    JSON_VALUE,
    st.dictionaries(
        st.sampled_from(
            ["title", "note", "name", "link", "owner", "summary", "text", "date", "duration", "course"]
        ),
        st.one_of(JSON_VALUE, st.dictionaries(st.sampled_from(["value", "input"]), JSON_VALUE, max_size=2)),
        max_size=3,
    ),
)


def _changed(before: Snapshot, after: Snapshot) -> set[str]:
    return {table for table in before if before[table] != after[table]}


def _well_formed(after: Snapshot, tables: set[str]) -> None:
    """Whatever was written is a plain row: no gigantic values smuggled in through the form."""
    for table in tables:
        for row in after[table]:
            assert len(row) < 20_000, (table, row[:200])


@given(
    name=st.sampled_from(
        [
            "digest adopt",
            "action update",
            "action close",
            "policy add",
            "policy edit",
            "policy review",
            "update share",
            "session edit",
            "session delete",
            "follow-up done",
            "follow-up snooze",
        ]
    ),
    edits=st.lists(
        st.one_of(
            st.tuples(st.just("set"), st.sampled_from(ACTION_PATHS), JSON_VALUE),
            st.tuples(st.just("delete"), st.sampled_from(ACTION_PATHS), st.none()),
            st.tuples(st.just("set"), st.just(("actions", 0, "value")), TEXT),
        ),
        min_size=1,
        max_size=3,
    ),
)
@FORM_EXAMPLES
async def test_hostile_form_button_clicks(forms: Forms, name: str, edits: list[tuple[str, Any, Any]]) -> None:
    user, action_id, value = forms.buttons[name]
    message = forms.messages[user]
    base = _payload_of(
        block_actions(
            user_id=user,
            action_id=action_id,
            block_id=action_id,
            value=value,
            channel_id=message.channel,
            message_ts=message.ts,
            trigger_id=forms.slack.new_trigger_id(user),
            response_url=forms.slack.new_response_url(),
            message={"ts": message.ts, "text": message.text, "blocks": []},
        )
    )
    before = await forms.snapshot()
    status, body = await forms.people.post(_form(_apply(base, edits)))
    assert status < 500, (name, edits, body)
    after = await forms.settled()
    allowed = BUTTON_STORES.get(name, set())
    assert _changed(before, after) <= allowed, (name, _changed(before, after))
    _well_formed(after, allowed)


@given(
    name=st.sampled_from(list(VIEW_STORES)),
    edits=st.lists(
        st.one_of(
            st.tuples(st.just("set"), st.sampled_from(VIEW_PATHS), JSON_VALUE),
            st.tuples(st.just("delete"), st.sampled_from(VIEW_PATHS), st.none()),
            st.tuples(st.just("set"), st.just(("view", "private_metadata")), TEXT),
            st.tuples(st.just("set"), st.just(("view", "state", "values")), STATE_GARBAGE),
        ),
        min_size=1,
        max_size=3,
    ),
)
@FORM_EXAMPLES
async def test_hostile_form_submissions(forms: Forms, name: str, edits: list[tuple[str, Any, Any]]) -> None:
    user, callback_id, meta, state = forms.views[name]
    base = _payload_of(
        view_submission(
            user_id=user,
            callback_id=callback_id,
            private_metadata=meta,
            state_values=state,
            trigger_id=forms.slack.new_trigger_id(user),
        )
    )
    before = await forms.snapshot()
    status, body = await forms.people.post(_form(_apply(base, edits)))
    assert status < 500, (name, edits, body)
    after = await forms.settled()
    changed = _changed(before, after)
    assert changed <= VIEW_STORES[name], (name, changed)
    if isinstance(body, dict) and body.get("response_action") == "errors":
        # Refused in the form itself: the person sees why, and nothing changed.
        assert all(isinstance(v, str) and 0 < len(v) <= 300 for v in body["errors"].values()), body
        assert not changed, (name, changed)
    _well_formed(after, VIEW_STORES[name])
