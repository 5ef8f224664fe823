"""Change detection against pooled earlier rounds, Holm across the digest, and action verdicts."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.insights import LIKERT_5, RECOMMEND_0_10, Suppressed
from bot.insights.monitor import (
    ActionVerdict,
    Shift,
    judge_action,
    monitor_changes,
    pooled_shift,
)

K = 5
STABLE = [0.02, 0.06, 0.19, 0.42, 0.31]  # ~73% favourable, mean ~3.9
LOWER = [0.05, 0.15, 0.30, 0.35, 0.15]  # ~50% favourable: a real fall


def _round(rng: np.random.Generator, n: int, p: list[float]) -> dict[int, int]:
    return {i + 1: int(c) for i, c in enumerate(rng.multinomial(n, p))}


def test_latest_round_is_compared_with_the_pooled_earlier_rounds() -> None:
    rng = np.random.default_rng(1)
    rounds = [_round(rng, 40, STABLE) for _ in range(8)] + [_round(rng, 40, LOWER)]
    shift = pooled_shift(rounds, k=K)
    assert isinstance(shift, Shift)
    assert (shift.recent_rounds, shift.baseline_rounds) == (1, 6)
    assert (shift.n_recent, shift.n_baseline) == (40, 240)
    assert shift.direction == "down"
    assert shift.delta < -0.1
    assert shift.p_value < 0.01


def test_rounds_below_k_are_left_out_of_every_pool() -> None:
    rounds: list[dict[int, int] | None] = [{4: 10}, {1: 3}, None, {5: 10}, {4: 6}]
    shift = pooled_shift(rounds, k=K, recent=1)
    assert isinstance(shift, Shift)
    # The 3-answer round and the round that did not ask are skipped, not pooled.
    assert (shift.baseline_rounds, shift.n_baseline, shift.n_recent) == (2, 20, 6)


def test_no_comparison_without_a_latest_round_or_a_baseline() -> None:
    assert pooled_shift([{4: 10}, None], k=K) is None
    assert pooled_shift([{4: 10}], k=K) is None
    assert pooled_shift([{4: 10}, {4: 10}], k=K, recent=2) is None  # no earlier round to pool
    assert isinstance(pooled_shift([{4: 10}, {4: 3}], k=K), Suppressed)


def test_holm_runs_across_every_construct_and_window_of_the_digest() -> None:
    rng = np.random.default_rng(2)
    stable = [_round(rng, 40, STABLE) for _ in range(9)]
    histories = {
        "psych_safety": [*stable[:-1], _round(rng, 40, LOWER)],
        "awareness": [_round(rng, 40, STABLE) for _ in range(9)],
        "trust_confidentiality": [*stable[:-1], None],  # not asked in the latest round
    }
    result = monitor_changes(histories, {}, k=K)
    assert set(result) == {"psych_safety", "awareness"}
    assert result["psych_safety"].comparisons == 4  # 2 constructs x (latest, last two)
    assert result["psych_safety"].significant
    assert result["psych_safety"].direction == "down"
    assert not result["awareness"].significant
    assert result["awareness"].direction is None
    # Holm's adjusted p is never below the raw one.
    assert result["psych_safety"].p_adjusted >= min(s.p_value for s in result["psych_safety"].shifts)


def test_stable_digests_flag_anything_at_most_about_five_percent_of_the_time() -> None:
    rng = np.random.default_rng(20261129)
    digests, flagged = 300, 0
    for _ in range(digests):
        histories = {name: [_round(rng, 40, STABLE) for _ in range(9)] for name in ("a", "b", "c", "d", "e")}
        flagged += any(a.significant for a in monitor_changes(histories, {}, k=K).values())
    # Ten correlated tests per digest; without correction about 30% of these digests would flag.
    assert flagged / digests <= 0.07


def test_action_verdict_pools_every_round_before_and_after() -> None:
    rng = np.random.default_rng(3)
    before = [_round(rng, 40, LOWER) for _ in range(6)]
    after = [_round(rng, 40, STABLE) for _ in range(3)]
    verdict = judge_action(before, after, k=K)
    assert isinstance(verdict, ActionVerdict)
    assert (verdict.rounds_before, verdict.rounds_after, verdict.n_before, verdict.n_after) == (
        6,
        3,
        240,
        120,
    )
    assert verdict.verdict == "improved"
    assert judge_action(after, before, k=K).verdict == "worse"  # type: ignore[union-attr]


def test_action_without_an_effect_is_rarely_called_improved() -> None:
    rng = np.random.default_rng(4)
    runs = 200
    improved = 0
    for _ in range(runs):
        verdict = judge_action(
            [_round(rng, 40, STABLE) for _ in range(6)], [_round(rng, 40, STABLE) for _ in range(3)], k=K
        )
        assert isinstance(verdict, ActionVerdict)
        improved += verdict.verdict == "improved"
    assert improved / runs <= 0.05


def test_action_verdict_needs_k_answers_on_each_side() -> None:
    assert isinstance(judge_action([{4: 3}], [{5: 20}], k=K), Suppressed)
    assert isinstance(judge_action([], [{5: 20}], k=K), Suppressed)


_COUNTS = st.one_of(
    st.builds(lambda v, n: {v: n}, st.integers(1, 5), st.integers(0, 10**5)),
    st.dictionaries(st.integers(1, 5), st.integers(0, 50), max_size=5),
    st.just({}),
)
SHAPES = settings(database=None, deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


@SHAPES
@given(
    histories=st.dictionaries(
        st.sampled_from(["a", "b", "c"]), st.lists(st.none() | _COUNTS, min_size=0, max_size=16), max_size=3
    ),
    k=st.integers(2, 10),
)
def test_monitoring_any_shape_of_history_never_fails(
    histories: dict[str, list[dict[int, int] | None]], k: int
) -> None:
    for assessment in monitor_changes(histories, {}, k=k).values():
        assert 0.0 <= assessment.p_adjusted <= 1.0
        for shift in assessment.shifts:
            assert 0.0 <= shift.p_value <= 1.0
            assert min(shift.n_recent, shift.n_baseline) >= k
            assert all(math.isfinite(v) for v in (shift.delta, shift.mean_before, shift.mean_after))


@SHAPES
@given(
    before=st.lists(_COUNTS, max_size=8),
    after=st.lists(_COUNTS, max_size=8),
    k=st.integers(2, 10),
)
def test_judging_any_shape_of_rounds_never_fails(
    before: list[dict[int, int]], after: list[dict[int, int]], k: int
) -> None:
    verdict = judge_action(before, after, k=k)
    if isinstance(verdict, ActionVerdict):
        assert 0.0 <= verdict.p_value <= 1.0
        assert min(verdict.n_before, verdict.n_after) >= k


def test_recommend_item_is_compared_on_its_own_scale() -> None:
    rounds = [{8: 20, 9: 10, 10: 10}] * 4 + [{3: 20, 5: 20}]
    shift = pooled_shift(rounds, k=K, scale=RECOMMEND_0_10)
    assert isinstance(shift, Shift)
    assert shift.direction == "down"
    assert shift.favourable_before == 0.5
    assert pooled_shift([{4: 10}] * 3, k=K, scale=LIKERT_5) is not None
