"""`python -m bot export`: aggregates per closed round and construct, never a row about one person."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import TextIO

from sqlmodel import col, select

from bot.insights import Estimate, Suppressed
from bot.measures import HAS_RESULTS, measure_rounds, numeric_constructs, scale_of, summarize_construct
from bot.questions import QuestionBank
from storage.db import Database
from storage.models import SurveyRound

COLUMNS = (
    "round_id",
    "opened_on",
    "closed_on",
    "construct",
    "scale",
    "n",
    "mean",
    "mean_ci_low",
    "mean_ci_high",
    "favourable_share",
    "favourable_ci_low",
    "favourable_ci_high",
    "invited",
    "answered",
    "participation",
    "note",
)


def _estimate(e: Estimate, digits: int) -> tuple[str, str, str]:
    return f"{e.value:.{digits}f}", f"{e.low:.{digits}f}", f"{e.high:.{digits}f}"


async def export_rows(db: Database, bank: QuestionBank, *, k: int) -> list[dict[str, str]]:
    """One row per closed round and numeric construct asked in it; anything under k left blank."""
    async with db.session() as session:
        rounds: Sequence[SurveyRound] = list(
            await session.exec(
                select(SurveyRound)
                .where(col(SurveyRound.closed_at).is_not(None), *HAS_RESULTS)
                .order_by(col(SurveyRound.opened_at))
            )
        )
    rows: list[dict[str, str]] = []
    for measures in await measure_rounds(db, bank, rounds):
        r = measures.round
        assert r.closed_at is not None  # selected above
        answered = measures.answered
        # Invited minus answered (who did not answer) is a group as well: it must not be 1..k-1.
        shown = answered >= k and not 0 < r.invited - answered < k
        base = {
            "round_id": r.id,
            "opened_on": r.opened_at.date().isoformat(),
            "closed_on": r.closed_at.date().isoformat(),
            "invited": str(r.invited),
            "answered": str(answered) if shown else "",
            "participation": f"{answered / r.invited:.4f}" if shown and r.invited else "",
        }
        for construct in numeric_constructs(bank):
            counts = measures.constructs.get(construct)
            if counts is None:
                continue  # not asked this round
            summary = summarize_construct(bank, construct, counts, k=k)
            scale = scale_of(bank, construct)
            row = (
                dict.fromkeys(COLUMNS, "")
                | base
                | {"construct": construct, "scale": f"{scale.low}-{scale.high}"}
            )
            if isinstance(summary, Suppressed):
                row["note"] = f"fewer than {k} answers: not shown"
            else:
                row["n"] = str(summary.n)
                row["mean"], row["mean_ci_low"], row["mean_ci_high"] = _estimate(summary.mean, 3)
                fav = _estimate(summary.favourable, 4)
                row["favourable_share"], row["favourable_ci_low"], row["favourable_ci_high"] = fav
            if not shown:
                row["note"] = "; ".join(
                    filter(
                        None,
                        [row["note"], f"fewer than {k} respondents or non-respondents: count not shown"],
                    )
                )
            rows.append(row)
    return rows


def write_csv(rows: Sequence[dict[str, str]], out: TextIO) -> None:
    """Write export rows as CSV with a header."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
