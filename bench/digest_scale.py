"""Benchmark 3: the weekly digest over a year of data vs. one bare aggregate over the answers."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import _common as c
import numpy as np

GOAL_RATIO = 3.0
GOAL_SECONDS = 3.0
TEAM_ID = "T0PEERPULSE"  # the fake workspace's team
CEILING_SQL = "SELECT round_id, question_id, value, count(*) FROM survey_answer GROUP BY 1, 2, 3"
# How the simulated workforce answers each construct (weights for values low -> high).
TENDENCIES: dict[str, list[float]] = {
    "psych_safety": [0.05, 0.12, 0.23, 0.40, 0.20],
    "awareness": [0.15, 0.30, 0.25, 0.20, 0.10],
    "trust_confidentiality": [0.06, 0.14, 0.30, 0.35, 0.15],
    "experienced_disrespect": [0.55, 0.20, 0.15, 0.07, 0.03],
    "witnessed_disrespect": [0.35, 0.25, 0.25, 0.10, 0.05],
    "leadership_response": [0.10, 0.20, 0.30, 0.30, 0.10],
}
COMMENTS = [
    "I didn't know we had peer supporters until a colleague told me. More awareness please.",
    "Not sure what I say stays private, my manager seems to hear about everything.",
    "Supporters should get refresher training on handling conflict between teams.",
    "Leadership never follows up after someone raises an issue. Nothing changes.",
    "Workload is so high that people snap at each other, that is where it starts.",
    "The supporters were kind and quick to reply. Thank you!",
    "Meetings run over and people get talked over, especially the juniors.",
    "Would like a clearer way to report things anonymously to HR.",
]
ANSWER_COLUMNS = ("id", "round_id", "question_id", "construct_id", "value", "text", "answered_on", "ballot")


@dataclass(frozen=True)
class Scale:
    """How much data to generate."""

    rounds: int = 52
    respondents: int = 4000
    invited: int = 5000
    comment_share: float = 0.03
    feedback: int = 2000
    sessions: int = 5000
    supporters: int = 40

    @property
    def label(self) -> str:
        """Short description for the table."""
        return (
            f"{self.rounds} rounds x {self.respondents:,} respondents, {self.feedback:,} feedback, "
            f"{self.sessions:,} sessions"
        )


QUICK = Scale(rounds=8, respondents=300, invited=400, feedback=100, sessions=200, supporters=5)


def _ids(n: int) -> list[str]:
    raw = os.urandom(16 * n).hex()
    return [raw[i * 32 : (i + 1) * 32] for i in range(n)]


def generate(
    database_url: str, scale: Scale, *, seed: int = 7, supporters: list[str] | None = None
) -> dict[str, Any]:
    """Migrate, then bulk-load a year of closed rounds, answers, feedback and support sessions."""
    from sqlalchemy import insert

    from bot.questions import load_question_bank, select_questions
    from storage.db import migrate
    from storage.digest_models import Feedback
    from storage.models import SurveyRound
    from storage.support_models import SupportSession

    migrate(database_url)
    rng = np.random.default_rng(seed)
    prng = random.Random(seed)
    bank = load_question_bank()
    now = datetime.now(UTC).replace(microsecond=0)
    rounds: list[dict[str, Any]] = []
    answers: list[tuple[Any, ...]] = []
    for i in range(scale.rounds):
        opened = now - timedelta(weeks=scale.rounds - i, hours=1)
        closes = opened + timedelta(days=3)
        questions = select_questions(bank, round_number=i, count=6)
        round_id = _ids(1)[0]
        answered = int(scale.respondents * rng.uniform(0.9, 1.1))
        rounds.append(
            {
                "id": round_id,
                "team_id": TEAM_ID,
                "schedule_key": f"sched:{opened.date().isoformat()}",
                "question_ids": [q.id for q in questions],
                "opened_at": opened,
                "closes_at": closes,
                "closed_at": closes,
                "invited": max(answered, scale.invited),
                "answered_final": answered,
            }
        )
        day = opened.date()
        for q in questions:
            if q.kind == "text":
                n = int(answered * scale.comment_share)
                texts = [prng.choice(COMMENTS) for _ in range(n)]
                answers += [
                    (a, round_id, q.id, q.construct, None, t, day, None)
                    for a, t in zip(_ids(n), texts, strict=True)
                ]
                continue
            if q.kind == "likert":
                weights = np.array(TENDENCIES.get(q.construct, [0.1, 0.2, 0.3, 0.3, 0.1]))
                values = rng.choice(np.arange(1, 6), size=answered, p=weights / weights.sum())
            else:
                values = np.clip(np.rint(rng.normal(7.2, 2.0, size=answered)), 0, 10).astype(int)
            answers += [
                (a, round_id, q.id, q.construct, int(v), None, day, None)
                for a, v in zip(_ids(answered), values.tolist(), strict=True)
            ]
    # Loading in primary-key order appends to the B-trees instead of splitting pages at random.
    answers.sort(key=lambda row: row[0])

    from bot.feedback import CATEGORIES

    feedback = [
        {
            "id": fid,
            "team_id": TEAM_ID,
            "category": prng.choice(list(CATEGORIES)),
            "text": prng.choice(COMMENTS),
            "submitted_on": (now - timedelta(days=prng.uniform(0, 365))).date(),
        }
        for fid in _ids(scale.feedback)
    ]
    people = supporters or [f"U{n:08d}SUP" for n in range(scale.supporters)]
    categories = ["verbal_abuse", "exclusion", "work_sabotage", "cyberbullying", "intimidation", "other"]
    outcomes = ["listened", "resources_shared", "referred_hr", "referred_eap", "referred_manager"]
    sessions = []
    for sid in _ids(scale.sessions):
        when = now - timedelta(days=prng.uniform(0, 365))
        sessions.append(
            {
                "id": sid,
                "team_id": TEAM_ID,
                "supporter_id": prng.choice(people),
                "session_date": when.date(),
                "duration_minutes": prng.choice([15, 20, 30, 45, 60]),
                "category": prng.choice(categories),
                "contact_channel": prng.choice(["in_person", "chat", "call"]),
                "outcome": prng.choice(outcomes),
                "follow_up_on": None,
                "note": None,
                "created_at": when,
                "updated_at": None,
            }
        )

    engine = c.sync_engine(database_url)
    started = time.monotonic()
    try:
        with engine.begin() as conn:
            conn.execute(insert(SurveyRound.__table__), rounds)  # type: ignore[attr-defined]
            conn.execute(insert(Feedback.__table__), feedback)  # type: ignore[attr-defined]
            conn.execute(insert(SupportSession.__table__), sessions)  # type: ignore[attr-defined]
        _bulk_answers(engine, answers)
        with engine.begin() as conn:
            from sqlalchemy import text

            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return {
        "answers": len(answers),
        "rounds": len(rounds),
        "feedback": len(feedback),
        "sessions": len(sessions),
        "load_seconds": time.monotonic() - started,
    }


def _bulk_answers(engine: Any, rows: list[tuple[Any, ...]]) -> None:
    """The fast path for a million rows: COPY on PostgreSQL, one executemany on SQLite."""
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        if engine.dialect.name == "postgresql":
            with (
                driver.cursor() as cur,
                cur.copy(f"COPY survey_answer ({', '.join(ANSWER_COLUMNS)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            cur = driver.cursor()
            cur.execute("PRAGMA synchronous=OFF")
            sql = f"INSERT INTO survey_answer ({', '.join(ANSWER_COLUMNS)}) VALUES ({', '.join('?' * len(ANSWER_COLUMNS))})"  # noqa: S608 - constants only
            cur.executemany(sql, [(*r[:6], r[6].isoformat(), r[7]) for r in rows])
            cur.close()
        driver.commit()
    finally:
        raw.close()


async def _time_ceiling(database_url: str, repeats: int) -> list[float]:
    """Wall time of the bare aggregate, fetched through the app's own async engine."""
    from sqlalchemy import text

    from storage.db import Database

    db = Database(database_url)
    times = []
    try:
        for _ in range(repeats + 1):
            started = time.perf_counter()
            async with db.session() as session:
                rows = (await session.exec(text(CEILING_SQL))).all()  # type: ignore[call-overload]
            times.append(time.perf_counter() - started)
            assert rows
    finally:
        await db.dispose()
    return times[1:]  # the first run only warms the cache


def time_digest(database_url: str, work: Path, repeats: int) -> dict[str, Any] | None:
    """HOOK — the whole digest (queries, statistics, themes, playbook, blocks, chart; no posting).

    Runs bench/_digest_child.py in its own process (so its peak RSS is the digest's) and returns
    {"seconds": [...], "peak_rss_mb": ...}, or None while bot/digest.py exposes no builder.
    """
    if not (c.ROOT / "bot" / "digest.py").exists():
        return None
    import subprocess

    out = subprocess.run(
        [c.PYTHON, str(c.BENCH / "_digest_child.py"), database_url, str(repeats)],
        env=c.base_env(),
        cwd=work,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if out.returncode != 0:
        c.say(f"digest child failed:\n{out.stderr[-3000:]}")
        return None
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    """Generate the data on each database, time the ceiling and the digest, print the table."""
    import asyncio

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke-sized data (8 rounds x 300)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    scale = QUICK if args.quick else Scale()
    if args.quick:
        args.db = "sqlite" if args.db == "both" else args.db
        args.repeats = 1
    rows: list[list[Any]] = []
    with c.workdir("digest") as root:
        for kind in c.db_kinds(args.db):
            work = root / kind
            work.mkdir()
            with c.database(kind, work) as database_url:
                c.say(f"[{kind}] generating {scale.label} …")
                t0 = time.monotonic()
                counts = generate(database_url, scale)
                c.say(
                    f"[{kind}] {counts} in {time.monotonic() - t0:.1f}s (bulk load {counts['load_seconds']:.1f}s)"
                )
                ceiling = statistics.median(asyncio.run(_time_ceiling(database_url, args.repeats)))
                digest = time_digest(database_url, work, args.repeats)
                if digest is None:
                    rows.append([kind, counts["answers"], ceiling, "pending", "-", "-", "-", "PENDING"])
                    continue
                took = statistics.median(digest["seconds"])
                ratio = took / ceiling
                ok = ratio <= GOAL_RATIO and took < GOAL_SECONDS
                rows.append(
                    [
                        kind,
                        counts["answers"],
                        ceiling,
                        took,
                        f"{ratio:.1f}x",
                        digest.get("peak_rss_mb", "-"),
                        digest.get("detail", "-"),
                        c.verdict(ok),
                    ]
                )
    c.print_table(
        f"Digest at scale — {scale.label}, {c.today()}",
        [
            "db",
            "answers",
            "bare aggregate s (ceiling)",
            "whole digest s",
            "vs ceiling",
            "digest peak RSS MB",
            "detail",
            "verdict",
        ],
        rows,
    )
    print(
        f"\nCeiling: `{CEILING_SQL}` (median of {args.repeats}, warm). Goal: the whole digest (queries, "
        f"statistics, themes, playbook, blocks, chart; no posting) within {GOAL_RATIO:g}x the ceiling and "
        f"under {GOAL_SECONDS:g} s."
    )
    if any(r[-1] == "PENDING" for r in rows):
        print("Digest timing: pending — bot/digest.py does not expose a builder yet (see time_digest()).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
