"""The harness's bridge to the digest as it was before issue 14 (commit 9b0e4f0), for the BEFORE figures.

It imports code that no longer exists here; run it in an export of that commit (README.md, "Before").
"""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

from bench.insight.scenarios import Inputs
from bot.config import Settings
from bot.digest import DigestService, SupportActivity
from bot.insights import Breakdown, LikertSummary, Turnout, summarize_participation, summarize_themes
from bot.measures import RoundMeasures, summarize_construct
from bot.playbook import load_practices, match_practices
from bot.questions import QuestionBank
from bot.support import load_support_taxonomy
from handlers.slack.blocks.digest import _verdict

ENGINE = "before (one round vs the previous, no multiplicity control)"


def _service(bank: QuestionBank, k: int) -> DigestService:
    service = object.__new__(DigestService)
    service.bank = bank
    service.settings = Settings("x", "x", "x", "C", "S", min_group_size=k)
    return service


def digest_flags(bank: QuestionBank, measures: list[RoundMeasures], k: int) -> dict[str, str]:
    """Constructs the digest flags as a significant change or trend, with the direction."""
    service = _service(bank, k)
    flags: dict[str, str] = {}
    from bot.measures import numeric_constructs

    for construct in numeric_constructs(bank):
        line = service._construct_line(construct, measures, k)
        if line.flagged:
            assert not isinstance(line.change, type(None))
            flags[construct] = "down" if line.change.favourable.delta < 0 else "up"  # type: ignore[union-attr]
        elif getattr(line.trend, "significant", False):
            flags[construct] = line.trend.direction  # type: ignore[union-attr]
    return flags


def action_improved(
    bank: QuestionBank, measures: list[RoundMeasures], construct: str, adopted_after: int, k: int
) -> bool:
    """Whether the closed action's verdict reads as an improvement."""
    before = summarize_construct(bank, construct, measures[adopted_after - 1].constructs[construct], k=k)
    after = summarize_construct(bank, construct, measures[-1].constructs[construct], k=k)
    assert isinstance(before, LikertSummary)
    assert isinstance(after, LikertSummary)
    action = SimpleNamespace(
        before_low=before.favourable.low,
        before_high=before.favourable.high,
        after_low=after.favourable.low,
        after_high=after.favourable.high,
    )
    return "improved" in _verdict(action)  # type: ignore[arg-type]


def _support(inputs: Inputs, k: int) -> SupportActivity:
    referral = load_support_taxonomy().referral_outcomes()
    total = sum(inputs.outcomes.values())
    referrals = sum(n for o, n in inputs.outcomes.items() if o in referral)
    loads = inputs.loads
    load_total = sum(loads)
    import statistics

    return SupportActivity(
        sessions_4w=total,
        sessions_last_week=None,
        by_category=Breakdown(cells={}, total=total),  # type: ignore[call-arg]
        by_outcome=Breakdown(cells={}, total=total),  # type: ignore[call-arg]
        referrals_4w=referrals,
        follow_ups_overdue=0,
        supporters=len(loads),
        trained_current=len(loads) - inputs.lapsed,
        trained_lapsing=0,
        lapsed_or_never=inputs.lapsed,
        load_max_share=max(loads) / load_total if load_total else None,
        load_cv=statistics.pstdev(loads) / statistics.mean(loads) if load_total else None,
    )


def suggestions(bank: QuestionBank, inputs: Inputs, k: int) -> list[str]:
    """The ids of the practices the digest would suggest, in order."""
    service = _service(bank, k)
    from bot.measures import numeric_constructs

    lines = [service._construct_line(c, inputs.measures, k) for c in numeric_constructs(bank)]
    participation = summarize_participation(
        [Turnout(invited=100, answered=round(100 * inputs.participation))], k=k
    )
    signals: dict[str, Any] = service._signals(lines, participation, _support(inputs, k))
    summarize_themes(inputs.comments, k=k, rng=random.Random(0))  # the old digest never read themes
    return [s.practice.id for s in match_practices(signals, load_practices(), limit=3)]
