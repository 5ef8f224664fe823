"""Construct-level measures per closed round: the shared basis of digests, actions and exports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, func, select

from bot.i18n import N_, _
from bot.insights import LIKERT_5, RECOMMEND_0_10, LikertSummary, Scale, Suppressed, summarize_likert
from bot.questions import QuestionBank
from bot.results import favourable_histogram
from storage.db import Database
from storage.models import SurveyAnswer, SurveyRound

Histogram = dict[int, int]
# A cancelled round (bot.surveys.cancel_round: closed with invited = 0) has no results: trends,
# digests and exports leave it out rather than show it as a round nobody answered.
HAS_RESULTS = (col(SurveyRound.invited) > 0,)

# What each construct's favourable share means, in words a coordinator reads at a glance.
CONSTRUCT_LABELS = {
    "psych_safety": N_("Psychological safety"),
    "awareness": N_("Awareness of peer support"),
    "trust_confidentiality": N_("Trust in confidentiality"),
    "experienced_disrespect": N_("Free from disrespect (experienced)"),
    "witnessed_disrespect": N_("Free from disrespect (witnessed)"),
    "leadership_response": N_("Leaders act on reports"),
    "recommend": N_("Would recommend peer support"),
}


def label_of(construct: str) -> str:
    """A construct's human name, in the reader's language."""
    known = CONSTRUCT_LABELS.get(construct)
    return _(known) if known is not None else construct.replace("_", " ").capitalize()


def round_labels(rounds: Sequence[SurveyRound]) -> list[str]:
    """Short labels for rounds: their dates, or R1…Rn when dates repeat."""
    dates = [f"{r.opened_at:%d %b}" for r in rounds]
    return dates if len(set(dates)) == len(dates) else [f"R{i}" for i in range(1, len(rounds) + 1)]


@dataclass(frozen=True)
class RoundMeasures:
    """One closed round: who took part and each construct's answer counts (favourable-coded)."""

    round: SurveyRound
    constructs: dict[str, Histogram]

    @property
    def answered(self) -> int:
        """Respondents in the round (0 while it is still open)."""
        return self.round.answered_final or 0


def scale_of(bank: QuestionBank, construct: str) -> Scale:
    """The answer scale a construct is measured on."""
    items = bank.items_of(construct)
    return RECOMMEND_0_10 if items and items[0].kind == "scale_0_10" else LIKERT_5


def numeric_constructs(bank: QuestionBank) -> list[str]:
    """Constructs with numeric answers, in bank order."""
    return [c for c in bank.constructs if bank.items_of(c)[0].kind != "text"]


def summarize_construct(
    bank: QuestionBank, construct: str, counts: Histogram, *, k: int
) -> LikertSummary | Suppressed:
    """Mean and favourable share of a construct, or Suppressed below k answers."""
    return summarize_likert(counts, k=k, scale=scale_of(bank, construct))


async def closed_rounds(db: Database, *, team_id: str, limit: int) -> list[SurveyRound]:
    """The most recent closed rounds, oldest first."""
    async with db.session() as session:
        rows = await session.exec(
            select(SurveyRound)
            .where(SurveyRound.team_id == team_id, col(SurveyRound.closed_at).is_not(None), *HAS_RESULTS)
            .order_by(col(SurveyRound.opened_at).desc())
            .limit(limit)
        )
        return list(reversed(list(rows)))


async def measure_rounds(
    db: Database, bank: QuestionBank, rounds: Sequence[SurveyRound]
) -> list[RoundMeasures]:
    """Each round's construct histograms, from one aggregate query."""
    by_round: dict[str, dict[str, Histogram]] = {r.id: {} for r in rounds}
    if not rounds:
        return []
    async with db.session() as session:
        stmt = (
            select(
                col(SurveyAnswer.round_id),
                col(SurveyAnswer.question_id),
                col(SurveyAnswer.value),
                func.count(),
            )
            .where(col(SurveyAnswer.round_id).in_(list(by_round)), col(SurveyAnswer.value).is_not(None))
            .group_by(col(SurveyAnswer.round_id), col(SurveyAnswer.question_id), col(SurveyAnswer.value))
        )
        rows = (await session.exec(stmt)).all()
    raw: dict[tuple[str, str], Histogram] = {}
    for round_id, question_id, value, count in rows:
        if value is not None:
            raw.setdefault((round_id, question_id), {})[int(value)] = int(count)
    for (round_id, question_id), counts in raw.items():
        question = bank.get(question_id)
        if question is None or question.kind == "text":
            continue
        target = by_round[round_id].setdefault(question.construct, {})
        for value, count in favourable_histogram(question, counts).items():
            target[value] = target.get(value, 0) + count
    return [RoundMeasures(round=r, constructs=by_round[r.id]) for r in rounds]


def latest_with(measures: Sequence[RoundMeasures], construct: str, *, skip: int = 0) -> RoundMeasures | None:
    """The most recent round that asked the construct (skipping the `skip` most recent such)."""
    asked = [m for m in measures if construct in m.constructs]
    return asked[-1 - skip] if len(asked) > skip else None
