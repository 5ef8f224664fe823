"""Construct summaries, change between rounds and trends, on data whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.insights import (
    RECOMMEND_0_10,
    SUPPRESSED,
    Change,
    Estimate,
    LikertSummary,
    RecommendSummary,
    Suppressed,
    Trend,
    compare_rounds,
    histogram,
    summarize_likert,
    summarize_recommend,
    trend,
)
from bot.insights.stats import wilson_interval

K = 5


def _summary(answers: object) -> LikertSummary:
    result = summarize_likert(answers, k=K)  # type: ignore[arg-type]
    assert isinstance(result, LikertSummary)
    return result


@pytest.mark.parametrize(
    ("answers", "mean", "low", "high"),
    [
        # t(0.975, 4) = 2.776445, sd = 1.581139: 3 ± 1.963243
        ([1, 2, 3, 4, 5], 3.0, 1.036757, 4.963243),
        # t(0.975, 9) = 2.262157, sd = 2.108185: 3 ± 1.508105
        ([1] * 5 + [5] * 5, 3.0, 1.491895, 4.508105),
        # no spread, no uncertainty
        ([4] * 12, 4.0, 4.0, 4.0),
        # t(0.975, 5) = 2.570582, sd = 1.632993: 4.333 ± 1.713721, clipped to the scale at 5
        ([5] * 5 + [1], 4.333333, 2.619612, 5.0),
    ],
)
def test_mean_has_t_based_confidence_interval(
    answers: list[int], mean: float, low: float, high: float
) -> None:
    summary = _summary(answers)
    assert summary.n == len(answers)
    assert summary.mean.value == pytest.approx(mean, abs=1e-6)
    assert summary.mean.low == pytest.approx(low, abs=1e-6)
    assert summary.mean.high == pytest.approx(high, abs=1e-6)


@pytest.mark.parametrize(
    ("favourable", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (Wilson score).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_favourable_share_has_wilson_interval_matching_published_values(
    favourable: int, n: int, low: float, high: float
) -> None:
    summary = _summary({5: favourable, 2: n - favourable})
    assert summary.favourable.value == pytest.approx(favourable / n)
    assert summary.favourable.low == pytest.approx(low, abs=5e-5)
    assert summary.favourable.high == pytest.approx(high, abs=5e-5)


@given(st.integers(min_value=1, max_value=5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
@settings(max_examples=200, deadline=None)
def test_closed_form_wilson_interval_agrees_with_scipy(case: tuple[int, int]) -> None:
    from scipy.stats import binomtest

    successes, n = case
    expected = binomtest(successes, n).proportion_ci(confidence_level=0.95, method="wilson")
    got = wilson_interval(successes, n, confidence=0.95)
    assert got.low == pytest.approx(float(expected.low), abs=1e-9)
    assert got.high == pytest.approx(float(expected.high), abs=1e-9)


def test_raw_answers_numpy_arrays_and_histograms_give_the_same_summary() -> None:
    raw = [1, 2, 2, 3, 4, 4, 4, 5, 5, 3]
    from_list = _summary(raw)
    assert _summary(np.array(raw, dtype=np.uint8)) == from_list
    assert _summary({1: 1, 2: 2, 3: 2, 4: 3, 5: 2}) == from_list
    assert from_list.favourable.value == pytest.approx(0.5)


def test_large_rounds_are_summarised_from_counts() -> None:
    answers = np.random.default_rng(7).integers(1, 6, size=20_000)
    summary = _summary(answers)
    assert summary.n == 20_000
    assert summary.mean.high - summary.mean.low < 0.05
    assert histogram(answers).tolist() == np.bincount(answers, minlength=6)[1:].tolist()


@pytest.mark.parametrize(
    "answers",
    [[], [3], [1, 2, 3, 4], {5: 4}, {1: 2, 5: 2}, np.array([4, 4, 4, 4])],
)
def test_fewer_than_k_answers_are_suppressed(answers: object) -> None:
    assert summarize_likert(answers, k=K) == SUPPRESSED  # type: ignore[arg-type]


@settings(database=None, deadline=None)
@given(k=st.integers(2, 12), data=st.data())
def test_no_summary_ever_has_numbers_below_k(k: int, data: st.DataObject) -> None:
    likert = data.draw(st.lists(st.integers(1, 5), max_size=k - 1))
    recommend = data.draw(st.lists(st.integers(0, 10), max_size=k - 1))
    assert isinstance(summarize_likert(likert, k=k), Suppressed)
    assert isinstance(summarize_recommend(recommend, k=k), Suppressed)


@pytest.mark.parametrize(
    "answers",
    [[0, 3, 4, 5, 5], [1, 2, 3, 4, 6], [1.0, 2.0, 3.0, 4.0, 5.0], {6: 3}, {3: -1}, [[1, 2]]],
)
def test_answers_off_the_scale_are_refused(answers: object) -> None:
    with pytest.raises(InvalidInput):
        summarize_likert(answers, k=K)  # type: ignore[arg-type]


def test_k_below_two_is_refused() -> None:
    with pytest.raises(InvalidInput):
        summarize_likert([3] * 10, k=1)


@pytest.mark.parametrize(
    ("counts", "nps", "low", "high", "shares"),
    [
        # 50% promoters − 25% detractors; Wald SE = sqrt((0.75 − 0.0625) / 20) = 0.185405
        ({10: 5, 9: 5, 8: 5, 3: 5}, 25.0, -11.3387, 61.3387, (0.5, 0.25, 0.25)),
        ({10: 6, 9: 4}, 100.0, 100.0, 100.0, (1.0, 0.0, 0.0)),
        ({0: 3, 6: 3, 7: 4}, -60.0, -90.3641, -29.6359, (0.0, 0.4, 0.6)),
    ],
)
def test_recommend_item_gives_nps_from_promoters_and_detractors(
    counts: dict[int, int],
    nps: float,
    low: float,
    high: float,
    shares: tuple[float, float, float],
) -> None:
    summary = summarize_recommend(counts, k=K)
    assert isinstance(summary, RecommendSummary)
    assert summary.nps.value == pytest.approx(nps)
    assert summary.nps.low == pytest.approx(low, abs=1e-3)
    assert summary.nps.high == pytest.approx(high, abs=1e-3)
    assert (summary.promoters, summary.passives, summary.detractors) == pytest.approx(shares)


def test_recommend_mean_uses_the_zero_to_ten_scale() -> None:
    summary = summarize_recommend([0] * 5 + [10] * 5, k=K)
    assert isinstance(summary, RecommendSummary)
    assert summary.mean.value == pytest.approx(5.0)
    assert 0.0 <= summary.mean.low < 5.0 < summary.mean.high <= 10.0


# favourable 70% → 45% with 200 a side
_BEFORE = {1: 10, 2: 20, 3: 30, 4: 80, 5: 60}
_AFTER = {1: 30, 2: 40, 3: 40, 4: 60, 5: 30}


def test_planted_drop_is_flagged_on_mean_and_favourable_share() -> None:
    change = compare_rounds(_BEFORE, _AFTER, k=K)
    assert isinstance(change, Change)
    assert (change.n_before, change.n_after) == (200, 200)
    assert change.favourable.before == pytest.approx(0.70)
    assert change.favourable.after == pytest.approx(0.45)
    assert change.favourable.delta == pytest.approx(-0.25)
    assert change.favourable.significant
    assert change.favourable.p_value < 1e-5
    assert change.mean.before == pytest.approx(3.8)
    assert change.mean.delta == pytest.approx(3.1 - 3.8)
    assert change.mean.significant
    assert change.mean.p_value < 1e-5


def test_recommend_item_compares_promoter_share() -> None:
    change = compare_rounds({10: 25, 7: 25}, {10: 5, 7: 20, 3: 25}, k=K, scale=RECOMMEND_0_10)
    assert isinstance(change, Change)
    assert change.favourable.delta == pytest.approx(0.1 - 0.5)
    assert change.favourable.significant
    assert change.mean.delta == pytest.approx(5.3 - 8.5)
    assert change.mean.significant


def test_tiny_change_is_not_flagged() -> None:
    change = compare_rounds(_BEFORE, {1: 11, 2: 20, 3: 30, 4: 80, 5: 59}, k=K)
    assert isinstance(change, Change)
    assert not change.mean.significant
    assert not change.favourable.significant


def test_alpha_sets_the_bar_for_significance() -> None:
    change = compare_rounds(_BEFORE, _AFTER, k=K, alpha=1e-12)
    assert isinstance(change, Change)
    assert not change.favourable.significant


def test_identical_rounds_are_flagged_at_about_the_nominal_rate() -> None:
    rng = np.random.default_rng(20240611)
    probabilities = [0.10, 0.15, 0.25, 0.30, 0.20]
    runs = 500
    mean_flags = share_flags = 0
    for _ in range(runs):
        before = rng.multinomial(200, probabilities)
        after = rng.multinomial(200, probabilities)
        change = compare_rounds(
            dict(enumerate(before.tolist(), start=1)),
            dict(enumerate(after.tolist(), start=1)),
            k=K,
            alpha=0.05,
        )
        assert isinstance(change, Change)
        mean_flags += change.mean.significant
        share_flags += change.favourable.significant
    assert 0.01 <= mean_flags / runs <= 0.08
    assert 0.01 <= share_flags / runs <= 0.08


def test_everyone_giving_the_same_answer_twice_is_no_change() -> None:
    change = compare_rounds([3] * 10, [3] * 12, k=K)
    assert isinstance(change, Change)
    assert change.mean.p_value == 1.0
    assert change.favourable.p_value == 1.0


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({4: 4}, {4: 200}),
        ({4: 200}, {1: 4}),
        ([], [5] * 100),
        ([1, 1, 1, 1], [5, 5, 5, 5]),
    ],
)
def test_change_involving_a_small_round_is_suppressed(
    before: dict[int, int] | list[int], after: dict[int, int] | list[int]
) -> None:
    assert compare_rounds(before, after, k=K) == SUPPRESSED


@settings(database=None, deadline=None)
@given(
    k=st.integers(2, 10),
    small=st.lists(st.integers(1, 5), max_size=9),
    large=st.lists(st.integers(1, 5), min_size=10, max_size=60),
)
def test_small_groups_never_produce_a_flag(k: int, small: list[int], large: list[int]) -> None:
    if len(small) >= k:
        small = small[: k - 1]
    assert isinstance(compare_rounds(small, large, k=k), Suppressed)
    assert isinstance(compare_rounds(large, small, k=k), Suppressed)


def _points(values: list[float | None]) -> list[Estimate | Suppressed | None]:
    return [SUPPRESSED if v is None else Estimate(v, v - 0.05, v + 0.05) for v in values]


@pytest.mark.parametrize(
    ("values", "direction", "significant", "slope", "rounds_used"),
    [
        ([0.50 + 0.02 * i for i in range(8)], "up", True, 0.02, 8),
        ([0.80 - 0.03 * i for i in range(8)], "down", True, -0.03, 8),
        ([0.60, 0.62, 0.59, 0.61, 0.60, 0.63, 0.58, 0.61], "flat", False, 0.0, 8),
        ([0.70] * 6, "flat", False, 0.0, 6),
        # suppressed rounds are skipped but still count as time passing
        ([0.50, None, 0.54, 0.56, None, 0.60, 0.62, 0.64], "up", True, 0.02, 6),
        # 3 rising rounds are too few to be significant
        ([0.40, 0.50, 0.60], "up", False, 0.10, 3),
        # only the last 8 rounds count: the old collapse is out of the window
        ([0.9, 0.1, 0.9, 0.1] + [0.50 + 0.02 * i for i in range(8)], "up", True, 0.02, 8),
    ],
)
def test_trend_over_recent_rounds(
    values: list[float | None],
    direction: str,
    significant: bool,
    slope: float,
    rounds_used: int,
) -> None:
    result = trend(_points(values))
    assert isinstance(result, Trend)
    assert result.direction == direction
    assert result.significant is significant
    assert result.slope == pytest.approx(slope)
    assert result.rounds_used == rounds_used


def test_planted_rise_over_eight_rounds_has_exact_kendall_p_value() -> None:
    result = trend(_points([0.50 + 0.02 * i for i in range(8)]))
    assert isinstance(result, Trend)
    # all 28 pairs concordant: two-sided exact p = 2 / 8!
    assert result.tau == pytest.approx(1.0)
    assert result.p_value == pytest.approx(2 / 40320)


@pytest.mark.parametrize(
    "points",
    [[], [Estimate(0.5, 0.4, 0.6)] * 2, [*_points([0.5, None, None, 0.7]), None]],
)
def test_trend_needs_three_rounds_with_enough_answers(
    points: list[Estimate | Suppressed | None],
) -> None:
    assert isinstance(trend(points), Suppressed)
