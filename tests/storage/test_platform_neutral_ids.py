"""Migration 0009 with data in place: Slack's rows keep every value under the new column names, and
a platform's long ids (a Teams tenant GUID, a Teams conversation id) fit afterwards."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import create_engine, text

from storage.db import alembic_config, sync_url

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TEAMS_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TEAMS_CONVERSATION = "a:1" + "Xy7" * 40  # Teams personal-chat ids run well past 100 characters
TEAMS_USER = "29:1" + "AbC9" * 30


def _upgrade(url: str, to: str) -> None:
    command.upgrade(alembic_config(url), to)


async def test_outbox_rows_survive_the_rename_and_long_ids_fit_afterwards(database_url: str) -> None:
    await asyncio.to_thread(_upgrade, database_url, "0008")
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO outbox_message (dedupe_key, kind, recipient, channel_id, message_ts, status,"
                    " attempts, next_attempt_at) VALUES ('pulse:r1:U1', 'pulse', 'U0123ABCD', 'D0456EFGH',"
                    " '1764493200.000100', 'sent', 1, :now)"
                ),
                {"now": NOW},
            )
            conn.execute(
                text(
                    "INSERT INTO survey_round (id, team_id, schedule_key, question_ids, opened_at, closes_at,"
                    " invited) VALUES ('r1', 'T0PEERPULSE', 'manual:1', '[]', :now, :now, 40)"
                ),
                {"now": NOW},
            )
        await asyncio.to_thread(_upgrade, database_url, "head")
        with engine.begin() as conn:
            row = conn.execute(
                text("SELECT recipient, conversation, message_ref, status FROM outbox_message")
            ).one()
            assert tuple(row) == ("U0123ABCD", "D0456EFGH", "1764493200.000100", "sent")
            assert conn.execute(text("SELECT team_id, invited FROM survey_round")).one() == (
                "T0PEERPULSE",
                40,
            )
            conn.execute(
                text(
                    "INSERT INTO outbox_message (dedupe_key, kind, recipient, conversation, message_ref, status,"
                    " attempts, next_attempt_at) VALUES ('pulse:r2:teams', 'pulse', :user, :conversation,"
                    " :conversation, 'sent', 1, :now)"
                ),
                {"user": TEAMS_USER, "conversation": TEAMS_CONVERSATION, "now": NOW},
            )
            conn.execute(
                text(
                    "INSERT INTO survey_round (id, team_id, schedule_key, question_ids, opened_at, closes_at,"
                    " invited) VALUES ('r2', :tenant, 'manual:2', '[]', :now, :now, 40)"
                ),
                {"tenant": TEAMS_TENANT, "now": NOW},
            )
            stored = conn.execute(
                text("SELECT recipient, conversation FROM outbox_message WHERE dedupe_key = 'pulse:r2:teams'")
            ).one()
            assert tuple(stored) == (TEAMS_USER, TEAMS_CONVERSATION)
    finally:
        engine.dispose()
