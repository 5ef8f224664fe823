"""Participation: how many were invited and answered, and how the response rate moves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import InvalidInput
from bot.insights.anonymity import SUPPRESSED, Suppressed, check_k

MAX_HISTORY_ROUNDS = 8


@dataclass(frozen=True)
class Turnout:
    """One round's raw figures: people invited and people who answered."""

    invited: int
    answered: int


@dataclass(frozen=True)
class Participation:
    """The latest round's participation; rates and changes are fractions (0.05 = 5 points).

    `invited` is always shown: who was invited is not sensitive. `answered` and `rate` are
    `Suppressed` below k answers. A change is `Suppressed` when either side is, and None when
    there is no earlier round at all. The average is the plain mean of earlier rounds' rates (each
    round counts once); `rounds_in_average` says how many (at most 8, small ones skipped).
    """

    invited: int
    answered: int | Suppressed
    rate: float | Suppressed
    change_vs_last: float | Suppressed | None
    change_vs_average: float | Suppressed | None
    rounds_in_average: int
    # True when 1..k-1 people did not answer: `answered` and `rate` are then lower bounds that leave
    # k people unaccounted for, so the figure never says how few stayed silent.
    at_least: bool = False


def summarize_participation(rounds: Sequence[Turnout], *, k: int) -> Participation:
    """Summarise the last of `rounds` (oldest first) against the round before and the 8 before."""
    check_k(k)
    if not rounds:
        raise InvalidInput("participation needs at least the current round")
    for turnout in rounds:
        if not 0 <= turnout.answered <= turnout.invited:
            raise InvalidInput(
                f"answered ({turnout.answered}) must be between 0 and invited ({turnout.invited})"
            )
    current, earlier = rounds[-1], rounds[:-1][-MAX_HISTORY_ROUNDS:]
    rate = _rate(current, k=k)
    # Earlier small rounds are left out of the average: earlier digests showed the other rounds'
    # rates, so an average that included a small round would let a reader solve for it.
    shown_earlier = [r for r in (_rate(t, k=k) for t in earlier) if not isinstance(r, Suppressed)]

    change_vs_last: float | Suppressed | None = None
    change_vs_average: float | Suppressed | None = None
    if earlier:
        last = _rate(earlier[-1], k=k)
        if isinstance(rate, Suppressed) or isinstance(last, Suppressed):
            change_vs_last = SUPPRESSED
        else:
            change_vs_last = rate - last
        if isinstance(rate, Suppressed) or not shown_earlier:
            change_vs_average = SUPPRESSED
        else:
            change_vs_average = rate - sum(shown_earlier) / len(shown_earlier)

    if _few_silent(current, k=k):
        bound = current.invited - k
        return Participation(
            invited=current.invited,
            answered=bound if bound >= k else SUPPRESSED,
            rate=bound / current.invited if bound >= k else SUPPRESSED,
            change_vs_last=None if not earlier else SUPPRESSED,
            change_vs_average=None if not earlier else SUPPRESSED,
            rounds_in_average=len(shown_earlier),
            at_least=bound >= k,
        )
    return Participation(
        invited=current.invited,
        answered=current.answered if current.answered >= k else SUPPRESSED,
        rate=rate,
        change_vs_last=change_vs_last,
        change_vs_average=change_vs_average,
        rounds_in_average=len(shown_earlier),
    )


def _rate(turnout: Turnout, *, k: int) -> float | Suppressed:
    # answered >= k >= 2 implies invited > 0, so the division is safe. An exact rate with 1..k-1
    # people silent says how few did not answer; such a round's rate is never shown nor averaged.
    if turnout.answered < k or _few_silent(turnout, k=k):
        return SUPPRESSED
    return turnout.answered / turnout.invited


def _few_silent(turnout: Turnout, *, k: int) -> bool:
    return 0 < turnout.invited - turnout.answered < k
