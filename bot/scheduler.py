"""build_scheduler: APScheduler 3.x on the app's loop, with jobs persisted in the database."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings
from bot.surveys import EARLIEST_ZONE
from storage.db import sync_url

JOB_TABLE = "apscheduler_jobs"


def build_scheduler(settings: Settings) -> AsyncIOScheduler:
    """A scheduler whose jobs survive restarts; a run missed while down happens once."""
    scheduler = AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=sync_url(settings.database_url), tablename=JOB_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=ZoneInfo("UTC"),
    )
    # Pulses fire first where the day starts first; each person's DM then waits for their own hour.
    scheduler.add_job(
        "bot.jobs:open_scheduled_round",
        CronTrigger.from_crontab(settings.pulse_schedule, timezone=ZoneInfo(EARLIEST_ZONE)),
        id="pulse-round",
        name="open the scheduled pulse round",
        replace_existing=True,
    )
    scheduler.add_job(
        "bot.jobs:close_due_rounds",
        IntervalTrigger(minutes=5),
        id="close-rounds",
        name="close pulse rounds past their window",
        replace_existing=True,
    )
    scheduler.add_job(
        "bot.jobs:post_weekly_digest",
        CronTrigger.from_crontab(settings.digest_schedule, timezone=ZoneInfo(settings.digest_timezone)),
        id="weekly-digest",
        name="post the coordinators' weekly digest",
        replace_existing=True,
    )
    # Peer-support reminders are queued for 10:00 on each supporter's own clock and keyed so each
    # is sent once, however often these run; "due by tomorrow" covers the zones ahead of UTC.
    scheduler.add_job(
        "bot.jobs:remind_follow_ups",
        CronTrigger(hour=0, minute=5, timezone=ZoneInfo("UTC")),
        id="support-follow-ups",
        name="remind supporters of follow-ups falling due",
        replace_existing=True,
    )
    scheduler.add_job(
        "bot.jobs:remind_lapsed_training",
        CronTrigger(day_of_week="mon", hour=0, minute=0, timezone=ZoneInfo("UTC")),
        id="support-training-reminders",
        name="remind supporters whose training lapsed",
        replace_existing=True,
    )
    # Policy reminders are keyed by due date and ISO week, so each goes out once however often this runs.
    scheduler.add_job(
        "bot.jobs:remind_policy_reviews",
        CronTrigger(hour=9, minute=0, timezone=ZoneInfo(settings.digest_timezone)),
        id="policy-review-reminders",
        name="remind coordinators of policy reviews due or overdue",
        replace_existing=True,
    )
    scheduler.add_job(
        "bot.jobs:purge_expired_text",
        CronTrigger(hour=3, minute=30, timezone=ZoneInfo("UTC")),
        id="text-retention",
        name="erase free text past RETENTION_DAYS",
        replace_existing=True,
    )
    scheduler.add_job(
        "bot.jobs:forget_old_requests",
        IntervalTrigger(hours=1),
        id="forget-processed-requests",
        name="drop idempotency keys older than a day",
        replace_existing=True,
    )
    return scheduler
