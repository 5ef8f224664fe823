"""k-anonymous breakdowns: small cells are withheld and cannot be recovered by subtraction."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.insights import SUPPRESSED, Suppressed, may_show_both, protect_breakdown, protect_groups

S = SUPPRESSED


@pytest.mark.parametrize(
    ("counts", "total", "cells", "shown_total"),
    [
        # nothing small: everything shown
        ({"a": 5, "b": 12}, None, {"a": 5, "b": 12}, 17),
        # zeros describe nobody and are shown
        ({"a": 0, "b": 10}, None, {"a": 0, "b": 10}, 10),
        # one small cell: the next smallest goes too, else 25 − 10 − 12 would give a = 3
        ({"a": 3, "b": 10, "c": 12}, None, {"a": S, "b": S, "c": 12}, 25),
        # tie for next smallest: the one listed first goes
        ({"a": 10, "b": 3, "c": 10}, None, {"a": S, "b": S, "c": 10}, 23),
        # two small cells summing to >= k: total − shown = 5 says only a + b = 5
        ({"a": 3, "b": 2, "c": 20}, None, {"a": S, "b": S, "c": 20}, 25),
        # two small cells summing to < k: a third goes so the residual is not 2
        ({"a": 1, "b": 1, "c": 20, "d": 30}, None, {"a": S, "b": S, "c": S, "d": 30}, 52),
        # a zero cell does not help hide anything, so a non-zero one is picked
        ({"a": 0, "b": 2, "c": 9, "d": 8}, None, {"a": 0, "b": S, "c": 9, "d": S}, 19),
        # the total holds 7 beyond the cells, so total − b = 10 does not reveal a
        ({"a": 3, "b": 20}, 30, {"a": S, "b": 20}, 30),
        # ... but a remainder of 1 would make total − b = 4: b goes too
        ({"a": 3, "b": 20}, 24, {"a": S, "b": S}, 24),
        # a total under k hides everything
        ({"a": 2, "b": 1}, None, {"a": S, "b": S}, S),
        ({"a": 0, "b": 0}, 3, {"a": S, "b": S}, S),
        # nothing at all is safe to show
        ({"a": 0, "b": 0}, None, {"a": 0, "b": 0}, 0),
        # overlapping categories (sum above total): c is small, b goes with it as if disjoint,
        # and a goes because 12 − 8 = 4 comments are not in "a"
        ({"a": 8, "b": 7, "c": 2}, 12, {"a": S, "b": S, "c": S}, 12),
        # ... and a cell may not leave a small group outside it: 12 − 9 = 3 not in "a"
        ({"a": 9, "b": 7, "c": 6}, 12, {"a": S, "b": 7, "c": 6}, 12),
        # a remainder of 1..k-1 is itself a small group (say, sessions with no category)
        ({"a": 9, "b": 6}, 17, {"a": 9, "b": S}, 17),
    ],
)
def test_breakdown_suppression(
    counts: dict[str, int],
    total: int | None,
    cells: dict[str, int | Suppressed],
    shown_total: int | Suppressed,
) -> None:
    result = protect_breakdown(counts, k=5, total=total)
    assert dict(result.cells) == cells
    assert result.total == shown_total
    assert list(result.cells) == list(counts)


@pytest.mark.parametrize(
    ("counts", "total"),
    [({"a": -1}, None), ({"a": 2.5}, None), ({"a": True}, None), ({"a": 3}, -1)],
)
def test_breakdown_refuses_impossible_counts(counts: dict[str, int], total: int | None) -> None:
    with pytest.raises(InvalidInput):
        protect_breakdown(counts, k=5, total=total)


@settings(database=None, deadline=None, max_examples=300)
@given(
    cells=st.lists(st.integers(0, 40), max_size=8),
    remainder=st.integers(0, 15),
    k=st.integers(2, 10),
)
def test_no_shown_cell_or_derivable_difference_is_a_small_group(
    cells: list[int], remainder: int, k: int
) -> None:
    counts = {f"c{i}": count for i, count in enumerate(cells)}
    total = sum(cells) + remainder
    result = protect_breakdown(counts, k=k, total=total)

    shown = {key: v for key, v in result.cells.items() if not isinstance(v, Suppressed)}
    hidden = [key for key, v in result.cells.items() if isinstance(v, Suppressed)]
    assert all(shown[key] == counts[key] for key in shown)
    assert all(not 0 < v < k for v in shown.values())
    # every small cell is withheld
    assert all(key in hidden for key, count in counts.items() if 0 < count < k)
    if isinstance(result.total, Suppressed):
        assert 0 < total < k
        assert not shown
        return
    assert result.total == total
    assert not 0 < total < k
    residual = total - sum(shown.values())
    assert not 0 < residual < k
    # a lone withheld cell with nothing else in the total would equal the residual
    if remainder == 0 and any(counts[key] for key in hidden):
        assert len(hidden) >= 2


@settings(database=None, deadline=None, max_examples=300)
@given(cells=st.lists(st.integers(0, 40), min_size=1, max_size=6), k=st.integers(2, 10), data=st.data())
def test_overlapping_categories_never_reveal_who_is_outside_a_shown_one(
    cells: list[int], k: int, data: st.DataObject
) -> None:
    # each item may sit in several categories, so the total lies between the largest and the sum
    total = data.draw(st.integers(max(cells), max(sum(cells), max(cells))))
    result = protect_breakdown({f"c{i}": c for i, c in enumerate(cells)}, k=k, total=total)
    shown = [v for v in result.cells.values() if not isinstance(v, Suppressed)]
    if isinstance(result.total, Suppressed):
        assert not shown
        return
    assert all(not 0 < v < k for v in shown)
    assert all(not 0 < total - v < k for v in shown)


@pytest.mark.parametrize(
    ("count_a", "count_b", "allowed"),
    [
        (20, 25, True),  # difference of exactly k
        (20, 20, True),  # same group
        (20, 23, False),  # "all" vs "all but one category" would reveal a category of 3
        (23, 20, False),
        (41, 40, False),  # this round + last vs this round: last round had 1 answer
        (3, 20, False),  # one of them is small itself
        (0, 12, True),
        (0, 4, False),
    ],
)
def test_overlapping_groups_are_never_both_shown_when_their_gap_is_small(
    count_a: int, count_b: int, allowed: bool
) -> None:
    assert may_show_both(count_a, count_b, k=5) is allowed


@settings(database=None, deadline=None)
@given(a=st.integers(0, 100), b=st.integers(0, 100), k=st.integers(2, 10))
def test_may_show_both_never_allows_a_small_difference(a: int, b: int, k: int) -> None:
    if may_show_both(a, b, k=k):
        assert not 0 < abs(a - b) < k
        assert not 0 < a < k
        assert not 0 < b < k


@pytest.mark.parametrize(
    ("groups", "cells", "shown_total"),
    [
        # k sessions from two supporters: shown
        ({"x": ["A", "A", "A", "B", "B"], "y": []}, {"x": 5, "y": 0}, 5),
        # k sessions all from one supporter: that supporter's caseload, withheld and so is the total
        ({"x": ["A"] * 6}, {"x": S}, S),
        # one cell from one supporter only: withheld, and the next smallest with it
        ({"x": ["A"] * 5, "y": ["A", "B"] * 3, "z": ["B", "C"] * 4}, {"x": S, "y": S, "z": 8}, 19),
        # the residual of withheld cells would be one supporter's: one more goes
        ({"x": ["A"] * 5, "y": ["A", "B"] * 3, "z": ["A"] * 5 + ["B"] * 5}, {"x": S, "y": S, "z": 10}, 21),
    ],
)
def test_session_groups_need_k_sessions_from_two_supporters(
    groups: dict[str, list[str]], cells: dict[str, int | Suppressed], shown_total: int | Suppressed
) -> None:
    result = protect_groups(groups, k=5, min_sources=2)
    assert dict(result.cells) == cells
    assert result.total == shown_total


@settings(database=None, deadline=None, max_examples=300)
@given(
    groups=st.lists(st.lists(st.sampled_from("ABCD"), max_size=12), max_size=6),
    remainder=st.lists(st.sampled_from("ABCD"), max_size=6),
    k=st.integers(2, 8),
    min_sources=st.integers(1, 3),
)
def test_no_shown_session_group_or_residual_is_small(
    groups: list[list[str]], remainder: list[str], k: int, min_sources: int
) -> None:
    named = {f"c{i}": g for i, g in enumerate(groups)}
    everything = [s for g in groups for s in g] + remainder
    result = protect_groups(named, k=k, min_sources=min_sources, total=everything)

    def small(members: list[str]) -> bool:
        return len(members) > 0 and (len(members) < k or len(set(members)) < min_sources)

    if isinstance(result.total, Suppressed):
        assert small(everything)
        assert all(isinstance(v, Suppressed) for v in result.cells.values())
        return
    assert result.total == len(everything) and not small(everything)
    shown = [key for key, v in result.cells.items() if not isinstance(v, Suppressed)]
    for key in shown:
        assert result.cells[key] == len(named[key]) and not small(named[key])
    # What subtraction gives: everything outside the shown cells, as a group.
    residual = remainder + [s for key, g in named.items() if key not in shown for s in g]
    assert not small(residual)
