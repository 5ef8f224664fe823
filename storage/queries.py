"""Storage verbs shared by the domain services. Keyword-only, no Slack imports."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage


async def insert_ignoring_duplicates(
    *, session: AsyncSession, model: type[SQLModel], rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> int:
    """Insert rows, skipping any whose unique `keys` already exist; return how many were new."""
    return len(await insert_new(session=session, model=model, rows=rows, keys=keys))


async def insert_new(
    *, session: AsyncSession, model: type[SQLModel], rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> list[Any]:
    """Insert rows, skipping any whose unique `keys` already exist; return the new rows' first key.

    Atomic per row across sessions and replicas: of two racing inserts, only one sees its key back.
    """
    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]  # SQLModel adds it at class creation
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted: list[Any] = []
    # RETURNING says what was really inserted; rowcount is unreliable across drivers here.
    stmt = maker(table).on_conflict_do_nothing(index_elements=list(keys)).returning(table.c[keys[0]])
    columns = rows[0].keys()
    # Chunk to stay under SQLite's bound-parameter limit and PostgreSQL's 65535.
    for start in range(0, len(rows), 500):
        chunk = list(rows[start : start + 500])
        if all(row.keys() == columns for row in chunk):
            # Rows passed as parameters: one statement, compiled once and cached, sent as one
            # multi-row INSERT ("insertmanyvalues"). A VALUES list built into the statement is
            # compiled afresh for every batch, and the busiest caller (a click) makes one each time.
            inserted.extend((await session.exec(stmt, params=chunk)).scalars().all())
        else:
            # Rows naming different columns: a VALUES list gives each missing one its default.
            inserted.extend((await session.exec(stmt.values(chunk))).scalars().all())
    return inserted


async def claim_due_outbox(
    *,
    session: AsyncSession,
    now: datetime,
    limit: int,
    kinds: Collection[str] | None = None,
    exclude_kinds: Collection[str] = (),
) -> list[OutboxMessage]:
    """Mark up to `limit` due pending messages (of `kinds`, if given) as sending and return them."""
    due = select(OutboxMessage.id).where(
        col(OutboxMessage.status) == "pending", col(OutboxMessage.next_attempt_at) <= now
    )
    if kinds is not None:
        due = due.where(col(OutboxMessage.kind).in_(list(kinds)))
    if exclude_kinds:
        due = due.where(col(OutboxMessage.kind).not_in(list(exclude_kinds)))
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(await session.exec(due.order_by(col(OutboxMessage.next_attempt_at)).limit(limit)))
    if not ids:
        return []
    await session.exec(
        update(OutboxMessage).where(col(OutboxMessage.id).in_(ids)).values(status="sending", claimed_at=now)
    )
    rows = await session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)))
    return sorted(rows, key=lambda r: r.next_attempt_at)


async def outbox_counts(
    *, session: AsyncSession, round_id: str | None = None, kind: str | None = None
) -> dict[str, int]:
    """Messages by status, optionally for one round and kind."""
    stmt = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if round_id is not None:
        stmt = stmt.where(col(OutboxMessage.round_id) == round_id)
    if kind is not None:
        stmt = stmt.where(col(OutboxMessage.kind) == kind)
    return {status: count for status, count in (await session.exec(stmt)).all()}


async def answer_histogram(
    *, session: AsyncSession, round_ids: Sequence[str]
) -> dict[tuple[str, str], dict[int, int]]:
    """Counts of each numeric answer value per (round, question)."""
    from storage.models import SurveyAnswer

    stmt = (
        select(
            col(SurveyAnswer.round_id), col(SurveyAnswer.question_id), col(SurveyAnswer.value), func.count()
        )
        .where(col(SurveyAnswer.round_id).in_(list(round_ids)), col(SurveyAnswer.value).is_not(None))
        .group_by(col(SurveyAnswer.round_id), col(SurveyAnswer.question_id), col(SurveyAnswer.value))
    )
    histogram: dict[tuple[str, str], dict[int, int]] = {}
    for round_id, question_id, value, count in (await session.exec(stmt)).all():
        if value is not None:  # the query excludes NULLs; this narrows the type
            histogram.setdefault((round_id, question_id), {})[int(value)] = int(count)
    return histogram


async def outbox_waiting(*, session: AsyncSession, dedupe_prefix: str) -> int:
    """Messages with this dedupe-key prefix not yet sent (nor given up on)."""
    stmt = select(func.count()).where(
        col(OutboxMessage.dedupe_key).startswith(dedupe_prefix),
        col(OutboxMessage.status).in_(["pending", "sending"]),
    )
    return int((await session.exec(stmt)).one())
