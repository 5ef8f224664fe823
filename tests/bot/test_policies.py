"""Policy register arithmetic: due dates, states and the playbook's signals. Pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.policies import add_months, policy_signals, policy_status
from storage.policy_models import Policy

TODAY = date(2026, 6, 15)


def _policy(*, last: date | None, created: date = date(2026, 1, 10), interval: int = 12) -> Policy:
    return Policy(
        team_id="T1",
        name="Anti-bullying policy",
        link="https://intranet.example.com/p",
        owner_id="U1",
        review_interval_months=interval,
        last_reviewed_on=last,
        created_at=datetime(created.year, created.month, created.day, 9, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 11, 15), 3, date(2026, 2, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 6, 15), 36, date(2029, 6, 15)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("last", "interval", "state", "next_due"),
    [
        (date(2026, 1, 1), 12, "current", date(2027, 1, 1)),
        (date(2025, 7, 15), 12, "due", date(2026, 7, 15)),  # exactly 30 days ahead
        (date(2025, 7, 16), 12, "current", date(2026, 7, 16)),  # 31 days ahead
        (date(2025, 6, 15), 12, "due", date(2026, 6, 15)),  # due today
        (date(2025, 6, 14), 12, "overdue", date(2026, 6, 14)),
        (date(2026, 5, 1), 1, "overdue", date(2026, 6, 1)),
        (None, 12, "never_reviewed", date(2027, 1, 10)),  # from creation
        (None, 6, "due", date(2026, 7, 10)),
    ],
)
def test_policy_status(last: date | None, interval: int, state: str, next_due: date) -> None:
    status = policy_status(_policy(last=last, interval=interval), today=TODAY)
    assert (status.state, status.next_due) == (state, next_due)
    assert status.never_reviewed is (last is None)


def test_signals_say_nothing_for_an_empty_register() -> None:
    assert policy_signals([], today=TODAY) == {
        "policies_overdue": None,
        "policies_never_reviewed": None,
        "days_since_policy_review": None,
    }


def test_signals_count_overdue_and_never_reviewed_and_the_latest_review() -> None:
    statuses = [
        policy_status(_policy(last=date(2025, 1, 1)), today=TODAY),
        policy_status(_policy(last=date(2026, 6, 5)), today=TODAY),
        policy_status(_policy(last=None), today=TODAY),
        policy_status(_policy(last=None, created=date(2024, 1, 1)), today=TODAY),
    ]
    assert policy_signals(statuses, today=TODAY) == {
        "policies_overdue": 2.0,  # one reviewed long ago, one never reviewed since 2024
        "policies_never_reviewed": 2.0,
        "days_since_policy_review": 10.0,
    }
    never = [policy_status(_policy(last=None), today=TODAY)]
    assert policy_signals(never, today=TODAY)["days_since_policy_review"] is None
