"""Migration 0012 with data in place: the rounds, answers and opt-outs already stored are untouched, the
new member_address table takes addresses and drops them again on downgrade."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import create_engine, inspect, text

from storage.address_queries import (
    address_of_conversation,
    forget_member_address,
    member_address,
    member_time_zones,
    save_member_address,
)
from storage.db import Database, alembic_config, sync_url

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _upgrade(url: str, to: str) -> None:
    command.upgrade(alembic_config(url), to)


def _downgrade(url: str, to: str) -> None:
    command.downgrade(alembic_config(url), to)


async def test_stored_data_survives_and_addresses_come_and_go(database_url: str) -> None:
    await asyncio.to_thread(_upgrade, database_url, "0011")
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
            conn.execute(
                text(
                    "INSERT INTO survey_answer (id, round_id, question_id, construct_id, value, answered_on)"
                    " VALUES ('a1', 'r1', 'experienced_negative', 'c1', 4, :d)"
                ),
                {"d": date(2026, 11, 30)},
            )
            conn.execute(text("INSERT INTO pulse_optout (key) VALUES ('k1')"))
        await asyncio.to_thread(_upgrade, database_url, "0012")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT id, value FROM survey_answer")).all() == [("a1", 4)]
            assert conn.execute(text("SELECT key FROM pulse_optout")).all() == [("k1",)]
            assert conn.execute(text("SELECT count(*) FROM member_address")).scalar() == 0
            # Nothing about answers sits beside an address: no round, answer or time column.
            columns = {c["name"] for c in inspect(conn).get_columns("member_address")}
            assert columns == {"team_id", "user_id", "conversation_id", "service_url", "time_zone"}

        db = Database(database_url)
        try:
            async with db.session() as session:
                assert await save_member_address(
                    session=session, team_id="T1", user_id="29:a", conversation_id="a:1",
                    service_url="https://smba.trafficmanager.net/emea/", time_zone="Europe/Berlin",
                )  # fmt: skip
                await session.commit()
            async with db.session() as session:
                # The same address again changes nothing (no write at all).
                assert not await save_member_address(
                    session=session, team_id="T1", user_id="29:a", conversation_id="a:1",
                    service_url="https://smba.trafficmanager.net/emea/",
                )  # fmt: skip
                # A message from another region moves the person, keeping their known time zone.
                assert await save_member_address(
                    session=session, team_id="T1", user_id="29:a", conversation_id="a:1",
                    service_url="https://smba.trafficmanager.net/amer/",
                )  # fmt: skip
                await session.commit()
            async with db.session() as session:
                found = await member_address(session=session, team_id="T1", user_id="29:a")
                assert found is not None
                assert (found.service_url, found.time_zone) == (
                    "https://smba.trafficmanager.net/amer/",
                    "Europe/Berlin",
                )
                by_conversation = await address_of_conversation(
                    session=session, team_id="T1", conversation_id="a:1"
                )
                assert by_conversation is not None and by_conversation.user_id == "29:a"
                assert await member_time_zones(session=session, team_id="T1") == {"29:a": "Europe/Berlin"}
                assert await member_time_zones(session=session, team_id="T2") == {}
                await forget_member_address(session=session, team_id="T1", user_id="29:a")
                await session.commit()
            async with db.session() as session:
                assert await member_address(session=session, team_id="T1", user_id="29:a") is None
                await save_member_address(
                    session=session, team_id="T1", user_id="29:b", conversation_id="a:2", service_url=None
                )
                await session.commit()
        finally:
            await db.dispose()

        await asyncio.to_thread(_downgrade, database_url, "0011")
        with engine.begin() as conn:
            assert "member_address" not in inspect(conn).get_table_names()
            assert conn.execute(text("SELECT id, value FROM survey_answer")).all() == [("a1", 4)]
        await asyncio.to_thread(_upgrade, database_url, "head")
    finally:
        engine.dispose()
