"""The playbook suggests the right practices, for the right figures, and never on withheld data."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.catalogue import TEMPLATE
from bot.playbook import (
    CONSTRUCT_SIGNAL_NAMES,
    KNOWN_SIGNALS,
    THEME_SIGNAL_NAMES,
    AllOf,
    Comparison,
    Practice,
    load_practices,
    match_practices,
    shown_texts,
    signal_meaning,
)

# A program in good health: no practice should fire.
HEALTHY: dict[str, float | None] = {
    "awareness_favourable": 0.8,
    "trust_confidentiality_favourable": 0.8,
    "psych_safety_favourable": 0.75,
    "leadership_response_favourable": 0.7,
    "experienced_disrespect_favourable": 0.9,
    "witnessed_disrespect_favourable": 0.85,
    "recommend_favourable": 0.4,
    **{f"{c}_significant_drop": 0.0 for c in CONSTRUCT_SIGNAL_NAMES},
    **{f"theme_{t}_share": 0.05 for t in THEME_SIGNAL_NAMES},
    **{f"theme_{t}_negative_share": 0.2 for t in THEME_SIGNAL_NAMES},
    "participation_rate": 0.65,
    "sessions_last_4_weeks": 12,
    "sessions_per_supporter_last_4_weeks": 3,
    "supporter_load_max_share": 0.3,
    "supporter_load_cv": 0.4,
    "lapsed_training_share": 0.1,
    "referral_share": 0.1,
    "policies_overdue": 0,
    "policies_never_reviewed": 0,
    "days_since_policy_review": 120,
}

# practice id -> (changes to HEALTHY that call for it, near misses that must not)
CASES: dict[str, tuple[list[dict[str, float]], list[dict[str, float]]]] = {
    "explain-confidentiality": (
        [
            {"trust_confidentiality_favourable": 0.55},
            {"trust_confidentiality_significant_drop": 0.13},
            # A wave of confidentiality complaints while the level still looks fine.
            {"theme_confidentiality_share": 0.35, "theme_confidentiality_negative_share": 0.6},
        ],
        [
            {"trust_confidentiality_favourable": 0.6},
            {"theme_confidentiality_share": 0.35, "theme_confidentiality_negative_share": 0.1},
            {"theme_confidentiality_share": 0.1, "theme_confidentiality_negative_share": 0.9},
        ],
    ),
    "leadership-listening": (
        [
            {"psych_safety_significant_drop": 0.12},
            {"psych_safety_favourable": 0.45},
            {"leadership_response_favourable": 0.4},
            {"leadership_response_significant_drop": 0.1},
        ],
        # A level just under 60% with no significant fall is not a call for listening sessions.
        [{"psych_safety_favourable": 0.55}, {"leadership_response_favourable": 0.5}],
    ),
    "bystander-training": (
        [{"witnessed_disrespect_significant_drop": 0.15, "sessions_last_4_weeks": 1}],
        [{"witnessed_disrespect_significant_drop": 0.15}, {"sessions_last_4_weeks": 1}],
    ),
    "refresher-training": (
        [{"lapsed_training_share": 0.4}, {"theme_training_share": 0.3, "theme_training_negative_share": 0.6}],
        [{"lapsed_training_share": 0.25}],
    ),
    "recruit-supporters": (
        [
            {"supporter_load_max_share": 0.7},
            {"supporter_load_cv": 1.3},
            {"sessions_per_supporter_last_4_weeks": 8},
        ],
        # One supporter logging most of only a few sessions, or an uneven handful, is not a pattern yet.
        [
            {"supporter_load_max_share": 0.7, "sessions_last_4_weeks": 4},
            {"supporter_load_cv": 1.7, "sessions_last_4_weeks": 3},
        ],
    ),
    "review-referral-pathways": ([{"referral_share": 0.45}], [{"referral_share": 0.3}]),
    "address-enabling-factors": (
        [
            {"witnessed_disrespect_favourable": 0.6, "psych_safety_favourable": 0.55},
            {"witnessed_disrespect_favourable": 0.6, "experienced_disrespect_favourable": 0.6},
        ],
        [{"witnessed_disrespect_favourable": 0.6}, {"psych_safety_favourable": 0.55}],
    ),
    "policy-review": (
        [{"days_since_policy_review": 400}, {"policies_overdue": 1}, {"policies_never_reviewed": 2}],
        [{"days_since_policy_review": 365}],
    ),
    "awareness-campaign": (
        [{"awareness_favourable": 0.4}, {"awareness_significant_drop": 0.1}],
        [{"awareness_favourable": 0.6}],
    ),
    "close-the-loop": ([{"participation_rate": 0.3}], [{"participation_rate": 0.4}]),
}

TRIGGERING = [
    pytest.param(practice_id, change, id=f"{practice_id}-{i}")
    for practice_id, (changes, _) in CASES.items()
    for i, change in enumerate(changes)
]
NEAR_MISSES = [
    pytest.param(practice_id, change, id=f"{practice_id}-{i}")
    for practice_id, (_, misses) in CASES.items()
    for i, change in enumerate(misses)
]


@pytest.fixture(scope="module")
def practices() -> list[Practice]:
    """The packaged playbook."""
    return load_practices()


def suggested(signals: dict[str, float | None], practices: list[Practice]) -> dict[str, dict[str, float]]:
    """Practice id -> evidence, for everything the signals call for."""
    return {s.practice.id: s.evidence for s in match_practices(signals, practices, limit=None)}


# --- the packaged playbook ----------------------------------------------------------------


def test_every_practice_has_crafted_cases(practices: list[Practice]) -> None:
    assert {p.id for p in practices} == set(CASES)
    assert len(practices) >= 8


def test_healthy_baseline_covers_every_signal_and_triggers_nothing(practices: list[Practice]) -> None:
    assert set(HEALTHY) == set(KNOWN_SIGNALS)
    assert suggested(HEALTHY, practices) == {}


@pytest.mark.parametrize(("practice_id", "change"), TRIGGERING)
def test_practice_triggers_and_cites_the_figures(
    practices: list[Practice], practice_id: str, change: dict[str, float]
) -> None:
    evidence = suggested({**HEALTHY, **change}, practices)
    assert practice_id in evidence
    assert change.items() <= evidence[practice_id].items()


@pytest.mark.parametrize(("practice_id", "change"), NEAR_MISSES)
def test_practice_stays_quiet_on_near_misses(
    practices: list[Practice], practice_id: str, change: dict[str, float]
) -> None:
    assert practice_id not in suggested({**HEALTHY, **change}, practices)


@pytest.mark.parametrize("withheld", [None, math.nan, "missing"])
@pytest.mark.parametrize(("practice_id", "change"), TRIGGERING)
def test_withheld_figures_never_trigger(
    practices: list[Practice], practice_id: str, change: dict[str, float], withheld: float | str | None
) -> None:
    # Each figure the trigger rests on, withheld in turn (suppressed for k, or not computed).
    for name in change:
        signals = {**HEALTHY, **change}
        if withheld == "missing":
            del signals[name]
        else:
            signals[name] = withheld  # type: ignore[assignment]
        assert practice_id not in suggested(signals, practices), name


def test_nothing_is_suggested_when_every_figure_is_withheld(practices: list[Practice]) -> None:
    assert match_practices(dict.fromkeys(KNOWN_SIGNALS), practices) == []
    assert match_practices({}, practices) == []


def test_suggestions_come_most_urgent_first_and_are_limited(practices: list[Practice]) -> None:
    alarming: dict[str, float | None] = {
        **HEALTHY,
        "trust_confidentiality_favourable": 0.4,
        "leadership_response_favourable": 0.3,
        "witnessed_disrespect_favourable": 0.5,
        "witnessed_disrespect_significant_drop": 0.2,
        "psych_safety_favourable": 0.4,
        "sessions_last_4_weeks": 2,
        "lapsed_training_share": 0.5,
        "supporter_load_cv": 1.5,  # over only 2 sessions: chance, so no call to recruit
        "referral_share": 0.5,
        "policies_never_reviewed": 1,
        "awareness_favourable": 0.3,
        "participation_rate": 0.2,
    }
    everything = [s.practice.id for s in match_practices(alarming, practices, limit=None)]
    assert everything == [
        "explain-confidentiality",
        "leadership-listening",
        "address-enabling-factors",
        "bystander-training",
        "refresher-training",
        "review-referral-pathways",
        "awareness-campaign",
        "close-the-loop",
        "policy-review",
    ]
    assert [s.practice.id for s in match_practices(alarming, practices)] == everything[:3]
    assert match_practices(alarming, practices, limit=0) == []


def test_order_is_priority_then_id_whatever_the_input_order() -> None:
    def practice(id_: str, priority: int) -> Practice:
        trigger = Comparison(signal="participation_rate", op="<", value=0.5)
        return Practice(id_, "t", "a.", "r.", "s (2000)", priority, trigger)

    ids = [
        s.practice.id
        for s in match_practices(
            {"participation_rate": 0.1}, [practice("b", 2), practice("c", 1), practice("a", 2)]
        )
    ]
    assert ids == ["c", "a", "b"]


def test_a_negative_limit_is_refused(practices: list[Practice]) -> None:
    with pytest.raises(ValueError, match="limit"):
        match_practices(HEALTHY, practices, limit=-1)


def test_all_reports_every_figure_and_any_only_those_that_held() -> None:
    trigger = AllOf(
        (
            Comparison("participation_rate", "<", 0.5),
            Comparison("referral_share", ">=", 0.3),
        )
    )
    practice = Practice("p", "t", "a.", "r.", "s (2000)", 1, trigger)
    [suggestion] = match_practices({"participation_rate": 0.2, "referral_share": 0.3}, [practice])
    assert suggestion.evidence == {"participation_rate": 0.2, "referral_share": 0.3}
    evidence = suggested({**HEALTHY, "policies_overdue": 2}, load_practices())["policy-review"]
    assert evidence == {"policies_overdue": 2.0}  # not the days or never-reviewed figures


def test_packaged_practices_read_as_promised(practices: list[Practice]) -> None:
    for p in practices:
        assert p.action.endswith("."), p.id
        assert ". " not in p.action, p.id  # one sentence
        assert p.rationale.count(". ") <= 1, p.id  # one or two sentences
        assert re.search(r"\b(19|20)\d\d\b", p.source), p.id  # author, year, title
        assert p.priority >= 1


def test_known_signals_say_what_they_mean() -> None:
    assert all(signal.meaning and signal.unit for signal in KNOWN_SIGNALS.values())


def test_every_signal_is_shown_in_words_the_catalogue_translates() -> None:
    with TEMPLATE.open("rb") as pot:
        template = {m.id for m in read_po(pot)}
    shown = {name: signal_meaning(name) for name in KNOWN_SIGNALS}
    # In words, never a variable name; a drop reads as its construct's level.
    assert all(meaning and "_" not in meaning for meaning in shown.values()), shown
    assert (
        shown["psych_safety_significant_drop"] == "respondents favourable on the psychological-safety items"
    )
    assert set(shown.values()) <= template
    assert {text for p in load_practices() for text in shown_texts(p)} <= template


# --- validation ---------------------------------------------------------------------------

VALID = """\
practices:
  - id: close-the-loop
    title: T
    action: A.
    rationale: R.
    source: S (2007)
    priority: 1
    trigger: {signal: participation_rate, op: "<", value: 0.4}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "practices.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads(tmp_path: Path) -> None:
    [practice] = load_practices(write(tmp_path, VALID))
    assert practice.trigger == Comparison("participation_rate", "<", 0.4)


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("signal: participation_rate", "signal: participaton_rate", "'close-the-loop': unknown signal"),
        ('op: "<"', 'op: "!="', "'close-the-loop': unknown op '!='"),
        ("value: 0.4", "value: '0.4'", "'close-the-loop': value for participation_rate"),
        ("value: 0.4", "value: true", "'close-the-loop': value for participation_rate"),
        ("value: 0.4", "value: .nan", "'close-the-loop': value for participation_rate"),
        ("    source: S (2007)\n", "", r"'close-the-loop': missing keys \['source'\]"),
        ("    source: S (2007)\n", "    sauce: S\n", r"unknown keys \['sauce'\]"),
        ("priority: 1", "priority: 0", "'close-the-loop': priority"),
        ("priority: 1", "priority: high", "'close-the-loop': priority"),
        ("title: T", "title: ''", "'close-the-loop': title"),
        ("id: close-the-loop", "id: Close The Loop", "'Close The Loop': id must be"),
        (
            'trigger: {signal: participation_rate, op: "<", value: 0.4}',
            "trigger: {all: []}",
            "'close-the-loop': 'all' needs a non-empty list",
        ),
        (
            'trigger: {signal: participation_rate, op: "<", value: 0.4}',
            'trigger: {any: [{signal: nope, op: "<", value: 1}]}',
            "'close-the-loop': unknown signal 'nope'",
        ),
        (
            'trigger: {signal: participation_rate, op: "<", value: 0.4}',
            'trigger: {not: {signal: participation_rate, op: "<", value: 0.4}}',
            "'close-the-loop': a trigger is",
        ),
        (
            'trigger: {signal: participation_rate, op: "<", value: 0.4}',
            "trigger: [participation_rate]",
            "'close-the-loop': a trigger must be a mapping",
        ),
    ],
)
def test_invalid_practices_are_refused_with_the_practice_named(
    tmp_path: Path, old: str, new: str, error: str
) -> None:
    assert old in VALID
    with pytest.raises(ValueError, match=error):
        load_practices(write(tmp_path, VALID.replace(old, new)))


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    text = VALID + VALID.removeprefix("practices:\n")
    with pytest.raises(ValueError, match="'close-the-loop': duplicate id"):
        load_practices(write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("practices: [\n", "not valid YAML"),
        ("- just a list\n", "expected a mapping with a 'practices' list"),
        ("practices: {}\n", "expected a mapping with a 'practices' list"),
        (VALID + "  - just text\n", "practice #2: a practice must be a mapping"),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, text: str, error: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=re.escape(str(path)) + ".*" + error):
        load_practices(path)
