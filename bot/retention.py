"""Retention: raw free text goes after RETENTION_DAYS; the rows, and so every count, stay."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Table, delete, inspect, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from storage.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextRule:
    """Free text in `table.text_column` expires once `age_column` is older than the cutoff."""

    table: str
    text_column: str
    age_column: str


# By table name, so a capability's table is covered as soon as its model is registered.
RULES: tuple[TextRule, ...] = (
    # Survey answers keep only a date, by design.
    TextRule("survey_answer", "text", "answered_on"),
    TextRule("feedback", "text", "submitted_on"),
    # A note's clock starts when it was written, whatever date the session had.
    TextRule("support_session", "note", "created_at"),
)


async def purge_expired_text(db: Database, *, now: datetime, retention_days: int) -> dict[str, int]:
    """Erase free text older than `retention_days`; return how many rows lost it, per table.

    A nullable text column is set to NULL and the row stays, so counts, themes and values are
    unchanged; a row whose text cannot be NULL is nothing but that text, and is deleted.
    """
    cutoff = now - timedelta(days=retention_days)
    async with db.engine.connect() as conn:
        present = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    purged: dict[str, int] = {}
    for rule in RULES:
        table = SQLModel.metadata.tables.get(rule.table)
        if table is None or rule.table not in present:
            continue
        purged[rule.table] = await _purge(db, table, rule, cutoff)
    if any(purged.values()):
        log.info("retention erased free text older than %d days: %s", retention_days, purged)
    return purged


async def _purge(db: Database, table: Table, rule: TextRule, cutoff: datetime) -> int:
    text, age = table.c[rule.text_column], table.c[rule.age_column]
    limit: date | datetime = cutoff.date() if isinstance(age.type, Date) else cutoff
    expired = (age < limit) & text.is_not(None)
    stmt = (
        update(table).where(expired).values({text: None}) if text.nullable else delete(table).where(expired)
    )
    async with db.session() as session:
        conn: AsyncConnection = await session.connection()
        result = await conn.execute(stmt)
    return int(result.rowcount or 0)
