"""A whole round, then every table dumped: answers cannot be tied to a person or a participation row."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Date, DateTime, MetaData, select

from bot.runtime import Runtime
from handlers.slack.simulation.people import Button, People
from handlers.slack.simulation.signing import state_text
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace, build_workspace, dm_channel_id
from storage.models import SurveyAnswer, SurveyRound
from tests.conftest import PEERPULSE_SECRET
from tests.support import eventually

Dump = dict[str, list[dict[str, Any]]]
RESPONDENTS = 20
ANSWERS = "survey_answer"
PARTICIPATION = "round_participation"
OUTBOX = "outbox_message"


@pytest.fixture
def workspace() -> Workspace:
    """Enough employees for twenty respondents and a few who stay silent."""
    return build_workspace(employees=24)


@dataclass
class Round:
    """A round driven to the point where everyone has answered, with what was seen on the way."""

    round: SurveyRound
    respondents: list[str]
    batches: list[set[str]]  # answer ids, grouped by the wave of respondents that created them
    before_close: Dump


async def _dump(runtime: Runtime) -> Dump:
    """Every row of every table the real database holds (not just the ones the models know)."""

    def read(conn: Any) -> Dump:
        meta = MetaData()
        meta.reflect(conn)
        return {t.name: [dict(r._mapping) for r in conn.execute(select(t))] for t in meta.sorted_tables}

    async with runtime.db.engine.connect() as conn:
        return await conn.run_sync(read)


async def _column_types(runtime: Runtime, table: str) -> dict[str, Any]:
    def read(conn: Any) -> dict[str, Any]:
        meta = MetaData()
        meta.reflect(conn, only=[table])
        return {c.name: c.type for c in meta.tables[table].columns}

    async with runtime.db.engine.connect() as conn:
        return await conn.run_sync(read)


def _cells(rows: Iterable[dict[str, Any]]) -> list[str]:
    return [json.dumps(v, default=str) if not isinstance(v, str) else v for row in rows for v in row.values()]


def _user_markers(workspace: Workspace) -> set[str]:
    """Everything that names a Slack user: ids, their DM channel ids, handles and names."""
    markers: set[str] = set()
    for user in workspace.users.values():
        markers |= {user.id, dm_channel_id(user.id), user.name, user.real_name}
    return markers


def _respondent_key(team_id: str, user_id: str, round_id: str) -> str:
    """DESIGN.md: HMAC-SHA256(PEERPULSE_SECRET, team:user:round)."""
    message = f"{team_id}:{user_id}:{round_id}".encode()
    return hmac.new(PEERPULSE_SECRET.encode(), message, hashlib.sha256).hexdigest()


def _employees(workspace: Workspace) -> list[str]:
    return [u.id for u in workspace.active_humans()]


async def _open_round(runtime: Runtime, people: People, workspace: Workspace) -> SurveyRound:
    status, _ = await people.send_pulse(workspace.coordinators()[0])
    assert status == 200
    await runtime.services.drain()
    round_ = await runtime.services.surveys.current_round(team_id=workspace.team_id)
    assert round_ is not None
    return round_


async def _comment(people: People, slack: FakeSlack, user_id: str, button: Button, text: str) -> None:
    """Open the comment modal from the DM and submit `text`."""
    message = people.pulse_message(user_id)
    assert message is not None
    opened = len(slack.opened_views())
    status, _ = await people.click(user_id, message, button)
    assert status == 200
    # Respondents answer in concurrent waves: take the modal opened for this user, not any new one.
    modal = (await eventually(lambda: [v for v in slack.opened_views()[opened:] if v.user_id == user_id]))[
        0
    ].view
    field = next(b for b in modal["blocks"] if b["type"] == "input")
    status, body = await people.submit_view(
        user_id,
        callback_id=modal["callback_id"],
        private_metadata=modal.get("private_metadata", ""),
        state_values={field["block_id"]: {field["element"]["action_id"]: state_text(text)}},
    )
    assert status == 200
    assert not (isinstance(body, dict) and body.get("errors")), body


async def _answer_ids(runtime: Runtime) -> set[str]:
    async with runtime.db.session() as session:
        return {row[0] for row in await session.exec(select(SurveyAnswer.id))}


async def _respond(people: People, slack: FakeSlack, n: int, user: str) -> None:
    """Respondent n answers every question, or only two (every fourth), and comments (every third)."""
    message = people.pulse_message(user)
    assert message is not None
    questions = list(people.answer_buttons(message).values())
    if n % 4 == 3:
        questions = questions[:2]
    for i, options in enumerate(questions):
        status, _ = await people.click(user, message, options[(n + i) % len(options)])
        assert status == 200
    comment = people.comment_button(message)
    if n % 3 == 0 and comment is not None:
        await _comment(
            people, slack, user, comment, f"Comment {n}: the retro felt rushed, thanks for asking."
        )


@pytest.fixture
async def answered(runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace) -> Round:
    """Twenty people answer, a wave of five at a time: some everything, some a part, some a comment."""
    round_ = await _open_round(runtime, people, workspace)
    everyone = _employees(workspace)
    await eventually(lambda: all(people.pulse_message(u) for u in everyone), timeout=20)
    respondents = everyone[:RESPONDENTS]
    batches: list[set[str]] = []
    seen: set[str] = set()
    for start in range(0, RESPONDENTS, 5):
        wave = list(enumerate(respondents))[start : start + 5]
        await asyncio.gather(*(_respond(people, slack, n, user) for n, user in wave))
        ids = await _answer_ids(runtime)
        batches.append(ids - seen)
        seen = ids
    await runtime.services.drain()
    return Round(round_, respondents, batches, await _dump(runtime))


# --- the properties, each checked on a dump -------------------------------------------------


def _check_no_user_identifier(dump: Dump, workspace: Workspace, tables: tuple[str, ...]) -> None:
    markers = _user_markers(workspace)
    for table in tables:
        for cell in _cells(dump[table]):
            leaked = [m for m in markers if m in cell]
            assert leaked == [], f"{table} holds {leaked} in {cell!r}"


def _check_participation_is_the_per_round_hmac(
    dump: Dump, answered: Round, team_id: str, runtime: Runtime
) -> None:
    keys = {row["key"] for row in dump[PARTICIPATION]}
    expected = {_respondent_key(team_id, u, answered.round.id) for u in answered.respondents}
    # Keys are written in batches of at least k, apart from answers; the last few may still wait.
    waiting = {k for k in expected if runtime.services.surveys.answers.has_pending(k)}
    assert len(keys) >= runtime.settings.min_group_size
    assert keys | waiting == expected and not keys & waiting, (
        "participation keys are not HMAC(secret, team:user:round) of the respondents"
    )
    assert all(set(row) == {"key", "round_id"} for row in dump[PARTICIPATION])


def _check_ids_are_random(batches: list[set[str]]) -> None:
    ids = [i for batch in batches for i in batch]
    assert len(ids) == len(set(ids)) >= 3 * RESPONDENTS
    assert all(re.fullmatch(r"[0-9a-f]{32,}", i) for i in ids), f"ids are not 128-bit or more: {ids[:3]}"
    # Later answers must not sort after earlier ones (as counters, ULIDs or UUIDv7s would).
    pairs = [(a, b) for early, late in itertools.combinations(batches, 2) for a in early for b in late]
    ascending = sum(a < b for a, b in pairs) / len(pairs)
    assert 0.3 < ascending < 0.7, f"{ascending:.0%} of later answer ids sort after earlier ones"
    # Nor share a time- or counter-derived prefix.
    longest = max(len(_common_prefix(a, b)) for a, b in itertools.combinations(ids, 2))
    assert longest <= 8, f"answer ids share {longest}-character prefixes"


def _check_dates_only(dump: Dump, types: dict[str, Any]) -> None:
    assert isinstance(types["answered_on"], Date)
    assert [name for name, kind in types.items() if isinstance(kind, DateTime)] == []
    for row in dump[ANSWERS]:
        value = row["answered_on"]
        assert not isinstance(value, datetime), value
        assert isinstance(value, date) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), value


def _check_ballots_stay_in_answers(dump: Dump) -> None:
    ballots = {row["ballot"] for row in dump[ANSWERS]} - {None}
    assert ballots, "no ballots while the round is open: answers could not be changed"
    for table, rows in dump.items():
        if table != ANSWERS:
            for cell in _cells(rows):
                assert not [b for b in ballots if b in cell], f"{table} holds a ballot: {cell!r}"


def _check_no_answer_column_joins(dump: Dump, k: int) -> None:
    # A value held by k or more answers (the round id, a question id, the date) singles nobody
    # out; any rarer value must not be found anywhere else in the database.
    answers = dump[ANSWERS]
    for column in answers[0]:
        held = Counter(str(r[column]) for r in answers if r[column] is not None)
        rare = {value for value, count in held.items() if count < k}
        for table, rows in dump.items():
            if table == ANSWERS:
                continue
            for cell in _cells(rows):
                joined = [v for v in rare if v == cell or (len(v) >= 8 and v in cell)]
                assert joined == [], f"survey_answer.{column} joins {table}: {joined[:3]}"


# --- the round, open and then closed ---------------------------------------------------------


async def test_while_the_round_is_open_answers_and_participation_reveal_no_one(
    answered: Round, runtime: Runtime, workspace: Workspace
) -> None:
    dump = answered.before_close

    assert dump[ANSWERS], "nobody's answers were stored"
    _check_no_user_identifier(dump, workspace, (ANSWERS, PARTICIPATION))
    _check_participation_is_the_per_round_hmac(dump, answered, workspace.team_id, runtime)
    _check_ids_are_random(answered.batches)
    _check_dates_only(dump, await _column_types(runtime, ANSWERS))
    _check_ballots_stay_in_answers(dump)


async def test_after_close_no_answer_can_be_joined_to_a_person_or_participation(
    answered: Round, runtime: Runtime, workspace: Workspace
) -> None:
    await runtime.services.surveys.close_round(answered.round.id)
    dump = await _dump(runtime)

    assert dump[PARTICIPATION] == []
    assert [r for r in dump[ANSWERS] if r["ballot"] is not None] == []

    def content(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return sorted((r["question_id"], r["value"], r["text"] or "") for r in rows)

    assert content(dump[ANSWERS]) == content(answered.before_close[ANSWERS]), (
        "closing lost or changed answers"
    )
    # Closing re-keys every answer, so ids seen while the round was open mean nothing afterwards.
    assert not {r["id"] for r in dump[ANSWERS]} & {r["id"] for r in answered.before_close[ANSWERS]}
    _check_no_user_identifier(dump, workspace, (ANSWERS,))
    _check_dates_only(dump, await _column_types(runtime, ANSWERS))
    _check_no_answer_column_joins(dump, runtime.settings.min_group_size)
    # The round id is shared with the outbox, where it reaches everyone invited: nobody in particular.
    invited = {
        r["recipient"] for r in dump[OUTBOX] if r["round_id"] == answered.round.id and r["kind"] == "pulse"
    }
    assert len(invited) >= runtime.settings.min_group_size
    assert set(answered.respondents) <= invited
    # Comments carry their author's position ("Comment 3: ..."); storage order must not replay it.
    positions = [int(r["text"].split(":")[0].split()[1]) for r in dump[ANSWERS] if r["text"]]
    assert len(positions) >= 6
    assert positions != sorted(positions), "answers are stored in the order people answered"


# --- across rounds ----------------------------------------------------------------------------


async def test_participation_keys_differ_per_round_for_the_same_person(
    runtime: Runtime, people: People, workspace: Workspace
) -> None:
    user = _employees(workspace)[0]
    keys: list[str] = []
    for _ in range(2):
        round_ = await _open_round(runtime, people, workspace)
        round_id = round_.id
        message = await eventually(functools.partial(_pulse_of, people, user, round_id))
        first_options = next(iter(people.answer_buttons(message).values()))
        status, _ = await people.click(user, message, first_options[0])
        assert status == 200
        # One respondent is fewer than a batch (k): write it now to see the key it gets.
        assert await runtime.services.surveys.answers.flush_participation(force=True) == 1
        rows = (await _dump(runtime))[PARTICIPATION]
        assert [r["round_id"] for r in rows] == [round_.id]
        keys.append(rows[0]["key"])
        assert keys[-1] == _respondent_key(workspace.team_id, user, round_.id)
        await runtime.services.surveys.close_round(round_.id)

    assert keys[0] != keys[1]
    assert all(user not in k and re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)


def _pulse_of(people: People, user_id: str, round_id: str) -> Any:
    message = people.pulse_message(user_id)
    if message is None:
        return None
    return message if any(b.answer["r"] == round_id for b in people.buttons(message)) else None


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]
