"""Migration 0010 with data in place: every stored answer stays as it was and reads as no decline;
a decline can be stored afterwards; downgrading drops the declines and keeps the answers."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import create_engine, text

from storage.db import alembic_config, sync_url

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _upgrade(url: str, to: str) -> None:
    command.upgrade(alembic_config(url), to)


def _downgrade(url: str, to: str) -> None:
    command.downgrade(alembic_config(url), to)


async def test_stored_answers_survive_and_are_not_declines(database_url: str) -> None:
    await asyncio.to_thread(_upgrade, database_url, "0009")
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO survey_round (id, team_id, schedule_key, question_ids, opened_at, closes_at,"
                    " invited) VALUES ('r1', 'T1', 'manual:1', '[]', :now, :now, 9)"
                ),
                {"now": NOW},
            )
            # A scale answer, a comment, and a comment retention has already emptied (no value, no text).
            for row_id, question, value, comment in [
                ("a1", "experienced_negative", 4, None),
                ("a2", "open_comment", None, "More rota fairness"),
                ("a3", "open_comment", None, None),
            ]:
                conn.execute(
                    text(
                        "INSERT INTO survey_answer (id, round_id, question_id, construct_id, value, text,"
                        " answered_on) VALUES (:id, 'r1', :q, 'c1', :v, :t, :d)"
                    ),
                    {"id": row_id, "q": question, "v": value, "t": comment, "d": date(2026, 11, 30)},
                )
        await asyncio.to_thread(_upgrade, database_url, "0010")
        with engine.begin() as conn:
            stored = conn.execute(
                text("SELECT id, value, text, declined FROM survey_answer ORDER BY id")
            ).all()
            assert [tuple(r) for r in stored] == [
                ("a1", 4, None, False),
                ("a2", None, "More rota fairness", False),
                ("a3", None, None, False),  # emptied by retention: still no decline
            ]
            conn.execute(
                text(
                    "INSERT INTO survey_answer (id, round_id, question_id, construct_id, answered_on, declined)"
                    " VALUES ('a4', 'r1', 'witnessed_negative', 'c2', :d, :yes)"
                ),
                {"d": date(2026, 11, 30), "yes": True},
            )
            declined = conn.execute(text("SELECT id FROM survey_answer WHERE declined")).all()
            assert [r[0] for r in declined] == ["a4"]
        await asyncio.to_thread(_downgrade, database_url, "0009")
        with engine.begin() as conn:
            kept = conn.execute(text("SELECT id, value, text FROM survey_answer ORDER BY id")).all()
            assert [tuple(r) for r in kept] == [
                ("a1", 4, None),
                ("a2", None, "More rota fairness"),
                ("a3", None, None),
            ]
        await asyncio.to_thread(_upgrade, database_url, "head")
    finally:
        engine.dispose()
