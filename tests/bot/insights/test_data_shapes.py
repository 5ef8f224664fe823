"""No data shape breaks a statistic or the chart: unanimous, empty, tiny and huge groups (issue 14)."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.insights import (
    LIKERT_5,
    RECOMMEND_0_10,
    Change,
    Estimate,
    LikertSummary,
    RecommendSummary,
    Scale,
    Suppressed,
    Trend,
    compare_rounds,
    render_constructs_chart,
    summarize_likert,
    summarize_recommend,
    trend,
)
from bot.insights.chart_text import ALT_TEXT_LIMIT, chart_alt_text, chart_text_equivalent
from bot.insights.stats import wilson_interval

SHAPES = settings(
    database=None, deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow]
)


def _histograms(scale: Scale) -> st.SearchStrategy[dict[int, int]]:
    """Answer counts of every shape: empty, tiny, unanimous at either end, spread, and huge."""
    values = st.integers(scale.low, scale.high)
    unanimous = st.builds(
        lambda v, n: {v: n}, st.sampled_from([scale.low, scale.high]) | values, st.integers(0, 10**6)
    )
    spread = st.dictionaries(values, st.integers(0, 40), max_size=scale.size)
    huge = st.dictionaries(values, st.integers(0, 10**6), max_size=scale.size)
    return st.one_of(unanimous, spread, huge, st.just({}))


def _ordered(estimate: Estimate, low: float, high: float) -> None:
    assert all(math.isfinite(v) for v in (estimate.value, estimate.low, estimate.high))
    assert low <= estimate.low <= estimate.value <= estimate.high <= high


@SHAPES
@given(counts=_histograms(LIKERT_5), k=st.integers(2, 10))
def test_likert_summary_always_contains_its_estimates(counts: dict[int, int], k: int) -> None:
    summary = summarize_likert(counts, k=k)
    if sum(counts.values()) < k:
        assert isinstance(summary, Suppressed)
        return
    assert isinstance(summary, LikertSummary)
    _ordered(summary.mean, 1, 5)
    _ordered(summary.favourable, 0, 1)


@SHAPES
@given(counts=_histograms(RECOMMEND_0_10), k=st.integers(2, 10))
def test_recommend_summary_always_contains_its_estimates(counts: dict[int, int], k: int) -> None:
    summary = summarize_recommend(counts, k=k)
    if sum(counts.values()) < k:
        assert isinstance(summary, Suppressed)
        return
    assert isinstance(summary, RecommendSummary)
    _ordered(summary.mean, 0, 10)
    _ordered(summary.nps, -100, 100)
    assert math.isclose(summary.promoters + summary.passives + summary.detractors, 1.0)


@SHAPES
@given(n=st.integers(1, 10**7), data=st.data())
def test_wilson_interval_contains_the_share_at_every_size(n: int, data: st.DataObject) -> None:
    successes = data.draw(st.sampled_from([0, n, n // 2]) | st.integers(0, n))
    _ordered(wilson_interval(successes, n), 0, 1)


@SHAPES
@given(
    scale=st.sampled_from([LIKERT_5, RECOMMEND_0_10]),
    data=st.data(),
    k=st.integers(2, 10),
)
def test_comparing_any_two_rounds_gives_valid_p_values(scale: Scale, data: st.DataObject, k: int) -> None:
    before = data.draw(_histograms(scale))
    after = data.draw(_histograms(scale))
    change = compare_rounds(before, after, k=k, scale=scale)
    if min(sum(before.values()), sum(after.values())) < k:
        assert isinstance(change, Suppressed)
        return
    assert isinstance(change, Change)
    for difference in (change.mean, change.favourable):
        assert 0.0 <= difference.p_value <= 1.0
        assert math.isfinite(difference.delta)


_ESTIMATES = st.builds(
    lambda a, b, c: Estimate(*sorted((a, b, c))[1:2], *sorted((a, b, c))[::2]),
    st.floats(0, 1),
    st.floats(0, 1),
    st.floats(0, 1),
)


@SHAPES
@given(points=st.lists(st.none() | st.just(Suppressed()) | _ESTIMATES, max_size=12))
def test_trend_of_any_series_is_a_trend_or_suppressed(points: list[Estimate | Suppressed | None]) -> None:
    result = trend(points)
    assert isinstance(result, Trend | Suppressed)
    if isinstance(result, Trend):
        assert 0.0 <= result.p_value <= 1.0
        assert math.isfinite(result.slope)


@settings(database=None, deadline=None, max_examples=25)
@given(
    rows=st.lists(st.lists(_histograms(LIKERT_5), min_size=1, max_size=8), min_size=0, max_size=7),
    k=st.integers(2, 10),
)
def test_chart_renders_every_shape_of_summaries(rows: list[list[dict[int, int]]], k: int) -> None:
    rounds = max((len(r) for r in rows), default=1)
    series: dict[str, list[Estimate | Suppressed | None]] = {}
    for i, row in enumerate(rows):
        points: list[Estimate | Suppressed | None] = []
        for counts in row + [{}] * (rounds - len(row)):
            summary = summarize_likert(counts, k=k)
            points.append(summary.favourable if isinstance(summary, LikertSummary) else summary)
        series[f"construct {i}"] = points
    labels = [f"R{i}" for i in range(rounds)]
    png = render_constructs_chart(series, round_labels=labels, min_group_size=k)
    assert png.startswith(b"\x89PNG")
    # The chart in words reads the same shapes without failing, within Slack's alt-text limit.
    alt = chart_alt_text(series, round_labels=labels)
    assert len(alt) <= ALT_TEXT_LIMIT
    if any(isinstance(p, Estimate) for points in series.values() for p in points):
        assert all(name in alt for name in series)
    lines = chart_text_equivalent(series, round_labels=labels, min_group_size=k)
    assert [line.split(":")[0] for line in lines[1 : len(series) + 1]] == list(series)


@settings(database=None, deadline=None, max_examples=25)
@given(
    ends=st.lists(st.tuples(st.integers(0, 1), st.integers(5, 10**6)), min_size=1, max_size=8),
    metric=st.sampled_from(["favourable", "mean"]),
)
def test_chart_of_unanimous_rounds_renders(ends: list[tuple[int, int]], metric: str) -> None:
    # The shape that used to take the whole digest down: 0/n and n/n in one series.
    points: list[Estimate | Suppressed | None] = []
    for unfavourable, n in ends:
        summary = summarize_likert({1 if unfavourable else 5: n}, k=5)
        assert isinstance(summary, LikertSummary)
        points.append(summary.favourable if metric == "favourable" else summary.mean)
    png = render_constructs_chart(
        {"Unanimous": points},
        round_labels=[f"R{i}" for i in range(len(points))],
        metric=metric,  # type: ignore[arg-type]
    )
    assert png.startswith(b"\x89PNG")


def test_rounding_hair_below_an_estimate_draws_no_negative_bar() -> None:
    png = render_constructs_chart(
        {"A": [Estimate(0.0, 2.7755575615628914e-17, 0.43), Estimate(1.0, 0.77, 0.9999999999999999)]},
        round_labels=["R1", "R2"],
    )
    assert png.startswith(b"\x89PNG")
