"""Reading a `peer-log` dialog's Send: what Teams sends (text, numbers, toggles) becomes the domain's form,
and anything else a forged Send carries is no answer at all."""

from __future__ import annotations

from handlers.teams.peer_log import (
    SESSION_FIELDS,
    TRAINING_FIELDS,
    read_session_form,
    read_training_form,
    typed_values,
    usage_text,
)


def test_a_session_send_becomes_the_domains_form() -> None:
    data = {
        "action": "peer_log.save",
        "session_date": "2026-03-10",
        "duration_minutes": 45,
        "category": "exclusion",
        "contact_channel": "call",
        "outcome": "referred_hr",
        "follow_up": "yes",
        "follow_up_on": "2026-03-12",
        "note": "",
    }
    form = read_session_form(typed_values(data, SESSION_FIELDS))
    assert (form.session_date, form.duration_minutes, form.category) == ("2026-03-10", "45", "exclusion")
    assert (form.follow_up, form.follow_up_on) == (True, "2026-03-12")
    # An empty box is no answer, as an untouched Slack input is.
    assert form.note is None


def test_an_unticked_toggle_or_a_forged_value_is_no_answer() -> None:
    values = typed_values(
        {"follow_up": "no", "category": {"$ne": 1}, "outcome": ["a"], "note": None}, SESSION_FIELDS
    )
    assert values == {"follow_up": "no"}
    form = read_session_form(values)
    assert (form.follow_up, form.category, form.outcome, form.note) == (False, None, None, None)
    assert read_session_form(typed_values({"follow_up": True}, SESSION_FIELDS)).follow_up is True


def test_a_training_send_becomes_the_domains_form() -> None:
    form = read_training_form(
        typed_values({"course": "", "topic": "De-escalation", "hours": 1.5}, TRAINING_FIELDS)
    )
    assert (form.course, form.topic, form.completed_on, form.hours) == (None, "De-escalation", None, "1.5")


def test_the_usage_names_teams_typed_commands() -> None:
    words = usage_text()
    assert "**peer-log list**" in words and "**peer-log training**" in words
    assert "/peer-log" not in words
