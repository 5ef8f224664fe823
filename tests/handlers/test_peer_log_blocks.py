"""The `/peer-log` and `/pulse supporters` builders: within Slack's limits, and saying the right things."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.insights import SUPPRESSED
from bot.support import (
    FollowUpResult,
    SavedSession,
    SessionSummary,
    SupporterRow,
    SupportersOverview,
    TrainingStatus,
    load_support_taxonomy,
)
from handlers.shared.peer_log_words import format_minutes
from handlers.slack.blocks.peer_log import (
    DELETE_ACTION,
    EDIT_ACTION,
    build_follow_up_message,
    build_follow_up_resolved,
    build_session_confirmation,
    build_session_list_message,
    build_session_modal,
    build_training_modal,
    build_training_reminder_text,
    decode_follow_up,
)
from handlers.slack.blocks.supporters import build_supporters_text

TAXONOMY = load_support_taxonomy()
TODAY = date(2026, 3, 10)


def _session(
    n: int = 0, *, editable: bool = True, note: str | None = "Shared the EAP number."
) -> SessionSummary:
    return SessionSummary(
        id=f"{n:032x}",
        session_date=TODAY,
        duration_minutes=90,
        category="exclusion",
        contact_channel="call",
        outcome="referred_hr",
        follow_up_on=date(2026, 3, 12),
        follow_up_done=False,
        note=note,
        created_at=datetime(2026, 3, 10, 9, tzinfo=UTC),
        editable=editable,
    )


def _block_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["block_id"] for b in blocks if "block_id" in b]


def test_modals_respect_slacks_limits() -> None:
    for view in (
        build_session_modal(taxonomy=TAXONOMY, today=TODAY),
        build_session_modal(taxonomy=TAXONOMY, today=TODAY, session=_session()),
        build_training_modal(taxonomy=TAXONOMY, today=TODAY),
    ):
        assert len(view["title"]["text"]) <= 24
        assert len(view["blocks"]) <= 100
        ids = _block_ids(view["blocks"])
        assert len(ids) == len(set(ids))
        for block in view["blocks"]:
            for option in block.get("element", {}).get("options", []):
                assert len(option["text"]["text"]) <= 75


def test_edit_modal_is_prefilled_and_names_the_session() -> None:
    view = build_session_modal(taxonomy=TAXONOMY, today=TODAY, session=_session(7))
    assert view["private_metadata"] == f'{{"edit": "{7:032x}"}}'
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert elements["duration_minutes"]["initial_value"] == "90"
    assert elements["category"]["initial_option"]["value"] == "exclusion"
    assert elements["contact_channel"]["initial_option"]["value"] == "call"
    assert elements["follow_up"]["initial_options"] == elements["follow_up"]["options"]
    assert elements["follow_up_on"]["initial_date"] == "2026-03-12"
    assert elements["note"]["initial_value"] == "Shared the EAP number."


def test_list_of_ten_fits_a_message_and_offers_buttons_only_while_editable() -> None:
    sessions = [_session(n, editable=n < 3) for n in range(10)]
    message = build_session_list_message(sessions, taxonomy=TAXONOMY)
    assert len(message["blocks"]) <= 50
    ids = _block_ids(message["blocks"])
    assert len(ids) == len(set(ids))
    clicked = [e for b in message["blocks"] for e in b.get("elements", []) if e.get("type") == "button"]
    assert {e["action_id"] for e in clicked} == {EDIT_ACTION, DELETE_ACTION}
    assert len(clicked) == 6
    assert "Referred to HR" in str(message["blocks"])


def test_confirmation_summarises_and_flags_scrubbing() -> None:
    message = build_session_confirmation(
        SavedSession(_session(note="Call [phone]."), edited=False, note_scrubbed=True), taxonomy=TAXONOMY
    )
    rendered = str(message["blocks"])
    assert message["text"] == "Session logged: Tue 10 Mar, 1 h 30 min."
    assert "Exclusion or isolation" in rendered
    assert "Follow-up Thu 12 Mar" in rendered
    assert "contact details were removed" in rendered


def test_follow_up_message_round_trips_its_button_value() -> None:
    message = build_follow_up_message(_session(3), due_on=date(2026, 3, 12), taxonomy=TAXONOMY)
    values = {
        e["value"] for b in message["blocks"] for e in b.get("elements", []) if e.get("type") == "button"
    }
    assert [decode_follow_up(v) for v in values] == [(f"{3:032x}", date(2026, 3, 12))]
    snoozed = build_follow_up_resolved(FollowUpResult("s", date(2026, 3, 19), done=False, changed=True))
    assert snoozed["text"] == ":zzz: Snoozed: I'll remind you again on Thu 19 Mar."


def test_training_reminder_says_why() -> None:
    never = build_training_reminder_text(TrainingStatus("none", None, None, None))
    lapsed = build_training_reminder_text(
        TrainingStatus("lapsed", date(2025, 8, 1), "Active listening", date(2026, 1, 28))
    )
    assert "haven't recorded any" in never
    assert "lapsed on Wed 28 Jan 2026" in lapsed
    assert "(Active listening)" in lapsed
    assert "`/peer-log training`" in lapsed


def test_supporters_table_shows_activity_and_training_not_sessions() -> None:
    rows = (
        SupporterRow("U1", 6, 90, TrainingStatus("current", TODAY, None, date(2026, 9, 6)), 5),
        SupporterRow("U2", 0, 0, TrainingStatus("none", None, None, None), 0),
        SupporterRow("U3", SUPPRESSED, SUPPRESSED, TrainingStatus("none", None, None, None), SUPPRESSED),
    )
    text = build_supporters_text(
        SupportersOverview(
            since=date(2026, 2, 9),
            until=date(2026, 3, 8),
            rows=rows,
            former_sessions=SUPPRESSED,
            former_minutes=SUPPRESSED,
            k=5,
            total_sessions=14,
            total_minutes=300,
            total_overdue=SUPPRESSED,
        )
    )
    assert "the latest completed 4-week period, Mon 09 Feb – Sun 08 Mar (UTC)" in text
    assert "• <@U1> — 6 sessions, 1.5 h · training :large_green_circle: current until Sun 06 Sep 2026" in text
    assert ":warning: 5 follow-ups overdue" in text
    assert "<@U2> — 0 sessions, 0.0 h · training :white_circle: none recorded" in text
    # A withheld row shows neither a count nor hours nor follow-ups.
    assert "<@U3> — sessions: withheld · training :white_circle: none recorded" in text
    assert "U3> — sessions: withheld · training :white_circle: none recorded\n" in text
    assert (
        "*Total:* 14 sessions, 5.0 h" in text
        and "follow-ups overdue at the end of the period withheld" in text
    )
    assert "no longer in the supporters channel — sessions: withheld." in text


def test_minutes_read_naturally() -> None:
    assert [format_minutes(m) for m in (5, 60, 95)] == ["5 min", "1 h", "1 h 35 min"]
