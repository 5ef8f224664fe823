"""Block Kit for `/peer-log`: the session and training modals, confirmations, the list, reminders.

Pure builders. Input block ids are the domain's form-field names (bot.support), so validation
errors raised by the domain land next to the right field.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.support import (
    CATEGORY,
    COMPLETED_ON,
    CONTACT_CHANNEL,
    COURSE,
    DATE,
    DURATION,
    FOLLOW_UP,
    FOLLOW_UP_ON,
    HOURS,
    MAX_HOURS,
    MAX_MINUTES,
    MIN_HOURS,
    MIN_MINUTES,
    NOTE,
    NOTE_LIMIT,
    OUTCOME,
    TOPIC,
    TOPIC_LIMIT,
    Choice,
    FollowUpResult,
    SavedSession,
    SavedTraining,
    SessionSummary,
    SupportTaxonomy,
    TaxonomyKind,
    TrainingStatus,
)
from handlers.slack.blocks.mrkdwn import plain, quote

SESSION_VIEW = "peer_log"
TRAINING_VIEW = "peer_log_training"
INPUT = "value"
FOLLOW_UP_YES = "yes"
EDIT_ACTION = "peer_log_edit"
DELETE_ACTION = "peer_log_delete"
FOLLOW_UP_DONE_ACTION = "peer_follow_up_done"
FOLLOW_UP_SNOOZE_ACTION = "peer_follow_up_snooze"

PRIVACY_HINT = (
    ":lock: Never name or describe the person you supported: a note naming anyone in the workspace "
    "(a first name or surname alone counts) is sent back to reword. Mentions, emails and phone numbers "
    "are removed from the note automatically."
)


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _option(choice: Choice) -> dict[str, Any]:
    return {"text": _text(choice.label), "value": choice.id}


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": _text(label),
        "element": {"action_id": INPUT, **element},
        "optional": optional,
    }
    if hint:
        block["hint"] = _text(hint)
    return block


def _select(
    taxonomy: SupportTaxonomy, kind: TaxonomyKind, placeholder: str, initial: str | None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "static_select",
        "placeholder": _text(placeholder),
        "options": [_option(c) for c in taxonomy.choices(kind)],
    }
    chosen = taxonomy.get(kind, initial)
    if chosen is not None:
        element["initial_option"] = _option(chosen)
    return element


def _date_picker(initial: date | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datepicker"}
    if initial is not None:
        element["initial_date"] = initial.isoformat()
    return element


def format_minutes(minutes: int) -> str:
    """'45 min', '1 h', '1 h 30 min'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def session_line(session: SessionSummary, taxonomy: SupportTaxonomy) -> str:
    """One line describing a session to the supporter who logged it."""
    return (
        f"*{session.session_date:%a %d %b}* · {format_minutes(session.duration_minutes)} · "
        f"{taxonomy.label('categories', session.category)} · {taxonomy.label('channels', session.contact_channel)} · "
        f"{taxonomy.label('outcomes', session.outcome)}"
    )


def _follow_up_text(session: SessionSummary) -> str | None:
    if session.follow_up_on is None:
        return None
    if session.follow_up_done:
        return f"follow-up on {session.follow_up_on:%a %d %b} done"
    return f"follow-up {session.follow_up_on:%a %d %b}"


def build_session_modal(
    *, taxonomy: SupportTaxonomy, today: date, session: SessionSummary | None = None
) -> dict[str, Any]:
    """The modal to log a session, or to edit one (prefilled, its id in private_metadata)."""
    duration: dict[str, Any] = {
        "type": "number_input",
        "is_decimal_allowed": False,
        "min_value": str(MIN_MINUTES),
        "max_value": str(MAX_MINUTES),
        "placeholder": _text("e.g. 30"),
    }
    follow_up: dict[str, Any] = {
        "type": "checkboxes",
        "options": [{"text": _text("Follow-up needed"), "value": FOLLOW_UP_YES}],
    }
    contact: dict[str, Any] = {
        "type": "radio_buttons",
        "options": [_option(c) for c in taxonomy.choices("channels")],
    }
    note: dict[str, Any] = {
        "type": "plain_text_input",
        "multiline": True,
        "max_length": NOTE_LIMIT,
        "placeholder": _text("What helped, what to watch for. No names."),
    }
    if session is not None:
        duration["initial_value"] = str(session.duration_minutes)
        if session.follow_up_on is not None:
            follow_up["initial_options"] = follow_up["options"]
        chosen = taxonomy.get("channels", session.contact_channel)
        if chosen is not None:
            contact["initial_option"] = _option(chosen)
        if session.note:
            note["initial_value"] = session.note
    blocks: list[dict[str, Any]] = [
        _context(PRIVACY_HINT),
        _input(DATE, "Date of the session", _date_picker(session.session_date if session else today)),
        _input(DURATION, "Length (minutes)", duration),
        _input(
            CATEGORY,
            "What was it about?",
            _select(taxonomy, "categories", "Choose a category", session.category if session else None),
        ),
        _input(CONTACT_CHANNEL, "How did you talk?", contact),
        _input(
            OUTCOME,
            "Outcome",
            _select(taxonomy, "outcomes", "Choose the main outcome", session.outcome if session else None),
        ),
        _input(FOLLOW_UP, "Follow-up", follow_up, optional=True),
        _input(
            FOLLOW_UP_ON,
            "Follow up on",
            _date_picker(session.follow_up_on if session else None),
            optional=True,
            hint="Used only when “Follow-up needed” is ticked; I'll remind you that morning.",
        ),
        _input(NOTE, "Note (optional)", note, optional=True),
    ]
    return {
        "type": "modal",
        "callback_id": SESSION_VIEW,
        "private_metadata": json.dumps({"edit": session.id}) if session is not None else "",
        "title": _text("Edit session" if session is not None else "Log a session"),
        "submit": _text("Save"),
        "close": _text("Cancel"),
        "blocks": blocks,
    }


def build_training_modal(*, taxonomy: SupportTaxonomy, today: date) -> dict[str, Any]:
    """The modal to record a completed training."""
    hours = {
        "type": "number_input",
        "is_decimal_allowed": True,
        "min_value": f"{MIN_HOURS:g}",
        "max_value": f"{MAX_HOURS:g}",
        "placeholder": _text("e.g. 1.5"),
    }
    topic = {
        "type": "plain_text_input",
        "max_length": TOPIC_LIMIT,
        "placeholder": _text("Another course or topic"),
    }
    return {
        "type": "modal",
        "callback_id": TRAINING_VIEW,
        "title": _text("Record a training"),
        "submit": _text("Save"),
        "close": _text("Cancel"),
        "blocks": [
            _input(
                COURSE,
                "Course",
                _select(taxonomy, "training_courses", "Choose a course", None),
                optional=True,
            ),
            _input(TOPIC, "…or another course or topic", topic, optional=True),
            _input(COMPLETED_ON, "Completed on", _date_picker(today)),
            _input(HOURS, "Hours", hours),
        ],
    }


def build_session_confirmation(saved: SavedSession, *, taxonomy: SupportTaxonomy) -> dict[str, Any]:
    """The private DM confirming a logged or edited session, with its summary."""
    session = saved.session
    verb = "updated" if saved.edited else "logged"
    blocks: list[dict[str, Any]] = [
        _mrkdwn(f":white_check_mark: *Session {verb}*\n{session_line(session, taxonomy)}")
    ]
    follow_up = _follow_up_text(session)
    if follow_up:
        blocks.append(
            _context(f":calendar: {follow_up[0].upper()}{follow_up[1:]} — I'll remind you that morning.")
        )
    if session.note:
        scrubbed = " _(contact details were removed before saving)_" if saved.note_scrubbed else ""
        blocks.append(_mrkdwn(f"*Note as saved*{scrubbed}\n{quote(session.note, keep_lines=True)}"))
    blocks.append(
        _context("You can edit or delete it for 24 hours with `/peer-log list`. Only you see your sessions.")
    )
    text = f"Session {verb}: {session.session_date:%a %d %b}, {format_minutes(session.duration_minutes)}."
    return {"text": text, "blocks": blocks}


def training_status_text(status: TrainingStatus) -> str:
    """A sentence on where the supporter's training stands."""
    if status.state == "none" or status.valid_until is None:
        return "You have no training recorded yet."
    if status.state == "lapsed":
        return f"Your training lapsed on {status.valid_until:%a %d %b %Y}: please record a refresher."
    if status.state == "lapsing":
        return f"Your training is current until {status.valid_until:%a %d %b %Y} — a refresher is due soon."
    return f"Your training is current until {status.valid_until:%a %d %b %Y}."


def build_training_confirmation(saved: SavedTraining) -> dict[str, Any]:
    """The private DM confirming a recorded training."""
    line = f"{saved.title} · {saved.completed_on:%a %d %b %Y} · {saved.hours:g} h"
    return {
        "text": f"Training recorded: {saved.title}.",
        "blocks": [
            _mrkdwn(f":mortar_board: *Training recorded*\n{line}"),
            _context(training_status_text(saved.status)),
        ],
    }


def build_training_reminder_text(status: TrainingStatus) -> str:
    """The weekly DM to a supporter whose training lapsed or was never recorded."""
    if status.state == "none" or status.last_on is None:
        opening = "You haven't recorded any peer-support training yet."
    else:
        title = f" ({status.last_title})" if status.last_title else ""
        opening = (
            f"Your peer-support training lapsed on {status.valid_until:%a %d %b %Y}: your most recent "
            f"was on {status.last_on:%a %d %b %Y}{title}."
        )
    return (
        f":mortar_board: {opening} Keeping it current is part of being a supporter — record a "
        "refresher with `/peer-log training`. I'll remind you once a week until you do."
    )


def build_session_list_message(
    sessions: list[SessionSummary], *, taxonomy: SupportTaxonomy, notice: str | None = None
) -> dict[str, Any]:
    """The supporter's own latest sessions, with Edit and Delete for those under 24 hours old."""
    blocks: list[dict[str, Any]] = []
    if notice:
        blocks.append(_context(notice))
    if not sessions:
        blocks.append(_mrkdwn("You haven't logged any sessions yet. `/peer-log` logs one."))
        return {"text": "You haven't logged any sessions yet.", "blocks": blocks}
    blocks.append(_mrkdwn(f"*Your last {len(sessions)} session{'s' if len(sessions) != 1 else ''}*"))
    for session in sessions:
        blocks.append({**_mrkdwn(session_line(session, taxonomy)), "block_id": f"s_{session.id}"})
        details = [
            d for d in (_follow_up_text(session), session.note and f"“{plain(session.note, limit=200)}”") if d
        ]
        if details:
            blocks.append(_context(" · ".join(details)))
        if session.editable:
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"a_{session.id}",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": EDIT_ACTION,
                            "text": _text("Edit"),
                            "value": session.id,
                        },
                        {
                            "type": "button",
                            "action_id": DELETE_ACTION,
                            "text": _text("Delete"),
                            "style": "danger",
                            "value": session.id,
                            "confirm": {
                                "title": _text("Delete this session?"),
                                "text": _text("It is removed for good, and from the program's totals."),
                                "confirm": _text("Delete"),
                                "deny": _text("Keep it"),
                                "style": "danger",
                            },
                        },
                    ],
                }
            )
    blocks.append(
        _context("Only you see these. Sessions can be edited or deleted for 24 hours after logging.")
    )
    return {"text": f"Your last {len(sessions)} peer-support sessions.", "blocks": blocks}


def encode_follow_up(session_id: str, due_on: date) -> str:
    """The compact button value naming a follow-up and the due date its reminder was for."""
    return json.dumps({"s": session_id, "d": due_on.isoformat()}, separators=(",", ":"))


def decode_follow_up(raw: str) -> tuple[str, date]:
    """Parse a follow-up button value; raise ValueError if it is not one of ours."""
    data = json.loads(raw)
    if not isinstance(data, dict) or not isinstance(data.get("s"), str) or not isinstance(data.get("d"), str):
        raise ValueError("not a follow-up value")
    return data["s"], date.fromisoformat(data["d"])


def build_follow_up_message(
    session: SessionSummary, *, due_on: date, taxonomy: SupportTaxonomy
) -> dict[str, Any]:
    """The DM on a follow-up's date, with Done and Snooze buttons."""
    value = encode_follow_up(session.id, due_on)
    return {
        "text": f"Follow-up due: your session of {session.session_date:%a %d %b}.",
        "blocks": [
            _mrkdwn(
                f":calendar: *Time to follow up* ({due_on:%a %d %b}) on your session of "
                f"{session.session_date:%a %d %b}:\n{session_line(session, taxonomy)}"
            ),
            {
                "type": "actions",
                "block_id": f"f_{session.id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": FOLLOW_UP_DONE_ACTION,
                        "text": _text("Done"),
                        "style": "primary",
                        "value": value,
                    },
                    {
                        "type": "button",
                        "action_id": FOLLOW_UP_SNOOZE_ACTION,
                        "text": _text("Snooze a week"),
                        "value": value,
                    },
                ],
            },
        ],
    }


def build_follow_up_resolved(result: FollowUpResult) -> dict[str, Any]:
    """The follow-up DM after a click: what happened, no buttons left."""
    if result.done:
        text = ":white_check_mark: Follow-up done. Thank you for checking in."
        if not result.changed:
            text = ":white_check_mark: This follow-up was already marked done."
    elif result.changed:
        text = f":zzz: Snoozed: I'll remind you again on {result.due_on:%a %d %b}."
    else:
        text = f":zzz: Already snoozed: the next reminder is on {result.due_on:%a %d %b}."
    return {"text": text, "blocks": [_mrkdwn(text)]}
