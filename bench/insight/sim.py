"""Realistic simulated survey answers: an ordered-probit respondent model per construct.

Each respondent's latent attitude is normal around the construct's level; cut points turn it into
a 1-5 (or 0-10) answer. A change of "d points" moves the latent level so that the expected answer
moves by exactly d on the answer scale, which is how a coordinator would describe it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from scipy import optimize, stats

from bot.measures import RoundMeasures
from bot.questions import QuestionBank, select_questions
from storage.models import SurveyRound

# Cut points between answers on the latent scale: 5-point agree/frequency items and the 0-10 item.
CUTS_5 = np.array([-1.6, -0.85, -0.05, 1.05])
CUTS_11 = np.linspace(-2.6, 1.9, 10)

# Latent levels giving favourable shares seen in workplace surveys (about 55-78%).
LEVELS: Mapping[str, float] = {
    "psych_safety": 0.55,
    "awareness": 0.45,
    "experienced_disrespect": 0.90,
    "trust_confidentiality": 0.80,
    "witnessed_disrespect": 0.60,
    "leadership_response": 0.30,
    "recommend": 0.55,
}


def cuts_for(construct: str) -> np.ndarray:
    """The cut points of the construct's answer scale."""
    return CUTS_11 if construct == "recommend" else CUTS_5


def probabilities(construct: str, level: float) -> np.ndarray:
    """Answer probabilities (lowest answer first) at a latent level."""
    cdf = stats.norm.cdf(cuts_for(construct) - level)
    return np.diff(np.concatenate([[0.0], cdf, [1.0]]))


def expected_answer(construct: str, level: float) -> float:
    """Mean answer (in answer positions 0..) at a latent level."""
    p = probabilities(construct, level)
    return float(np.arange(len(p)) @ p)


@functools.cache
def level_after(construct: str, points: float) -> float:
    """The latent level at which the expected answer is `points` away from the construct's usual."""
    base = LEVELS[construct]
    target = expected_answer(construct, base) + points
    return float(optimize.brentq(lambda x: expected_answer(construct, x) - target, base - 6, base + 6))


def favourable_share(construct: str, level: float) -> float:
    """Expected favourable share (4-5, or 9-10) at a latent level."""
    p = probabilities(construct, level)
    return float(p[-2:].sum())


def sample(rng: np.random.Generator, construct: str, level: float, n: int) -> dict[int, int]:
    """One round's favourable-coded answer counts for n respondents."""
    counts = rng.multinomial(n, probabilities(construct, level))
    low = 0 if construct == "recommend" else 1
    return {low + i: int(c) for i, c in enumerate(counts) if c}


def simulate_rounds(
    rng: np.random.Generator,
    bank: QuestionBank,
    *,
    rounds: int,
    n: int | Sequence[int],
    level_of: Mapping[str, Sequence[float]] | None = None,
    start: int = 0,
) -> list[RoundMeasures]:
    """Closed rounds as the digest reads them, with the project's own question rotation.

    `level_of[construct][r]` overrides the latent level in round r; `n` is respondents per round.
    """
    sizes = [n] * rounds if isinstance(n, int) else list(n)
    opened = datetime(2026, 1, 6, 10, tzinfo=UTC)
    measures = []
    for r in range(rounds):
        asked = select_questions(bank, round_number=start + r, count=6)
        constructs = {q.construct for q in asked if q.kind != "text"}
        histograms = {}
        for construct in constructs:
            level = (level_of or {}).get(construct, [LEVELS[construct]] * rounds)[r]
            histograms[construct] = sample(rng, construct, level, sizes[r])
        round_ = SurveyRound(
            id=f"r{r}",
            team_id="T1",
            schedule_key=f"sim:{r}",
            question_ids=[q.id for q in asked],
            opened_at=opened + timedelta(days=7 * r),
            closes_at=opened + timedelta(days=7 * r + 3),
            closed_at=opened + timedelta(days=7 * r + 3),
            invited=round(sizes[r] / 0.6),
            answered_final=sizes[r],
        )
        measures.append(RoundMeasures(round=round_, constructs=histograms))
    return measures
