"""Change detection for the digest and verdicts for actions: pooled rounds, rank tests, Holm.

Each construct asked in the latest round is compared twice with a pooled baseline of up to six
earlier rounds: the latest round alone (a sudden change) and the last two rounds together (a
change that persists, with twice the answers). Both use the two-sided Mann–Whitney test on the
full answer scale (ordinal, tie-corrected), and the Holm–Šidák step-down correction runs over every
comparison in the digest at a family-wise 4%, so on stable data fewer than one digest in twenty
flags anything at all.
Rounds with fewer than k answers are left out of every pool, so no pooled figure can be
differenced against the shown ones to reveal a smaller group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bot.errors import InvalidInput
from bot.insights.anonymity import Suppressed, check_k
from bot.insights.stats import LIKERT_5, Answers, Scale, _mann_whitney_p, histogram

BASELINE_ROUNDS = 6
RECENT_WINDOWS = (1, 2)
# The digest's family-wise error rate. The goal is at most 5% of stable digests flagging anything;
# the Holm–Šidák procedure holds its nominal level only as well as the rank test's normal
# approximation does (heavy ties, 10 answers a round), and measured at 0.05 it sat at 3.5–4.5%,
# within sampling error of the goal. 0.04 keeps a margin and costs about 2 points of power.
FAMILY_ALPHA = 0.04

Direction = Literal["up", "down"]


@dataclass(frozen=True)
class Shift:
    """Recent rounds pooled against earlier rounds pooled: sizes, favourable shares, means, raw p."""

    recent_rounds: int
    baseline_rounds: int
    n_recent: int
    n_baseline: int
    favourable_before: float
    favourable_after: float
    mean_before: float
    mean_after: float
    p_value: float

    @property
    def delta(self) -> float:
        """Change in the favourable share, recent minus baseline (-1..1)."""
        return self.favourable_after - self.favourable_before

    @property
    def direction(self) -> Direction:
        """Which way the answers moved, by the mean on the full scale."""
        return "up" if self.mean_after >= self.mean_before else "down"


@dataclass(frozen=True)
class Assessment:
    """A construct's comparisons in this digest and whether any survives the digest-wide correction."""

    shifts: tuple[Shift, ...]
    p_adjusted: float  # the smallest Holm-adjusted p of this construct's comparisons
    significant: bool
    comparisons: int  # how many comparisons the whole digest corrected for

    @property
    def headline(self) -> Shift:
        """The comparison to report: the significant or smallest-p one (latest round on ties)."""
        return min(self.shifts, key=lambda s: (s.p_value, s.recent_rounds))

    @property
    def direction(self) -> Direction | None:
        """The direction of a significant change, else None."""
        return self.headline.direction if self.significant else None


def pooled_shift(
    rounds: Sequence[Answers | None], *, k: int, scale: Scale = LIKERT_5, recent: int = 1
) -> Shift | Suppressed | None:
    """The last `recent` usable rounds pooled against up to six usable rounds before them.

    A round is usable when it asked the construct and at least k people answered. None when the
    latest round is not usable or there are too few earlier rounds to compare with.
    """
    check_k(k)
    if recent < 1:
        raise InvalidInput(f"recent must be at least 1, got {recent}")
    if not rounds or rounds[-1] is None:
        return None
    counts = [histogram(r, scale=scale) if r is not None else None for r in rounds]
    latest = counts[-1]
    assert latest is not None
    if int(latest.sum()) < k:
        return Suppressed(f"fewer than {k} answers in the latest round")
    usable = [c for c in counts if c is not None and int(c.sum()) >= k]
    if len(usable) < recent + 1:
        return None
    after = np.sum(usable[-recent:], axis=0)
    baseline = usable[-recent - BASELINE_ROUNDS : -recent]
    # With a two-round window, one earlier round alone is too thin a baseline to call persistence.
    if len(baseline) < recent:
        return None
    before = np.sum(baseline, axis=0)
    return Shift(
        recent_rounds=recent,
        baseline_rounds=len(baseline),
        n_recent=int(after.sum()),
        n_baseline=int(before.sum()),
        favourable_before=_share(before, scale),
        favourable_after=_share(after, scale),
        mean_before=_mean(before, scale),
        mean_after=_mean(after, scale),
        p_value=_mann_whitney_p(before, after, scale),
    )


def monitor_changes(
    histories: Mapping[str, Sequence[Answers | None]],
    scales: Mapping[str, Scale],
    *,
    k: int,
    alpha: float = FAMILY_ALPHA,
) -> dict[str, Assessment]:
    """Assess every construct asked in the latest round, Holm-corrected across the whole digest.

    `histories[construct]` lists its answers per round, oldest first, None where not asked.
    Constructs not asked in the latest round get no assessment: nothing new was measured.
    """
    if not 0.0 < alpha < 1.0:
        raise InvalidInput(f"alpha must be between 0 and 1, got {alpha}")
    shifts: dict[str, tuple[Shift, ...]] = {}
    for construct, rounds in histories.items():
        found = [
            pooled_shift(rounds, k=k, scale=scales.get(construct, LIKERT_5), recent=w) for w in RECENT_WINDOWS
        ]
        tested = tuple(s for s in found if isinstance(s, Shift))
        if tested:
            shifts[construct] = tested
    family = [(construct, s) for construct, tested in shifts.items() for s in tested]
    if not family:
        return {}
    adjusted = _holm([s.p_value for _, s in family], alpha)
    best: dict[str, float] = {}
    for (construct, _), p in zip(family, adjusted, strict=True):
        best[construct] = min(best.get(construct, 1.0), p)
    return {
        construct: Assessment(
            shifts=tested,
            p_adjusted=best[construct],
            significant=best[construct] < alpha,
            comparisons=len(family),
        )
        for construct, tested in shifts.items()
    }


Verdict = Literal["improved", "worse", "no change"]


@dataclass(frozen=True)
class ActionVerdict:
    """An action's effect: every usable round before adoption pooled against every one after."""

    rounds_before: int
    rounds_after: int
    n_before: int
    n_after: int
    favourable_before: float
    favourable_after: float
    p_value: float
    verdict: Verdict


def judge_action(
    before: Sequence[Answers],
    after: Sequence[Answers],
    *,
    k: int,
    scale: Scale = LIKERT_5,
    alpha: float = 0.05,
) -> ActionVerdict | Suppressed:
    """Compare the rounds before an action with those after it (two-sided Mann–Whitney on the full scale).

    Rounds with fewer than k answers are left out; `Suppressed` when either side has none left.
    """
    check_k(k)
    sides = []
    for rounds in (before, after):
        usable = [c for c in (histogram(r, scale=scale) for r in rounds) if int(c.sum()) >= k]
        sides.append(usable)
    if not sides[0] or not sides[1]:
        return Suppressed("no round with enough answers on one side")
    a, b = np.sum(sides[0], axis=0), np.sum(sides[1], axis=0)
    p = _mann_whitney_p(a, b, scale)
    verdict: Verdict = "no change"
    if p < alpha:
        verdict = "improved" if _mean(b, scale) > _mean(a, scale) else "worse"
    return ActionVerdict(
        rounds_before=len(sides[0]),
        rounds_after=len(sides[1]),
        n_before=int(a.sum()),
        n_after=int(b.sum()),
        favourable_before=_share(a, scale),
        favourable_after=_share(b, scale),
        p_value=p,
        verdict=verdict,
    )


def _holm(p_values: list[float], alpha: float) -> list[float]:
    """Holm–Šidák step-down adjusted p-values (statsmodels, imported on first use: it brings pandas).

    Holm–Šidák rather than plain Holm: it controls the family-wise rate for two-sided tests of
    (asymptotically) normal statistics under any correlation (Šidák's inequality), which is what
    overlapping pooled comparisons are, and it is slightly less conservative. (statsmodels' plain
    "holm" branch also runs a full gc.collect() per call: ~0.3 s in a large process.)
    """
    from statsmodels.stats.multitest import multipletests

    # A p-value of exactly 1 makes Šidák's log1p(-p) -inf, which is the right limit (adjusted p 1).
    with np.errstate(divide="ignore"):
        _, adjusted, _, _ = multipletests(p_values, alpha=alpha, method="holm-sidak")
    return [float(p) for p in adjusted]


def _share(counts: np.ndarray, scale: Scale) -> float:
    n = int(counts.sum())
    return int(counts[scale.favourable_from - scale.low :].sum()) / n


def _mean(counts: np.ndarray, scale: Scale) -> float:
    values = np.arange(scale.low, scale.high + 1, dtype=np.float64)
    return float(values @ counts) / int(counts.sum())
