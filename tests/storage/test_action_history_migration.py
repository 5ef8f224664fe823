"""Migration 0011 with data in place: stored actions get their known history (adopted by whom and when,
closed when), policies stay in force, and the new tables and columns take rows afterwards."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import create_engine, text

from storage.db import alembic_config, sync_url

ADOPTED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
CLOSED = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)


def _upgrade(url: str, to: str) -> None:
    command.upgrade(alembic_config(url), to)


def _action(conn: object, action_id: str, *, closed: datetime | None) -> None:
    conn.execute(  # type: ignore[attr-defined]
        text(
            "INSERT INTO improvement_action (id, team_id, practice_id, title, owner_id, adopted_by, due_on,"
            " construct_id, success_measure, status, outcome_note, created_at, closed_at) VALUES (:id, 'T1',"
            " 'p', 'Title', 'U0OWNER', 'U0ADOPTER', '2026-12-01', 'psych_safety', 's', :status, :note,"
            " :created, :closed)"
        ),
        {
            "id": action_id,
            "status": "closed" if closed else "open",
            "note": "Ran it." if closed else None,
            "created": ADOPTED,
            "closed": closed,
        },
    )


async def test_actions_get_their_history_and_policies_stay_in_force(database_url: str) -> None:
    await asyncio.to_thread(_upgrade, database_url, "0009")
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as conn:
            _action(conn, "a-open", closed=None)
            _action(conn, "a-closed", closed=CLOSED)
            conn.execute(
                text(
                    "INSERT INTO policy (id, team_id, name, link, owner_id, review_interval_months, created_at)"
                    " VALUES ('p1', 'T1', 'Policy', 'https://example.com', 'U0OWNER', 12, :now)"
                ),
                {"now": ADOPTED},
            )
        await asyncio.to_thread(_upgrade, database_url, "0011")
        with engine.begin() as conn:
            rows = conn.execute(
                text("SELECT action_id, kind, by, note FROM improvement_action_event ORDER BY id")
            ).all()
            assert sorted(tuple(r) for r in rows) == [
                ("a-closed", "adopted", "U0ADOPTER", None),
                ("a-closed", "closed", None, "Ran it."),
                ("a-open", "adopted", "U0ADOPTER", None),
            ]
            assert [tuple(r) for r in rows].index(
                ("a-closed", "closed", None, "Ran it.")
            ) == 2  # after both adoptions
            assert conn.execute(text("SELECT retired_at, retired_by, retired_reason FROM policy")).one() == (
                None,
                None,
                None,
            )
            conn.execute(
                text(
                    "INSERT INTO improvement_action_event (action_id, kind, by, at) VALUES ('a-open', 'deleted',"
                    " 'U0ADOPTER', :now)"
                ),
                {"now": CLOSED},
            )
            conn.execute(
                text("UPDATE policy SET retired_at = :now, retired_by = 'U0X', retired_reason = 'Gone'"),
                {"now": CLOSED},
            )
            assert conn.execute(text("SELECT count(*) FROM improvement_action_event")).scalar() == 4
    finally:
        engine.dispose()
