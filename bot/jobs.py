"""Scheduled job entry points, importable by name for APScheduler's persistent job store.

A persistent job stores a reference to a function, not live objects, so the running process
binds its services here once and every job looks them up.
"""

from __future__ import annotations

import logging

from bot.services import Services

log = logging.getLogger(__name__)
_bound: Services | None = None


def bind(services: Services | None) -> None:
    """Make these services the ones scheduled jobs act on (None to unbind)."""
    global _bound
    _bound = services


def _services() -> Services:
    if _bound is None:
        raise RuntimeError("scheduled job ran before bot.jobs.bind(); the runtime wires this at start")
    return _bound


async def open_scheduled_round() -> None:
    """Open the pulse round for the latest schedule occurrence (idempotent)."""
    services = _services()
    await services.surveys.open_scheduled_round(team_id=services.team_id)


async def close_due_rounds() -> None:
    """Close rounds whose window has ended."""
    await _services().surveys.close_due_rounds()
