"""Async engine and sessions; Alembic migrations applied at start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS = Path(__file__).with_name("migrations")
log = logging.getLogger(__name__)


class Database:
    """An async engine plus a session factory; one per process."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        kwargs: dict[str, Any] = {}
        if self.dialect == "postgresql":
            # A server restart drops pooled connections; pre-ping finds out before a request does.
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_timeout=10)
            # An unreachable server should fail a request in seconds, not hang it.
            kwargs["connect_args"] = {"connect_timeout": 5}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web handlers read while the outbox writes; busy_timeout absorbs short locks.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, not left in free pages for a file reader to find.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


# Tables whose erased rows (ballots, participation keys, old answer ids, per-person deliveries)
# must not survive as dead tuples in the relation files after a round closes.
ERASED_TABLES = ("survey_answer", "round_participation", "outbox_message")


async def erase_dead_rows(db: Database) -> None:
    """Physically remove deleted rows: SQLite truncates its WAL, PostgreSQL rewrites the tables."""
    if db.dialect == "sqlite":
        async with db.engine.connect() as conn:
            for _ in range(5):
                # (busy, WAL frames, frames checkpointed); busy = 0 means the WAL is now empty.
                row = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
                if not row[0]:
                    return
                # A reader still holds an old snapshot; it ends within a request.
                await asyncio.sleep(0.2)
        log.warning("the SQLite WAL is still in use; erased rows stay in it until the next checkpoint")
        return
    if db.dialect == "postgresql":
        async with db.engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            # VACUUM FULL copies rows a running snapshot may still see, so first wait for every
            # transaction of this database that began before now (a click, an outbox pass) to end.
            now = (await auto.exec_driver_sql("SELECT mod(txid_current(), 4294967296)::text")).scalar_one()
            for _ in range(150):
                older = (
                    await auto.exec_driver_sql(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL"
                        " AND age(backend_xmin) >= age(%(now)s::xid)",
                        {"now": now},
                    )
                ).scalar_one()
                if not older:
                    break
                await asyncio.sleep(0.2)
            else:
                log.warning(
                    "a long transaction is open: erased rows it can still see stay until the next close"
                )
            # Plain VACUUM frees dead tuples for reuse but leaves their bytes in the pages.
            await auto.exec_driver_sql(f"VACUUM (FULL) {', '.join(ERASED_TABLES)}")


def sync_url(url: str) -> str:
    """The synchronous-driver twin of an async URL (for Alembic and the job store)."""
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        parsed = parsed.set(drivername="sqlite")
    return parsed.render_as_string(hide_password=False)


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the schema to the latest migration (idempotent)."""
    command.upgrade(alembic_config(url), "head")
