"""What the hostile audit needs: a round answered through Slack, and the bytes a DB owner holds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url
from sqlmodel import select

from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import state_text
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace
from storage.models import OutboxMessage, RoundParticipation, SurveyAnswer, SurveyRound
from tests.support import eventually


@dataclass
class Answered:
    """A round and what its respondents left behind while it was open."""

    round: SurveyRound
    respondents: list[str]
    ballots: dict[str, str] = field(default_factory=dict)  # user -> ballot
    comments: dict[str, str] = field(default_factory=dict)  # user -> comment text


async def open_round(runtime: Runtime, people: People, workspace: Workspace) -> SurveyRound:
    """A coordinator's `/pulse send`, every DM delivered."""
    status, _ = await people.send_pulse(workspace.coordinators()[0])
    assert status == 200
    await runtime.services.drain()
    round_ = await runtime.services.surveys.current_round(team_id=workspace.team_id)
    assert round_ is not None
    users = [u.id for u in workspace.active_humans()]
    await eventually(lambda: all(people.pulse_message(u) for u in users), timeout=30)
    return round_


async def comment(people: People, slack: FakeSlack, user_id: str, text: str) -> None:
    """Open the comment modal from the pulse DM and submit `text`."""
    message = people.pulse_message(user_id)
    assert message is not None
    button = people.comment_button(message)
    assert button is not None
    opened = len(slack.opened_views())
    status, _ = await people.click(user_id, message, button)
    assert status == 200
    views = await eventually(lambda: [v for v in slack.opened_views()[opened:] if v.user_id == user_id])
    modal = views[0].view
    box = next(b for b in modal["blocks"] if b["type"] == "input")
    status, body = await people.submit_view(
        user_id,
        callback_id=modal["callback_id"],
        private_metadata=modal.get("private_metadata", ""),
        state_values={box["block_id"]: {box["element"]["action_id"]: state_text(text)}},
    )
    assert status == 200
    assert not (isinstance(body, dict) and body.get("errors")), body


async def answer(
    people: People, slack: FakeSlack, round_: SurveyRound, users: Iterable[str], *, comment_every: int = 2
) -> Answered:
    """Each user answers every question (a different option each); every n-th also comments."""
    answered = Answered(round_, list(users))
    for n, user in enumerate(answered.respondents):
        message = people.pulse_message(user)
        assert message is not None
        for i, options in enumerate(people.answer_buttons(message).values()):
            answered.ballots[user] = options[0].answer["b"]
            status, _ = await people.click(user, message, options[(n + i) % len(options)])
            assert status == 200
        if n % comment_every == 0:
            text = f"Remark {n:02d}: standups overrun, zq{n:02d}marker"
            await comment(people, slack, user, text)
            answered.comments[user] = text
    return answered


async def rows(runtime: Runtime, model: Any) -> list[Any]:
    """Every row of a table, as model instances."""
    async with runtime.db.session() as session:
        return list(await session.exec(select(model)))


async def linkage_material(runtime: Runtime, answered: Answered) -> set[str]:
    """Values that, found after close, would join an answer to a person or to its other answers."""
    found = set(answered.ballots.values())
    found |= {r.key for r in await rows(runtime, RoundParticipation)}
    found |= {r.id for r in await rows(runtime, SurveyAnswer)}
    return found


# --- the files a DB owner holds ------------------------------------------------------------------


def sqlite_files(database_url: str) -> list[Path]:
    """The SQLite database and its WAL and shared-memory files (those that exist)."""
    path = Path(make_url(database_url).database or "")
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


def _pg(database_url: str) -> psycopg.Connection[Any]:
    url = make_url(database_url)
    schema = str(url.query["options"]).split("=", 1)[1]
    plain = url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    conn = psycopg.connect(plain, autocommit=True)
    conn.execute(f'SET search_path TO "{schema}"')
    return conn


PG_TABLES = ("survey_answer", "round_participation", "outbox_message")


def pg_relation_files(database_url: str, tables: Iterable[str] = PG_TABLES) -> list[Path]:
    """The heap, index and TOAST files of the tables, after a CHECKPOINT wrote every dirty page."""
    with _pg(database_url) as conn:
        conn.execute("CHECKPOINT")
        base = Path(str(conn.execute("SHOW data_directory").fetchone()[0]))  # type: ignore[index]
        found: list[Path] = []
        for table in tables:
            paths = conn.execute(
                "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.oid = %s::regclass"
                " OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = %s::regclass)"
                " OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = %s::regclass)",
                (table, table, table),
            ).fetchall()
            for (relative,) in paths:
                if relative:
                    found += sorted((base / relative).parent.glob(Path(relative).name + "*"))
        return found


def pg_query(database_url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of a query run as the database owner (system columns included)."""
    with _pg(database_url) as conn:
        cursor = conn.execute(sql, args)
        return cursor.fetchall() if cursor.description else []


def files_of(database_url: str) -> list[Path]:
    """Every file that holds the erasing tables, for either backend."""
    return (
        sqlite_files(database_url) if database_url.startswith("sqlite") else pg_relation_files(database_url)
    )


def found_in(paths: Iterable[Path], needles: Iterable[str]) -> dict[str, list[str]]:
    """Which needles occur in which file's raw bytes."""
    hits: dict[str, list[str]] = {}
    blobs = {p: p.read_bytes() for p in paths}
    for needle in needles:
        raw = needle.encode()
        where = [p.name for p, blob in blobs.items() if raw in blob]
        if where:
            hits[needle] = where
    return hits


async def outbox_of(runtime: Runtime, round_id: str) -> list[OutboxMessage]:
    """The outbox rows of a round."""
    return [r for r in await rows(runtime, OutboxMessage) if r.round_id == round_id]
