"""Retention: raw free text older than RETENTION_DAYS is erased by the daily job; figures stay."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlmodel import select

from bot import jobs
from bot.clock import ManualClock
from bot.config import Settings
from bot.measures import measure_rounds
from bot.runtime import Runtime
from bot.scheduler import build_scheduler
from storage.digest_models import Feedback
from storage.models import SurveyAnswer, SurveyRound
from storage.support_models import SupportSession


async def _seed(runtime: Runtime, clock: ManualClock) -> SurveyRound:
    """A closed round 400 days ago and one 10 days ago, each with numbers and comments; feedback
    and support notes of the same two ages."""
    now = clock.now()
    bank = runtime.services.surveys.bank
    likert = next(q for q in bank.questions if q.kind == "likert")
    comment = next(q for q in bank.questions if q.kind == "text")
    old_round = None
    async with runtime.db.session() as session:
        for age in (400, 10):
            opened = now - timedelta(days=age)
            round_ = SurveyRound(
                team_id=runtime.services.team_id,
                schedule_key=f"sched:{age}",
                question_ids=[likert.id, comment.id],
                opened_at=opened,
                closes_at=opened + timedelta(days=3),
                closed_at=opened + timedelta(days=3),
                invited=12,
                answered_final=6,
            )
            session.add(round_)
            await session.flush()  # the answers below refer to it
            old_round = old_round or round_
            for value in (1, 2, 4, 4, 5, 5):
                session.add(
                    SurveyAnswer(
                        round_id=round_.id,
                        question_id=likert.id,
                        construct_id=likert.construct,
                        value=value,
                        answered_on=opened.date(),
                    )
                )
            for n in range(3):
                session.add(
                    SurveyAnswer(
                        round_id=round_.id,
                        question_id=comment.id,
                        construct_id=comment.construct,
                        text=f"comment {n} from {age} days ago",
                        answered_on=opened.date(),
                    )
                )
            session.add(
                Feedback(
                    team_id="T1",
                    category="process",
                    text=f"feedback from {age} days ago",
                    submitted_on=opened.date(),
                )
            )
            session.add(
                SupportSession(
                    team_id="T1",
                    supporter_id="U0SUPPORTER",
                    session_date=opened.date(),
                    duration_minutes=30,
                    category="exclusion",
                    contact_channel="dm",
                    outcome="resolved",
                    note=f"note from {age} days ago",
                    created_at=opened,
                )
            )
    assert old_round is not None
    return old_round


async def _texts(runtime: Runtime) -> list[str]:
    async with runtime.db.session() as session:
        answers = [a.text for a in await session.exec(select(SurveyAnswer)) if a.text]
        feedback = [f.text for f in await session.exec(select(Feedback)) if f.text]
        notes = [s.note for s in await session.exec(select(SupportSession)) if s.note]
    return sorted([*answers, *feedback, *notes])


async def _figures(runtime: Runtime) -> tuple[object, ...]:
    """Everything an aggregate is built from: row counts and value histograms."""
    rounds = []
    async with runtime.db.session() as session:
        rounds = list(await session.exec(select(SurveyRound)))
        answers = len(list(await session.exec(select(SurveyAnswer))))
        feedback = [(f.category, f.submitted_on) for f in await session.exec(select(Feedback))]
        sessions = [
            (s.session_date, s.duration_minutes, s.outcome)
            for s in await session.exec(select(SupportSession))
        ]
    measures = await measure_rounds(runtime.db, runtime.services.surveys.bank, rounds)
    return answers, sorted(feedback), sorted(sessions), sorted(str(m.constructs) for m in measures)


async def test_the_retention_job_erases_old_free_text_and_keeps_every_figure(
    runtime: Runtime, clock: ManualClock
) -> None:
    await _seed(runtime, clock)
    before = await _figures(runtime)
    assert len(await _texts(runtime)) == 10

    await jobs.purge_expired_text()
    assert await _texts(runtime) == sorted(
        [f"comment {n} from 10 days ago" for n in range(3)]
        + ["feedback from 10 days ago", "note from 10 days ago"]
    )
    assert await _figures(runtime) == before

    # A day short of the recent text's 365th day nothing more goes; on the day itself, it does.
    clock.advance(timedelta(days=354))
    await jobs.purge_expired_text()
    assert len(await _texts(runtime)) == 5
    clock.advance(timedelta(days=2))
    await jobs.purge_expired_text()
    assert await _texts(runtime) == []
    assert await _figures(runtime) == before


async def test_retention_follows_the_configured_days(runtime: Runtime, clock: ManualClock) -> None:
    await _seed(runtime, clock)
    runtime.services.settings = dataclasses.replace(runtime.services.settings, retention_days=7)
    await jobs.purge_expired_text()
    assert await _texts(runtime) == []


async def test_the_scheduler_runs_retention_daily_and_prunes_request_keys(
    settings: Settings, runtime: Runtime
) -> None:
    scheduler = build_scheduler(settings)
    scheduler.start(paused=True)
    try:
        found = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert found["text-retention"].func_ref == "bot.jobs:purge_expired_text"
    assert found["forget-processed-requests"].func_ref == "bot.jobs:forget_old_requests"
