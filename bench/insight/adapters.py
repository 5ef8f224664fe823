"""The bridge from simulated data to the project's own digest, playbook and action code."""

from __future__ import annotations

import random

from bench.insight.scenarios import Inputs
from bot.digest import SupportActivity, analyse_constructs, assess_changes, program_signals
from bot.insights import Breakdown, Turnout, summarize_participation, summarize_themes
from bot.insights.monitor import BASELINE_ROUNDS, ActionVerdict, judge_action
from bot.measures import RoundMeasures, scale_of
from bot.playbook import load_practices, match_practices
from bot.questions import QuestionBank
from bot.support import load_support_taxonomy

ENGINE = "pooled baseline, Mann–Whitney, Holm–Šidák across the digest"


def digest_flags(bank: QuestionBank, measures: list[RoundMeasures], k: int) -> dict[str, str]:
    """Constructs the digest flags as a significant change, with the direction."""
    # The digest's flags come from assess_changes alone (analyse_constructs adds the summaries
    # and descriptive trends around it); calling it directly keeps 8,000 digests affordable.
    return {c: a.direction for c, a in assess_changes(bank, measures, k).items() if a.direction is not None}


def action_improved(
    bank: QuestionBank, measures: list[RoundMeasures], construct: str, adopted_after: int, k: int
) -> bool:
    """Whether the closed action's verdict, all rounds before against all after, is an improvement."""
    before = [m.constructs[construct] for m in measures[:adopted_after] if construct in m.constructs]
    after = [m.constructs[construct] for m in measures[adopted_after:] if construct in m.constructs]
    verdict = judge_action(before[-BASELINE_ROUNDS:], after, k=k, scale=scale_of(bank, construct))
    return isinstance(verdict, ActionVerdict) and verdict.verdict == "improved"


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
    lines = analyse_constructs(bank, inputs.measures, k)
    participation = summarize_participation(
        [Turnout(invited=100, answered=round(100 * inputs.participation))], k=k
    )
    themes = summarize_themes(inputs.comments, k=k, rng=random.Random(0))
    signals = program_signals(lines, participation, _support(inputs, k), themes, k=k)
    return [s.practice.id for s in match_practices(signals, load_practices(), limit=3)]
