"""k-anonymity: which counts may be shown to coordinators, and which must be withheld.

A count of 1..k-1 people is never shown, and neither is anything that lets a reader work one out.
For a breakdown of a shown total into categories (sessions by category, comments by theme):

1. If the total itself is 1..k-1, nothing is shown, not even the total.
2. Primary suppression: every cell of 1..k-1 is withheld. A cell of 0 is shown: it describes nobody.
3. Complementary suppression: because the total is shown, ``total - sum(shown cells)`` is known to
   the reader. It equals the withheld cells plus the *remainder* (what the total holds beyond the
   listed cells, itself a group). While that residual is 1..k-1, the smallest shown non-zero cell
   is withheld too; ties go to the cell listed first. This covers a lone withheld cell with no
   remainder (the residual would be that very cell) and a small remainder on its own.
4. Overlapping groups: two counts of overlapping groups ("this round" and "this round + last
   round", "all" and "all but one category") are never both shown when their difference is 1..k-1,
   since that difference is itself a group (see `may_show_both`).

Session figures (peer support) follow the same rules with one more test, because a session is
not a person and sessions never record who was helped: a session figure is a group of sessions,
and it is small when it holds 1..k-1 sessions *or* comes from fewer than `min_sources` supporters
(see `protect_groups`). A category shown from one supporter's sessions alone would be that
supporter's caseload, which a reader can tie to the supporter from anything else about them.

Categories that overlap (a comment in two themes) get rule 3 as if they were disjoint, which can
only withhold more, and one rule of their own: a shown cell may not leave 1..k-1 outside it, since
``total - cell`` is then exactly the group not in that category (with disjoint cells rule 3 already
ensures this). Withholding a cell still tells the reader it is 1..k-1 or was
withheld to protect one; that interval is the accepted price of any threshold rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.errors import InvalidInput


@dataclass(frozen=True)
class Suppressed:
    """A figure withheld because too few people are behind it."""

    reason: str = "not enough answers"

    def __str__(self) -> str:
        return self.reason


SUPPRESSED = Suppressed()


@dataclass(frozen=True)
class Breakdown:
    """What may be shown of a breakdown: each cell and the total, as a count or `Suppressed`."""

    cells: Mapping[str, int | Suppressed]
    total: int | Suppressed


def check_k(k: int) -> None:
    """Refuse a minimum group size that would protect nobody."""
    # Settings already enforce MIN_GROUP_SIZE >= 2; this guards direct callers and tests.
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise InvalidInput(f"minimum group size k must be an integer of at least 2, got {k!r}")


def is_small(count: int, *, k: int) -> bool:
    """Whether a count of people is 1..k-1 and so must not be shown."""
    return 0 < count < k


def may_show_both(count_a: int, count_b: int, *, k: int) -> bool:
    """Whether two overlapping groups' counts may both be shown: neither nor their gap is 1..k-1."""
    check_k(k)
    return not any(is_small(c, k=k) for c in (count_a, count_b, abs(count_a - count_b)))


def protect_breakdown(counts: Mapping[str, int], *, k: int, total: int | None = None) -> Breakdown:
    """Apply primary and complementary suppression to category counts shown beside their total."""
    check_k(k)
    items = list(counts.items())
    for key, count in items:
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidInput(f"count for {key!r} must be a non-negative integer, got {count!r}")
    cell_sum = sum(count for _, count in items)
    shown_total = cell_sum if total is None else total
    if shown_total < 0:
        raise InvalidInput(f"total must be non-negative, got {shown_total}")

    everything_hidden = Breakdown(cells=dict.fromkeys(counts, SUPPRESSED), total=SUPPRESSED)
    if is_small(shown_total, k=k):
        return everything_hidden

    # Overlapping categories can sum past the total; treating the remainder as 0 is the cautious
    # reading, since it makes the residual look as small as it could possibly be.
    remainder = max(shown_total - cell_sum, 0)
    hidden = {key for key, count in items if is_small(count, k=k)}
    while True:
        if is_small(remainder + sum(counts[key] for key in hidden), k=k):
            candidates = [
                (count, index, key)
                for index, (key, count) in enumerate(items)
                if key not in hidden and count > 0
            ]
            if not candidates:  # only when a total of 0 sits beside non-zero cells
                return everything_hidden
            hidden.add(min(candidates)[2])
            continue
        exposing = {key for key, count in items if key not in hidden and is_small(shown_total - count, k=k)}
        if not exposing:
            break
        hidden |= exposing

    return Breakdown(
        cells={key: SUPPRESSED if key in hidden else count for key, count in items},
        total=shown_total,
    )


def is_small_group(sources: Sequence[str], *, k: int, min_sources: int = 1) -> bool:
    """Whether a group (one source id per member) has 1..k-1 members or 1..min_sources-1 sources."""
    return len(sources) > 0 and (len(sources) < k or len(set(sources)) < min_sources)


def protect_groups(
    groups: Mapping[str, Sequence[str]],
    *,
    k: int,
    min_sources: int = 1,
    total: Sequence[str] | None = None,
) -> Breakdown:
    """`protect_breakdown` for disjoint groups whose members carry a source (the supporter of a session).

    A group is small when `is_small_group` says so; the total and the residual (``total`` minus the
    shown groups) are tested the same way, so subtraction never yields a small group either.
    """
    check_k(k)
    if min_sources < 1:
        raise InvalidInput(f"min_sources must be at least 1, got {min_sources}")
    items = list(groups.items())
    everything = [s for _, members in items for s in members] if total is None else list(total)

    def small(members: Sequence[str]) -> bool:
        return is_small_group(members, k=k, min_sources=min_sources)

    if small(everything):
        return Breakdown(cells=dict.fromkeys(groups, SUPPRESSED), total=SUPPRESSED)
    in_cells = Counter(s for _, members in items for s in members)
    # What the total holds beyond the listed groups (they are disjoint parts of it).
    remainder = list((Counter(everything) - in_cells).elements())
    hidden = {key for key, members in items if small(members)}
    while True:
        residual = remainder + [s for key, members in items if key in hidden for s in members]
        if small(residual):
            candidates = [
                (len(members), index, key)
                for index, (key, members) in enumerate(items)
                if key not in hidden and members
            ]
            if not candidates:  # the total's members are all outside the listed groups
                break
            hidden.add(min(candidates)[2])
            continue
        # Disjoint groups: total - cell is the residual plus the other shown cells, never smaller
        # than the residual, but it may still come from one supporter.
        exposing = {
            key
            for key, members in items
            if key not in hidden and small(list((Counter(everything) - Counter(members)).elements()))
        }
        if not exposing:
            break
        hidden |= exposing
    return Breakdown(
        cells={key: SUPPRESSED if key in hidden else len(members) for key, members in items},
        total=len(everything),
    )
