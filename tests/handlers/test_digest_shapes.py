"""No data shape breaks the digest: its whole construct/playbook pipeline and its blocks (issue 14)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digest import (
    HISTORY_ROUNDS,
    DigestReport,
    SupportActivity,
    analyse_constructs,
    program_signals,
)
from bot.insights import Breakdown, Turnout, summarize_participation, summarize_themes
from bot.measures import RoundMeasures, numeric_constructs
from bot.playbook import load_practices, match_practices
from bot.questions import load_question_bank
from handlers.slack.blocks.digest import build_digest_messages, method_note
from storage.models import SurveyRound

BANK = load_question_bank()
NAMES = numeric_constructs(BANK)


def _counts(construct: str) -> st.SearchStrategy[dict[int, int] | None]:
    low, high = (0, 10) if construct == "recommend" else (1, 5)
    values = st.integers(low, high)
    return st.one_of(
        st.none(),  # not asked that round
        st.just({}),  # asked, nobody answered
        st.builds(lambda v, n: {v: n}, st.sampled_from([low, high]), st.integers(1, 15)),  # 0/5, 13/13 ...
        st.builds(lambda v, n: {v: n}, values, st.integers(1, 20_000)),
        st.dictionaries(values, st.integers(0, 30), max_size=high - low + 1),
    )


_ROUND = st.fixed_dictionaries({c: _counts(c) for c in NAMES})


def _measures(rounds: list[dict[str, dict[int, int] | None]]) -> list[RoundMeasures]:
    opened = datetime(2026, 1, 6, 10, tzinfo=UTC)
    out = []
    for i, histograms in enumerate(rounds):
        constructs = {c: h for c, h in histograms.items() if h is not None}
        answered = max((sum(h.values()) for h in constructs.values()), default=0)
        round_ = SurveyRound(
            id=f"r{i}",
            team_id="T1",
            schedule_key=f"shape:{i}",
            question_ids=[],
            opened_at=opened + timedelta(days=7 * i),
            closes_at=opened + timedelta(days=7 * i + 3),
            closed_at=opened + timedelta(days=7 * i + 3),
            invited=answered,
            answered_final=answered,
        )
        out.append(RoundMeasures(round=round_, constructs=constructs))
    return out


def _support() -> SupportActivity:
    return SupportActivity(
        sessions_4w=0,
        sessions_last_week=None,
        by_category=Breakdown(cells={}, total=0),
        by_outcome=Breakdown(cells={}, total=0),
        referrals_4w=0,
        follow_ups_overdue=0,
        supporters=0,
        trained_current=0,
        trained_lapsing=0,
        lapsed_or_never=0,
        load_max_share=None,
        load_cv=None,
    )


@settings(database=None, deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(rounds=st.lists(_ROUND, min_size=0, max_size=HISTORY_ROUNDS), k=st.integers(2, 10))
def test_any_history_gives_a_digest_that_renders(
    rounds: list[dict[str, dict[int, int] | None]], k: int
) -> None:
    measures = _measures(rounds)
    lines = analyse_constructs(BANK, measures, k)
    assert [line.construct for line in lines] == NAMES
    participation = summarize_participation(
        [Turnout(invited=m.round.invited, answered=m.answered) for m in measures] or [Turnout(0, 0)], k=k
    )
    themes = summarize_themes([], k=k, rng=random.Random(0))
    signals = program_signals(lines, participation, _support(), themes, k=k)
    suggestions = match_practices(signals, load_practices(), limit=3)
    for line in lines:
        if line.assessment is not None:
            # k-anonymity: no compared group, latest or pooled, is smaller than k.
            for shift in line.assessment.shifts:
                assert min(shift.n_recent, shift.n_baseline) >= k
    report = DigestReport(
        team_id="T1",
        generated_at=datetime(2026, 6, 1, tzinfo=UTC),
        k=k,
        round_labels=[f"R{i}" for i in range(len(measures[-8:]))],
        participation=participation,
        constructs=lines,
        support=_support(),
        themes=themes,
        feedback_count=0,
        suggestions=suggestions,
        construct_for_practice={},
        open_actions=[],
        closed_actions=[],
        chart_png=None,
        signals=signals,
    )
    messages = build_digest_messages(report)
    assert messages and all(m["blocks"] for m in messages)
    assert "comparisons in this digest" in method_note(report)
