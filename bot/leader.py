"""Electing the one process that runs the scheduler and the outbox: a PostgreSQL advisory lock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database

log = logging.getLogger(__name__)

# Advisory locks are database-wide; naming the lock after the schema lets installs (and test runs)
# that share a PostgreSQL database in separate schemas each elect their own leader.
LOCK_SQL = "SELECT pg_try_advisory_lock(hashtextextended('peerpulse-leader:' || current_schema(), 0))"


class LeaderElection:
    """Holds the advisory lock on a dedicated connection; losing the connection loses the lock."""

    def __init__(
        self,
        db: Database,
        *,
        on_elected: Callable[[], Awaitable[None]],
        on_deposed: Callable[[], Awaitable[None]],
        interval: float = 5.0,
    ) -> None:
        self.db = db
        self.on_elected = on_elected
        self.on_deposed = on_deposed
        self.interval = interval
        self.is_leader = False
        # Readiness: whether a first round has completed, and why the last one failed (None: it did not).
        self.campaigned = False
        self.last_error: str | None = None
        self._conn: AsyncConnection | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Campaign until stopped; call the hooks on every change of leadership."""
        try:
            while not stop.is_set():
                try:
                    await self._step()
                    self.last_error = None
                except Exception as exc:
                    # The database may be restarting; step down and campaign again next round.
                    self.last_error = f"failed ({type(exc).__name__}); retrying every {self.interval:.0f}s"
                    log.warning("leader election check failed (%s)", type(exc).__name__, exc_info=True)
                    try:
                        await self._step_down()
                    except Exception as hook_exc:
                        # Stepping down must not end the campaign: the next round tries again.
                        log.error("stepping down failed (%s)", type(hook_exc).__name__, exc_info=True)
                self.campaigned = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.interval)
        finally:
            await self._step_down(stopping=True)

    async def _step(self) -> None:
        if self.db.dialect != "postgresql":
            # SQLite serves one process; it leads by definition.
            if not self.is_leader:
                await self._become_leader()
            return
        if self.is_leader:
            assert self._conn is not None
            await self._conn.execute(text("SELECT 1"))
            return
        conn = await self.db.engine.connect()
        try:
            got = (await conn.execute(text(LOCK_SQL))).scalar_one()
            await conn.commit()
        except BaseException:
            await conn.close()
            raise
        if got:
            self._conn = conn
            await self._become_leader()
        else:
            await conn.close()

    async def _become_leader(self) -> None:
        self.is_leader = True
        log.info("this process now leads the scheduler and outbox")
        await self.on_elected()

    async def _step_down(self, *, stopping: bool = False) -> None:
        try:
            if self.is_leader:
                self.is_leader = False
                # Losing the lock while running is news; handing it back at shutdown is routine.
                (log.info if stopping else log.warning)(
                    "this process no longer leads the scheduler and outbox"
                )
                # Before the lock goes: a successor must not reconcile rows our last sends still hold.
                await self.on_deposed()
        finally:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                try:
                    await conn.close()
                except Exception as exc:
                    log.debug(
                        "closing the leadership connection failed (%s)", type(exc).__name__, exc_info=True
                    )
