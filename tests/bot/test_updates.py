"""The pure checks behind "you said, we did": what may be published, the draft, the pulse line."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.updates import draft_text, figures_of, find_problems, first_sentence
from storage.digest_models import ImprovementAction

MEASURED = [0.42, 0.71]
COMMENT = "Not sure what I say stays private, my manager seems to hear about everything I tell anyone."


@pytest.mark.parametrize(
    ("text", "allowed", "refused_because"),
    [
        # Percentages: only the measured before and after (rounded as shown), nothing else.
        ("It went from 42% to 71%.", MEASURED, None),
        ("It went from 42 % to 71 per cent.", MEASURED, None),
        ("Up from 41.8% to 71%.", MEASURED, None),
        ("It went up to 75%.", MEASURED, "75% isn't a figure"),
        ("Now 64 percent agree.", MEASURED, "64 percent isn't a figure"),
        ("It rose to 42%.", [], "no before-and-after"),
        ("A rise of 29 points.", MEASURED, None),
        ("A rise of 12 points.", MEASURED, "12 points isn't the measured change"),
        # Small counts next to people-words are refused; large counts and other nouns are not.
        ("3 colleagues asked for this.", MEASURED, "counts fewer than 5"),
        ("Two anonymous comments raised it.", MEASURED, "counts fewer than 5"),
        ("4 of our team members spoke up.", MEASURED, "counts fewer than 5"),
        ("3 out of 40 people said so.", MEASURED, "counts fewer than 5"),
        ("One person told us.", MEASURED, "counts fewer than 5"),
        ("3 of you told us.", MEASURED, "counts fewer than 5"),
        ("We heard from 25 people.", MEASURED, None),
        ("We heard from 1,200 people.", MEASURED, None),
        ("Straße: ß 3 Colleagues wrote in.", MEASURED, "“3 Colleagues” counts fewer than 5"),
        ("Five respondents agreed.", MEASURED, None),
        ("We held 2 workshops with colleagues.", MEASURED, None),
        ("One of the things people told us was clear.", MEASURED, None),
        ("We met 2 teams to hear you.", MEASURED, None),
        ("We answered within 3 days.", MEASURED, None),
        # Coordinators may write in German: the same counts are refused there.
        ("Drei von euch haben uns geschrieben.", MEASURED, "counts fewer than 5"),
        ("3 Kolleginnen haben das gemeldet.", MEASURED, "counts fewer than 5"),
        ("Eine Kollegin hat es angesprochen.", MEASURED, "counts fewer than 5"),
        ("Zwei anonyme Kommentare nannten es.", MEASURED, "counts fewer than 5"),
        ("Ein paar Kolleginnen sagten das.", MEASURED, None),
        ("Wir danken euch allen.", MEASURED, None),
        ("Wir haben 3 Workshops gemacht.", MEASURED, None),
        ("Wir haben von 25 Personen gehört.", MEASURED, None),
        # Quotation marks of any style read as a quote; apostrophes do not.
        ('As one put it, "nobody knows".', MEASURED, "quotation marks"),
        ("As one put it, “nobody knows”.", MEASURED, "quotation marks"),
        ("We renamed the 'drop-in' sessions.", MEASURED, "quotation marks"),
        ("We’ve moved the team’s sessions; that's that.", MEASURED, None),
        # Eight or more words in a row from a stored comment, however punctuated or cased.
        (
            "We heard my manager seems to hear about everything I tell, so we acted.",
            MEASURED,
            "word for word",
        ),
        ("We heard managers seem to hear about everything, so we acted.", MEASURED, None),
    ],
)
def test_find_problems(text: str, allowed: list[float], refused_because: str | None) -> None:
    reasons = find_problems(text, allowed_figures=allowed, k=5, comments=[COMMENT])
    if refused_because is None:
        assert reasons == []
    else:
        assert len(reasons) == 1 and refused_because in reasons[0], reasons


def test_k_decides_what_counts_as_small() -> None:
    assert find_problems("7 colleagues asked.", allowed_figures=[], k=10)
    assert not find_problems("7 colleagues asked.", allowed_figures=[], k=5)


def _action(**changes: object) -> ImprovementAction:
    fields: dict[str, object] = {
        "team_id": "T1",
        "practice_id": "awareness-campaign",
        "title": "Awareness campaign for the peer-support program.",
        "owner_id": "U1",
        "adopted_by": "U1",
        "due_on": date(2026, 1, 1),
        "construct_id": "awareness",
        "success_measure": "",
        "status": "closed",
        "created_at": datetime(2025, 11, 1, tzinfo=UTC),
        "before_value": 0.42,
        "after_value": 0.71,
        "outcome_note": "supporters visited every team",
    }
    fields.update(changes)
    return ImprovementAction(**fields)


def test_the_draft_links_what_was_said_to_what_was_done_and_passes_its_own_checks() -> None:
    action = _action()
    draft = draft_text(action)
    assert draft.startswith(
        "You told us not everyone knew about peer support or how to reach a supporter, so we acted: "
        "Awareness campaign for the peer-support program. Supporters visited every team."
    )
    assert "went from 42% to 71%" in draft
    assert find_problems(draft, allowed_figures=figures_of(action), k=5) == []


@pytest.mark.parametrize(("before", "after"), [(None, 0.71), (0.42, None), (None, None)])
def test_no_figure_is_drafted_or_allowed_unless_both_were_measured(
    before: float | None, after: float | None
) -> None:
    action = _action(before_value=before, after_value=after, outcome_note=None)
    assert figures_of(action) == []
    assert "%" not in draft_text(action)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("You told us X, so we acted: Y. Then more.", "You told us X, so we acted: Y."),
        ("Just one sentence without a stop", "Just one sentence without a stop"),
        ("\n  First line only!\nSecond line.", "First line only!"),
        ("word " * 60, ("word " * 40).strip() + "…"),
    ],
)
def test_first_sentence(text: str, line: str) -> None:
    result = first_sentence(text)
    assert len(result) <= 200
    assert result == line
