"""`python -m bot export --format csv`: aggregates per closed round and construct, k-anonymous."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.export import COLUMNS, export_rows
from bot.runtime import Runtime
from storage.models import SurveyAnswer, SurveyRound
from tests.conftest import PEERPULSE_SECRET

ROOT = Path(__file__).resolve().parents[2]


async def _seed(runtime: Runtime, clock: ManualClock) -> dict[str, SurveyRound]:
    """Three rounds: a well-answered closed one, a closed one with 3 respondents, an open one."""
    bank = runtime.services.surveys.bank
    likert = [q for q in bank.questions if q.kind == "likert"]
    big, small = likert[0], next(q for q in likert if q.construct != likert[0].construct)
    recommend = next(q for q in bank.questions if q.kind == "scale_0_10")
    comment = next(q for q in bank.questions if q.kind == "text")
    now = clock.now()
    specs = {
        # name: (days ago, respondents, closed, {question: values})
        "busy": (
            30,
            8,
            True,
            {big: [5, 5, 4, 4, 4, 3, 2, 1], small: [4, 4, 2], recommend: [10, 9, 9, 8, 7, 5, 3, 0]},
        ),
        "quiet": (20, 3, True, {big: [5, 4, 1]}),
        "open": (1, 9, False, {big: [5] * 9}),
    }
    rounds: dict[str, SurveyRound] = {}
    async with runtime.db.session() as session:
        for name, (ago, respondents, closed, answers) in specs.items():
            opened = now - timedelta(days=ago)
            round_ = SurveyRound(
                team_id=runtime.services.team_id,
                schedule_key=f"sched:{name}",
                question_ids=[q.id for q in answers] + [comment.id],
                opened_at=opened,
                closes_at=opened + timedelta(days=3 if closed else 30),
                closed_at=opened + timedelta(days=3) if closed else None,
                invited=20,
                answered_final=respondents if closed else None,
            )
            session.add(round_)
            await session.flush()
            rounds[name] = round_
            for question, values in answers.items():
                for value in values:
                    session.add(
                        SurveyAnswer(
                            round_id=round_.id,
                            question_id=question.id,
                            construct_id=question.construct,
                            value=value,
                            answered_on=opened.date(),
                        )
                    )
            session.add(
                SurveyAnswer(
                    round_id=round_.id,
                    question_id=comment.id,
                    construct_id=comment.construct,
                    text="Alice in accounts keeps shouting at me",
                    answered_on=opened.date(),
                )
            )
    return rounds


async def test_export_shows_aggregates_and_suppresses_every_small_group(
    runtime: Runtime, clock: ManualClock
) -> None:
    rounds = await _seed(runtime, clock)
    bank = runtime.services.surveys.bank
    rows = await export_rows(runtime.db, bank, k=5)

    by = {(r["round_id"], r["construct"]): r for r in rows}
    assert {r["round_id"] for r in rows} == {rounds["busy"].id, rounds["quiet"].id}  # closed rounds only
    likert = [q for q in bank.questions if q.kind == "likert"]
    big, small = likert[0].construct, next(q.construct for q in likert if q.construct != likert[0].construct)
    recommend = next(q.construct for q in bank.questions if q.kind == "scale_0_10")

    shown = by[(rounds["busy"].id, big)]
    assert shown["n"] == "8" and shown["answered"] == "8" and shown["participation"] == "0.4000"
    assert float(shown["mean"]) == 3.5 and float(shown["favourable_share"]) == 0.625
    assert float(shown["favourable_ci_low"]) < 0.625 < float(shown["favourable_ci_high"])
    promoters = by[(rounds["busy"].id, recommend)]
    assert promoters["scale"] == "0-10" and float(promoters["favourable_share"]) == 0.375

    # Three answers to one construct: the row says so, and shows no figure at all.
    hidden = by[(rounds["busy"].id, small)]
    assert hidden["n"] == hidden["mean"] == hidden["favourable_share"] == hidden["favourable_ci_low"] == ""
    assert "fewer than 5" in hidden["note"]
    # Three respondents in the whole round: not even the count of them is shown.
    quiet = by[(rounds["quiet"].id, big)]
    assert quiet["answered"] == quiet["participation"] == quiet["n"] == quiet["mean"] == ""
    assert quiet["invited"] == "20"
    # No free text, nothing per person.
    flat = str(rows)
    assert "Alice" not in flat and "shouting" not in flat
    assert all(set(r) == set(COLUMNS) for r in rows)


async def test_the_export_command_writes_the_same_csv(
    runtime: Runtime, clock: ManualClock, database_url: str
) -> None:
    await _seed(runtime, clock)
    expected = await export_rows(runtime.db, runtime.services.surveys.bank, k=5)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "PEERPULSE_", "DATABASE_", "MIN_GROUP"))
    }
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=database_url, PEERPULSE_SECRET=PEERPULSE_SECRET)
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "export", "--format", "csv"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    exported = list(csv.DictReader(io.StringIO(done.stdout)))
    assert exported == expected
    assert done.stdout.splitlines()[0] == ",".join(COLUMNS)
    # Nothing that looks like a Slack user id, a ballot or a participation key.
    assert not re.search(r"\bU[A-Z0-9]{8,}\b|[0-9a-f]{64}", done.stdout)
