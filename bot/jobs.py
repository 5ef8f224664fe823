"""Scheduled job entry points, importable by name for APScheduler's persistent job store.

A persistent job stores a reference to a function, not live objects, so the running process
binds its services here once and every job looks them up.
"""

from __future__ import annotations

import logging

from bot import idempotency, retention
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


async def remind_follow_ups() -> None:
    """Queue the DM for each peer-support follow-up falling due (each sent once)."""
    await _services().support.plan_follow_up_reminders()


async def remind_lapsed_training() -> None:
    """Queue this week's reminder for supporters whose training lapsed (each sent once a week)."""
    services = _services()
    await services.support.plan_training_reminders(team_id=services.team_id)


async def remind_policy_reviews() -> None:
    """Queue the coordinators' policy-review reminders (30 days ahead once, then weekly while overdue)."""
    services = _services()
    await services.policies.plan_reminders(team_id=services.team_id)


async def post_weekly_digest() -> None:
    """Post this week's coordinators' digest (once per week, however often this runs)."""
    services = _services()
    await services.digests.post_weekly(team_id=services.team_id)


async def purge_expired_text() -> None:
    """Erase survey comments, feedback text and session notes older than RETENTION_DAYS."""
    services = _services()
    await retention.purge_expired_text(
        services.db, now=services.clock.now(), retention_days=services.settings.retention_days
    )


async def forget_old_requests() -> None:
    """Drop the idempotency keys of requests handled more than a day ago."""
    services = _services()
    await idempotency.forget_old_requests(services.db, now=services.clock.now())
