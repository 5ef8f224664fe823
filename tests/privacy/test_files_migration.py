"""Migration 0006 takes the click dates out of answers stored before it."""

from __future__ import annotations

import asyncio
from datetime import date

from alembic import command
from sqlalchemy import create_engine, text

from storage.db import alembic_config, sync_url


def _upgrade(url: str, revision: str) -> None:
    command.upgrade(alembic_config(url), revision)


async def test_upgrading_gives_every_stored_answer_its_rounds_date(database_url: str) -> None:
    await asyncio.to_thread(_upgrade, database_url, "0005")
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO survey_round (id, team_id, schedule_key, question_ids, opened_at, closes_at,"
                    " invited) VALUES ('r1', 'T1', 'manual:1', '[]', :opened, :closes, 9)"
                ),
                {"opened": "2026-11-23 23:30:00+00:00", "closes": "2026-11-26 23:30:00+00:00"},
            )
            for n, day in enumerate(["2026-11-23", "2026-11-24", "2026-11-25"]):
                conn.execute(
                    text(
                        "INSERT INTO survey_answer (id, round_id, question_id, construct_id, value, answered_on)"
                        " VALUES (:id, 'r1', 'q1', 'c1', 3, :day)"
                    ),
                    {"id": f"a{n}", "day": day},
                )
        await asyncio.to_thread(_upgrade, database_url, "head")
        with engine.connect() as conn:
            days = {str(d) for (d,) in conn.execute(text("SELECT answered_on FROM survey_answer"))}
        assert days == {str(date(2026, 11, 23))}
    finally:
        engine.dispose()
