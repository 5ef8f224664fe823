"""The playbook reads tested changes and feedback themes, never raw round-to-round noise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digest import SupportActivity, analyse_constructs, construct_of_signal, program_signals
from bot.insights import SUPPRESSED, Breakdown, ThemeReport, ThemeSummary, Turnout, summarize_participation
from bot.measures import RoundMeasures, numeric_constructs
from bot.playbook import load_practices, match_practices
from bot.questions import load_question_bank
from storage.models import SurveyRound

BANK = load_question_bank()
K = 5
HEALTHY = {1: 1, 2: 3, 3: 8, 4: 17, 5: 11}  # 28 of 40 favourable (70%)
DIPPED = {1: 1, 2: 4, 3: 9, 4: 16, 5: 10}  # 26 of 40 (65%): a wobble, not a change
FALLEN = {1: 6, 2: 9, 3: 11, 4: 10, 5: 4}  # 14 of 40 (35%)
NO_THEMES = ThemeReport(total=10, themes={"other": ThemeSummary(10, 0.1, 0.0, ())})


def _history(latest_trust: dict[int, int]) -> list[RoundMeasures]:
    opened = datetime(2026, 1, 6, tzinfo=UTC)
    rounds = []
    for i in range(12):
        constructs = {c: dict(HEALTHY) for c in ("psych_safety", "awareness", "experienced_disrespect")}
        constructs["trust_confidentiality"] = dict(latest_trust if i == 11 else HEALTHY)
        round_ = SurveyRound(
            id=f"r{i}",
            team_id="T",
            schedule_key=f"k{i}",
            question_ids=[],
            opened_at=opened + timedelta(days=7 * i),
            closes_at=opened + timedelta(days=7 * i + 3),
            closed_at=opened + timedelta(days=7 * i + 3),
            invited=60,
            answered_final=40,
        )
        rounds.append(RoundMeasures(round=round_, constructs=constructs))
    return rounds


def _support() -> SupportActivity:
    return SupportActivity(
        sessions_4w=12,
        sessions_last_week=None,
        by_category=Breakdown(cells={}, total=12),
        by_outcome=Breakdown(cells={}, total=12),
        referrals_4w=0,
        follow_ups_overdue=0,
        supporters=4,
        trained_current=4,
        trained_lapsing=0,
        lapsed_or_never=0,
        load_max_share=0.3,
        load_cv=0.2,
    )


def _signals(latest_trust: dict[int, int], themes: ThemeReport = NO_THEMES) -> dict[str, float | None]:
    lines = analyse_constructs(BANK, _history(latest_trust), K)
    participation = summarize_participation([Turnout(60, 40)], k=K)
    return program_signals(lines, participation, _support(), themes, k=K)


def _first(signals: dict[str, float | None]) -> str | None:
    found = match_practices(signals, load_practices(), limit=1)
    return found[0].practice.id if found else None


def test_a_wobble_is_not_a_drop_and_suggests_nothing() -> None:
    signals = _signals(DIPPED)
    assert signals["trust_confidentiality_significant_drop"] == 0.0
    assert signals["leadership_response_significant_drop"] is None  # never asked: untested, not zero
    assert _first(signals) is None


def test_a_significant_fall_is_a_drop_and_calls_for_the_confidentiality_practice() -> None:
    signals = _signals(FALLEN)
    drop = signals["trust_confidentiality_significant_drop"]
    assert drop is not None and drop > 0.3
    assert _first(signals) == "explain-confidentiality"


def test_a_wave_of_confidentiality_complaints_calls_for_it_while_the_level_is_fine() -> None:
    wave = ThemeReport(
        total=20,
        themes={"confidentiality": ThemeSummary(8, -0.5, 0.75, ()), "other": ThemeSummary(12, 0.1, 0.0, ())},
    )
    signals = _signals(HEALTHY, wave)
    assert signals["trust_confidentiality_favourable"] == 0.7
    assert signals["theme_confidentiality_share"] == 0.4
    assert _first(signals) == "explain-confidentiality"
    # A theme withheld for k says nothing, not zero.
    withheld = _signals(HEALTHY, ThemeReport(total=20, themes={"confidentiality": SUPPRESSED}))
    assert withheld["theme_confidentiality_share"] is None
    assert _first(withheld) is None


def test_practices_without_a_survey_measure_do_not_borrow_one() -> None:
    names = numeric_constructs(BANK)
    assert construct_of_signal("lapsed_training_share", names) is None
    assert construct_of_signal("supporter_load_cv", names) is None
    assert construct_of_signal("trust_confidentiality_significant_drop", names) == "trust_confidentiality"
    assert construct_of_signal("theme_confidentiality_share", names) == "trust_confidentiality"
    assert construct_of_signal("theme_training_share", names) is None
