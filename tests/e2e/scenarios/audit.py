"""What a database owner sees after a scenario: every row of every table, and the keys DESIGN.md allows."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import MetaData, select

from bot.runtime import Runtime
from tests.conftest import PEERPULSE_SECRET

Dump = dict[str, list[dict[str, Any]]]


async def dump(runtime: Runtime) -> Dump:
    """Every row of every table the real database holds (not just the ones the models know)."""

    def read(conn: Any) -> Dump:
        meta = MetaData()
        meta.reflect(conn)
        return {t.name: [dict(r._mapping) for r in conn.execute(select(t))] for t in meta.sorted_tables}

    async with runtime.db.engine.connect() as conn:
        return await conn.run_sync(read)


def cells(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Each value of each row, as text."""
    return [v if isinstance(v, str) else json.dumps(v, default=str) for row in rows for v in row.values()]


def holding(
    found: Dump, needles: Iterable[str], *, tables: Iterable[str] | None = None
) -> dict[str, set[str]]:
    """Which needles occur in which tables' cells (all tables unless named)."""
    wanted = [n for n in needles if n]
    hits: dict[str, set[str]] = {}
    for table in tables if tables is not None else found:
        seen = {n for cell in cells(found[table]) for n in wanted if n in cell}
        if seen:
            hits[table] = seen
    return hits


def participation_key(team_id: str, person: str, round_id: str) -> str:
    """DESIGN.md: HMAC-SHA256(PEERPULSE_SECRET, team:user:round)."""
    message = f"{team_id}:{person}:{round_id}".encode()
    return hmac.new(PEERPULSE_SECRET.encode(), message, hashlib.sha256).hexdigest()
