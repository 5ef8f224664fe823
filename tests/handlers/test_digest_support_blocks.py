"""The digest's peer-support lines: withheld figures are neither printed nor named."""

from __future__ import annotations

from datetime import date

from bot.digest import SupportActivity
from bot.insights import SUPPRESSED, Breakdown
from handlers.slack.blocks.digest import _support_text


def _activity(**changes: object) -> SupportActivity:
    values: dict[str, object] = {
        "sessions_4w": 12,
        "sessions_last_week": None,
        "by_category": Breakdown(cells={"Verbal abuse": 7, "Intimidation or threats": SUPPRESSED}, total=12),
        "by_outcome": Breakdown(cells={"Listened": 9, "Escalated for safety": SUPPRESSED}, total=12),
        "referrals_4w": SUPPRESSED,
        "follow_ups_overdue": 0,
        "supporters": 3,
        "trained_current": 2,
        "trained_lapsing": 0,
        "lapsed_or_never": 1,
        "load_max_share": None,
        "load_cv": None,
        "first_day": date(2026, 10, 5),
        "last_day": date(2026, 11, 1),
    }
    values.update(changes)
    return SupportActivity(**values)  # type: ignore[arg-type]


def test_withheld_cells_are_not_named() -> None:
    text = _support_text(_activity(), k=5)
    assert "Verbal abuse 7" in text and "Listened 9" in text
    assert "Intimidation" not in text and "Escalated" not in text
    assert "*Sessions* (Mon 05 Oct – Sun 01 Nov, the latest completed 4-week period): 12" in text
    assert "*Referrals (HR / EAP / manager / safety):* withheld" in text


def test_a_withheld_total_prints_no_count_and_no_cell() -> None:
    hidden = Breakdown(cells={}, total=SUPPRESSED)
    text = _support_text(
        _activity(
            sessions_4w=SUPPRESSED, by_category=hidden, by_outcome=hidden, follow_ups_overdue=SUPPRESSED
        ),
        k=5,
    )
    assert "not shown — fewer than 5 sessions, or all logged by one supporter" in text
    assert "By category" not in text and "By outcome" not in text and "Referrals" not in text
    assert "*Follow-ups overdue at the end of the period:* withheld" in text
