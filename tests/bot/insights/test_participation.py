"""Participation: rates shown only for k or more answers, and their change on earlier rounds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.insights import SUPPRESSED, Participation, Suppressed, Turnout, summarize_participation

S = SUPPRESSED


def _rounds(*pairs: tuple[int, int]) -> list[Turnout]:
    return [Turnout(invited=invited, answered=answered) for invited, answered in pairs]


@pytest.mark.parametrize(
    ("rounds", "expected"),
    [
        # first round ever: no change to report
        (_rounds((40, 12)), Participation(40, 12, 0.3, None, None, 0)),
        # up 10 points on last round, up 5 on the average of 0.30 and 0.40
        (_rounds((40, 12), (40, 16), (40, 20)), Participation(40, 20, 0.5, 0.1, 0.15, 2)),
        # a small current round shows only who was invited
        (_rounds((40, 20), (40, 3)), Participation(40, S, S, S, S, 1)),
        # a small last round cannot be compared with, and is left out of the average
        (_rounds((40, 20), (40, 3), (40, 10)), Participation(40, 10, 0.25, S, -0.25, 1)),
        # no earlier round big enough to average over
        (_rounds((40, 4), (40, 2), (40, 10)), Participation(40, 10, 0.25, S, S, 0)),
        # nobody invited
        (_rounds((0, 0)), Participation(0, S, S, None, None, 0)),
        # only the 8 rounds before the current one are averaged: the 90% round is too old
        (
            _rounds((20, 18), *[(20, 10)] * 8, (20, 12)),
            Participation(20, 12, 0.6, 0.1, 0.1, 8),
        ),
        # 3 of 20 silent: a lower bound leaving k unaccounted for, no exact change
        (_rounds((20, 12), (20, 17)), Participation(20, 15, 0.75, S, S, 1, at_least=True)),
        # 2 of 8 silent and the bound would be under k: nothing exact at all
        (
            _rounds(
                (8, 6),
            ),
            Participation(8, S, S, None, None, 0),
        ),
        # an earlier round with 1 silent is never shown, so it is not averaged either
        (_rounds((20, 19), (20, 10)), Participation(20, 10, 0.5, S, S, 0)),
    ],
)
def test_participation(rounds: list[Turnout], expected: Participation) -> None:
    result = summarize_participation(rounds, k=5)
    assert result.invited == expected.invited
    assert result.answered == expected.answered
    assert result.rate == expected.rate
    if isinstance(expected.change_vs_last, float):
        assert result.change_vs_last == pytest.approx(expected.change_vs_last)
    else:
        assert result.change_vs_last == expected.change_vs_last
    if isinstance(expected.change_vs_average, float):
        assert result.change_vs_average == pytest.approx(expected.change_vs_average)
    else:
        assert result.change_vs_average == expected.change_vs_average
    assert result.rounds_in_average == expected.rounds_in_average
    assert result.at_least == expected.at_least


@pytest.mark.parametrize("rounds", [[], _rounds((10, 11)), _rounds((10, -1))])
def test_impossible_turnout_is_refused(rounds: list[Turnout]) -> None:
    with pytest.raises(InvalidInput):
        summarize_participation(rounds, k=5)


@settings(database=None, deadline=None)
@given(
    k=st.integers(2, 10),
    earlier=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=10),
    invited=st.integers(0, 60),
    data=st.data(),
)
def test_a_round_under_k_never_shows_a_number(
    k: int, earlier: list[tuple[int, int]], invited: int, data: st.DataObject
) -> None:
    answered = data.draw(st.integers(0, min(invited, k - 1)))
    history = [Turnout(invited=max(a, b), answered=min(a, b)) for a, b in earlier]
    result = summarize_participation([*history, Turnout(invited, answered)], k=k)
    assert result.invited == invited
    for figure in (result.answered, result.rate):
        assert isinstance(figure, Suppressed)
    for change in (result.change_vs_last, result.change_vs_average):
        assert change is None or isinstance(change, Suppressed)
