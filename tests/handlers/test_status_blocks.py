"""`/pulse status`: nothing that moves by fewer than k, and no complement under k."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.surveys import RoundStatus
from handlers.slack.blocks.admin import build_status_text
from storage.models import SurveyRound

OPENED = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _status(answered: int, *, invited: int = 30, closed: bool = False) -> str:
    round_ = SurveyRound(
        team_id="T1",
        schedule_key="manual:x",
        question_ids=[],
        opened_at=OPENED,
        closes_at=OPENED + timedelta(days=3),
        closed_at=OPENED + timedelta(days=3) if closed else None,
        invited=invited,
    )
    status = RoundStatus(
        round=round_,
        invited=invited,
        delivered=invited,
        waiting=0,
        failed=0,
        answered=answered,
        reminders_scheduled=0,
    )
    return build_status_text(status, k=5)


@pytest.mark.parametrize(
    ("answered", "line"),
    [
        (3, "fewer than 5 so far"),
        (5, "at least 5 so far"),
        (9, "at least 5 so far"),
        (10, "at least 10 so far"),
    ],
)
def test_an_open_round_counts_in_steps_of_k(answered: int, line: str) -> None:
    assert line in _status(answered)


def test_looks_a_moment_apart_never_differ_by_fewer_than_k() -> None:
    shown = [_status(n).split("Answered: ")[1].split(" (")[0] for n in range(31)]
    values = [int(s.split()[2]) if s.startswith("at least") else 0 for s in shown]
    assert all(b - a in (0, 5) for a, b in itertools.pairwise(values))


def test_a_closed_round_shows_the_exact_count_only_when_non_respondents_are_0_or_k() -> None:
    assert "Answered: 20 (67%)" in _status(20, closed=True)
    assert "Answered: 30 (100%)" in _status(30, closed=True)
    # 28 of 30 would say exactly 2 people did not answer.
    text = _status(28, closed=True)
    assert "28" not in text and "at least 25" in text


def test_dates_show_in_the_readers_own_zone_with_the_configured_zone_as_fallback() -> None:
    status = RoundStatus(
        round=SurveyRound(
            team_id="T1",
            schedule_key="manual:x",
            question_ids=[],
            opened_at=OPENED,
            closes_at=OPENED + timedelta(days=3),
            invited=30,
        ),
        invited=30,
        delivered=30,
        waiting=0,
        failed=0,
        answered=0,
        reminders_scheduled=0,
    )
    text = build_status_text(status, k=5, zone="Europe/Berlin")
    closes = int((OPENED + timedelta(days=3)).timestamp())
    # Slack formats the token in each reader's zone; the text after | is 09:00 UTC written for Berlin.
    assert f"open until <!date^{closes}^{{date_short_pretty}} at {{time}}|Fri 27 Nov, 10:00 CET>" in text
    assert "UTC" not in text
