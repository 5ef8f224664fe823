"""Survey statistics for the digest: construct summaries, change between rounds, trends.

Answers come either raw (a sequence or numpy array of integer answers) or pre-aggregated as a
``{value: count}`` mapping, so the database can do the counting. Everything is computed from the
per-value histogram, so a round of 20,000 answers costs the same as one of 20.

Units: means are on the answer scale (1–5, or 0–10), shares are fractions 0..1, NPS is -100..100.
Anything computed from fewer than k respondents is `Suppressed`, never a number.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt

from bot.errors import InvalidInput
from bot.insights.anonymity import Suppressed, check_k

Answers: TypeAlias = Mapping[int, int] | Sequence[int] | npt.NDArray[np.integer[Any]]
"""Raw integer answers, or a mapping of answer value to how many gave it."""

CONFIDENCE = 0.95
# The normal quantile for the interval above, computed once (it never changes).
_Z95 = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)


def _scipy_stats() -> Any:
    """scipy.stats, imported on first use: it costs ~70 MB that an idle bot need not carry."""
    from scipy import stats

    return stats


MAX_TREND_ROUNDS = 8
MIN_TREND_ROUNDS = 3


@dataclass(frozen=True)
class Scale:
    """An integer answer scale low..high; answers >= favourable_from count as favourable."""

    low: int
    high: int
    favourable_from: int

    @property
    def size(self) -> int:
        """How many distinct answers the scale has."""
        return self.high - self.low + 1


LIKERT_5 = Scale(low=1, high=5, favourable_from=4)
# On the recommend item "favourable" means a promoter (9–10), so compare_rounds works on it too.
RECOMMEND_0_10 = Scale(low=0, high=10, favourable_from=9)
_DETRACTOR_MAX = 6


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its 95% confidence interval."""

    value: float
    low: float
    high: float


@dataclass(frozen=True)
class LikertSummary:
    """A 1–5 item: respondents, mean (t-based CI) and favourable share ≥ 4 (Wilson CI, 0..1)."""

    n: int
    mean: Estimate
    favourable: Estimate


@dataclass(frozen=True)
class RecommendSummary:
    """The 0–10 recommend item: mean (t CI), NPS (-100..100, Wald CI) and the three shares."""

    n: int
    mean: Estimate
    nps: Estimate
    promoters: float
    passives: float
    detractors: float


@dataclass(frozen=True)
class Difference:
    """One measure in two rounds: values, after − before, two-sided p, and whether significant."""

    before: float
    after: float
    delta: float
    p_value: float
    significant: bool


@dataclass(frozen=True)
class Change:
    """Change between two rounds of one item: mean (Mann–Whitney U) and favourable (Fisher)."""

    n_before: int
    n_after: int
    mean: Difference
    favourable: Difference


@dataclass(frozen=True)
class Trend:
    """Trend over recent rounds: Theil–Sen slope per round, Kendall's tau and its p-value."""

    rounds_used: int
    slope: float
    tau: float
    p_value: float
    significant: bool

    @property
    def direction(self) -> Literal["up", "down", "flat"]:
        """Which way the rounds move, by the sign of Kendall's tau."""
        if self.tau > 0:
            return "up"
        return "down" if self.tau < 0 else "flat"


def histogram(answers: Answers, *, scale: Scale = LIKERT_5) -> npt.NDArray[np.int64]:
    """Counts per answer value (index 0 is scale.low), from raw answers or a value→count mapping."""
    if isinstance(answers, Mapping):
        counts = np.zeros(scale.size, dtype=np.int64)
        for value, count in answers.items():
            if not _is_int(value) or not scale.low <= value <= scale.high:
                raise InvalidInput(f"answer {value!r} is outside {scale.low}..{scale.high}")
            if not _is_int(count) or count < 0:
                raise InvalidInput(f"count for answer {value} must be a non-negative integer")
            counts[value - scale.low] += count
        return counts
    array = np.asarray(answers)
    if array.size == 0:
        return np.zeros(scale.size, dtype=np.int64)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise InvalidInput("answers must be a flat sequence of integers")
    if int(array.min()) < scale.low or int(array.max()) > scale.high:
        raise InvalidInput(f"answers must be within {scale.low}..{scale.high}")
    shifted = array.astype(np.int64, copy=False) - scale.low
    return np.bincount(shifted, minlength=scale.size).astype(np.int64, copy=False)


def summarize_likert(answers: Answers, *, k: int, scale: Scale = LIKERT_5) -> LikertSummary | Suppressed:
    """Summarise one round of a Likert item, or `Suppressed` below k respondents."""
    check_k(k)
    counts = histogram(answers, scale=scale)
    n = int(counts.sum())
    if n < k:
        return Suppressed()
    return LikertSummary(
        n=n, mean=_mean_estimate(counts, scale), favourable=_wilson(_favourable(counts, scale), n)
    )


def summarize_recommend(answers: Answers, *, k: int) -> RecommendSummary | Suppressed:
    """Summarise one round of the 0–10 recommend item, or `Suppressed` below k respondents."""
    check_k(k)
    scale = RECOMMEND_0_10
    counts = histogram(answers, scale=scale)
    n = int(counts.sum())
    if n < k:
        return Suppressed()
    promoters = _favourable(counts, scale) / n
    detractors = int(counts[: _DETRACTOR_MAX - scale.low + 1].sum()) / n
    nps = promoters - detractors
    # Wald interval for a difference of two shares of one multinomial sample; it is what survey
    # tools report for NPS and is adequate at the sizes k allows, though it narrows to a point
    # when every answer is a promoter (or every one a detractor).
    variance = max(promoters + detractors - nps**2, 0.0) / n
    half = _Z95 * math.sqrt(variance)
    return RecommendSummary(
        n=n,
        mean=_mean_estimate(counts, scale),
        nps=Estimate(value=100 * nps, low=100 * max(nps - half, -1.0), high=100 * min(nps + half, 1.0)),
        promoters=promoters,
        passives=1.0 - promoters - detractors,
        detractors=detractors,
    )


def compare_rounds(
    before: Answers,
    after: Answers,
    *,
    k: int,
    scale: Scale = LIKERT_5,
    alpha: float = 0.05,
) -> Change | Suppressed:
    """Compare two rounds of one item, or `Suppressed` if either round has fewer than k answers.

    The mean's change is tested with a two-sided Mann–Whitney U test: answers are ordinal, so a
    rank test is valid where a t-test on 1–5 codes is not, and it corrects for the heavy ties.
    The favourable share's change is tested with Fisher's exact test: it holds its level at the
    small group sizes k allows (5 a side), where the two-proportion z-test's normal approximation
    does not, and being slightly conservative costs little in a digest whose flags people act on;
    at large n the two agree.
    """
    check_k(k)
    if not 0.0 < alpha < 1.0:
        raise InvalidInput(f"alpha must be between 0 and 1, got {alpha}")
    a = histogram(before, scale=scale)
    b = histogram(after, scale=scale)
    n_a, n_b = int(a.sum()), int(b.sum())
    # A change involving a small round would reveal that round's figure; show none of it.
    if n_a < k or n_b < k:
        return Suppressed()

    mean_a = _mean_estimate(a, scale).value
    mean_b = _mean_estimate(b, scale).value
    p_mean = _mann_whitney_p(a, b, scale)

    fav_a, fav_b = _favourable(a, scale), _favourable(b, scale)
    table = [[fav_a, n_a - fav_a], [fav_b, n_b - fav_b]]
    p_fav = float(_scipy_stats().fisher_exact(table, alternative="two-sided").pvalue)

    return Change(
        n_before=n_a,
        n_after=n_b,
        mean=Difference(
            before=mean_a,
            after=mean_b,
            delta=mean_b - mean_a,
            p_value=p_mean,
            significant=p_mean < alpha,
        ),
        favourable=Difference(
            before=fav_a / n_a,
            after=fav_b / n_b,
            delta=fav_b / n_b - fav_a / n_a,
            p_value=p_fav,
            significant=p_fav < alpha,
        ),
    )


def trend(points: Sequence[Estimate | Suppressed | None], *, alpha: float = 0.05) -> Trend | Suppressed:
    """Trend of one measure over the last 8 rounds (oldest first), skipping suppressed/None rounds.

    Significance is the Mann–Kendall test (Kendall's tau of value against round number) and the
    slope is Theil–Sen's, the usual pairing for short series. A rank test fits here because with
    large rounds the round-to-round wobble (news, team events) dwarfs sampling error, so a
    regression weighted by respondents would call every wobble a trend; ranks ask only whether
    later rounds are consistently higher or lower, have an exact null for few points and are not
    swung by one odd round. With 3 or 4 rounds no pattern can reach p < 0.05, which is honest.
    Fewer than 3 usable rounds gives `Suppressed`.
    """
    if not 0.0 < alpha < 1.0:
        raise InvalidInput(f"alpha must be between 0 and 1, got {alpha}")
    recent = list(points)[-MAX_TREND_ROUNDS:]
    # Keep each round's position so a skipped round still counts as time passing.
    xs = [float(i) for i, point in enumerate(recent) if isinstance(point, Estimate)]
    ys = [point.value for point in recent if isinstance(point, Estimate)]
    if len(xs) < MIN_TREND_ROUNDS:
        return Suppressed(f"fewer than {MIN_TREND_ROUNDS} rounds with enough answers")
    if max(ys) == min(ys):  # tau is undefined for a constant series; it is plainly flat
        return Trend(rounds_used=len(xs), slope=0.0, tau=0.0, p_value=1.0, significant=False)
    result = _scipy_stats().kendalltau(xs, ys)
    tau, p_value = float(result.statistic), float(result.pvalue)
    slope = float(_scipy_stats().theilslopes(ys, xs).slope)
    return Trend(rounds_used=len(xs), slope=slope, tau=tau, p_value=p_value, significant=p_value < alpha)


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _favourable(counts: npt.NDArray[np.int64], scale: Scale) -> int:
    return int(counts[scale.favourable_from - scale.low :].sum())


def _mean_estimate(counts: npt.NDArray[np.int64], scale: Scale) -> Estimate:
    n = int(counts.sum())
    values = np.arange(scale.low, scale.high + 1, dtype=np.float64)
    mean = float(values @ counts) / n
    variance = float(((values - mean) ** 2) @ counts) / (n - 1)
    half = _t_quantile(n - 1) * math.sqrt(variance / n)
    # Clipped to the scale: a t interval can overshoot it when n is small and answers extreme.
    return Estimate(value=mean, low=max(mean - half, scale.low), high=min(mean + half, scale.high))


@functools.lru_cache(maxsize=4096)
def _t_quantile(df: int) -> float:
    """Student's t quantile for the 95% interval (scipy's ppf costs ~1 ms; a digest asks ~100 times)."""
    return float(_scipy_stats().t.ppf(0.5 + CONFIDENCE / 2, df))


def wilson_interval(successes: int, n: int, *, confidence: float = CONFIDENCE) -> Estimate:
    """The Wilson score interval of a proportion (no continuity correction).

    The closed form, because scipy only offers it through `binomtest(...).proportion_ci`, which
    first computes an exact test's p-value by binary search: ~1 ms per call, 87 calls per digest.
    A test holds this to scipy's answer.
    """
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    share = successes / n
    spread = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / spread
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / spread
    # At 0/n and n/n the bound is exactly 0 or 1 on paper but rounds to 1e-17 or 0.9999999999999999
    # in floats, which would put the estimate outside its own interval (and a chart's error bar
    # below zero); the interval always contains the estimate, so say so exactly.
    low = 0.0 if successes == 0 else min(share, max(0.0, centre - half))
    high = 1.0 if successes == n else max(share, min(1.0, centre + half))
    return Estimate(value=share, low=low, high=high)


def _wilson(successes: int, n: int) -> Estimate:
    return wilson_interval(successes, n)


def _mann_whitney_p(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], scale: Scale) -> float:
    if np.count_nonzero(a + b) < 2:  # everyone gave the same answer: no evidence of a shift
        return 1.0
    values = np.arange(scale.low, scale.high + 1)
    # Expanding the histograms is O(n) and lets scipy apply its tie correction unchanged.
    x, y = np.repeat(values, a), np.repeat(values, b)
    return float(_scipy_stats().mannwhitneyu(x, y, alternative="two-sided").pvalue)
