"""Block Kit for `/peer-log`: the session and training modals, confirmations, the list, reminders.

Pure builders. Input block ids are the domain's form-field names (bot.support), so validation
errors raised by the domain land next to the right field.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.i18n import _, ngettext
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
from handlers.shared.peer_log_words import (
    PRIVACY_HINT,
    edit_hint,
    follow_up_due_heading,
    follow_up_due_summary,
    follow_up_promise,
    follow_up_resolved_text,
    follow_up_text,
    note_heading,
    saved_heading,
    saved_summary,
    session_line,
    training_line,
    training_reminder_text,
    training_status_text,
    training_summary,
)
from handlers.slack.blocks.mrkdwn import escape, plain, quote

SESSION_VIEW = "peer_log"
TRAINING_VIEW = "peer_log_training"
INPUT = "value"
FOLLOW_UP_YES = "yes"
EDIT_ACTION = "peer_log_edit"
DELETE_ACTION = "peer_log_delete"
FOLLOW_UP_DONE_ACTION = "peer_follow_up_done"
FOLLOW_UP_SNOOZE_ACTION = "peer_follow_up_snooze"


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _option(choice: Choice) -> dict[str, Any]:
    return {"text": _text(_(choice.label)), "value": choice.id}


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


def build_session_modal(
    *, taxonomy: SupportTaxonomy, today: date, session: SessionSummary | None = None
) -> dict[str, Any]:
    """The modal to log a session, or to edit one (prefilled, its id in private_metadata)."""
    duration: dict[str, Any] = {
        "type": "number_input",
        "is_decimal_allowed": False,
        "min_value": str(MIN_MINUTES),
        "max_value": str(MAX_MINUTES),
        "placeholder": _text(_("e.g. 30")),
    }
    follow_up: dict[str, Any] = {
        "type": "checkboxes",
        "options": [{"text": _text(_("Follow-up needed")), "value": FOLLOW_UP_YES}],
    }
    contact: dict[str, Any] = {
        "type": "radio_buttons",
        "options": [_option(c) for c in taxonomy.choices("channels")],
    }
    note: dict[str, Any] = {
        "type": "plain_text_input",
        "multiline": True,
        "max_length": NOTE_LIMIT,
        "placeholder": _text(_("What helped, what to watch for. No names.")),
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
        _context(_(PRIVACY_HINT)),
        _input(DATE, _("Date of the session"), _date_picker(session.session_date if session else today)),
        _input(DURATION, _("Length (minutes)"), duration),
        _input(
            CATEGORY,
            _("What was it about?"),
            _select(taxonomy, "categories", _("Choose a category"), session.category if session else None),
        ),
        _input(CONTACT_CHANNEL, _("How did you talk?"), contact),
        _input(
            OUTCOME,
            _("Outcome"),
            _select(taxonomy, "outcomes", _("Choose the main outcome"), session.outcome if session else None),
        ),
        _input(FOLLOW_UP, _("Follow-up"), follow_up, optional=True),
        _input(
            FOLLOW_UP_ON,
            _("Follow up on"),
            _date_picker(session.follow_up_on if session else None),
            optional=True,
            hint=_("Used only when “Follow-up needed” is ticked; I'll remind you that morning."),
        ),
        _input(NOTE, _("Note (optional)"), note, optional=True),
    ]
    return {
        "type": "modal",
        "callback_id": SESSION_VIEW,
        "private_metadata": json.dumps({"edit": session.id}) if session is not None else "",
        "title": _text(_("Edit session") if session is not None else _("Log a session")),
        "submit": _text(_("Save")),
        "close": _text(_("Cancel")),
        "blocks": blocks,
    }


def build_training_modal(*, taxonomy: SupportTaxonomy, today: date) -> dict[str, Any]:
    """The modal to record a completed training."""
    hours = {
        "type": "number_input",
        "is_decimal_allowed": True,
        "min_value": f"{MIN_HOURS:g}",
        "max_value": f"{MAX_HOURS:g}",
        "placeholder": _text(_("e.g. 1.5")),
    }
    topic = {
        "type": "plain_text_input",
        "max_length": TOPIC_LIMIT,
        "placeholder": _text(_("Another course or topic")),
    }
    return {
        "type": "modal",
        "callback_id": TRAINING_VIEW,
        "title": _text(_("Record a training")),
        "submit": _text(_("Save")),
        "close": _text(_("Cancel")),
        "blocks": [
            _input(
                COURSE,
                _("Course"),
                _select(taxonomy, "training_courses", _("Choose a course"), None),
                optional=True,
            ),
            _input(TOPIC, _("…or another course or topic"), topic, optional=True),
            _input(COMPLETED_ON, _("Completed on"), _date_picker(today)),
            _input(HOURS, _("Hours"), hours),
        ],
    }


def build_session_confirmation(saved: SavedSession, *, taxonomy: SupportTaxonomy) -> dict[str, Any]:
    """The private DM confirming a logged or edited session, with its summary."""
    session = saved.session
    blocks: list[dict[str, Any]] = [_mrkdwn(f"{saved_heading(saved)}\n{session_line(session, taxonomy)}")]
    promise = follow_up_promise(session)
    if promise:
        blocks.append(_context(promise))
    if session.note:
        blocks.append(_mrkdwn(f"{note_heading(saved)}\n{quote(session.note, keep_lines=True)}"))
    blocks.append(_context(edit_hint()))
    return {"text": saved_summary(saved), "blocks": blocks}


def build_training_confirmation(saved: SavedTraining) -> dict[str, Any]:
    """The private DM confirming a recorded training."""
    return {
        "text": training_summary(saved),
        "blocks": [
            # The supporter's own title, escaped: it must not become a mention or a link.
            _mrkdwn(_(":mortar_board: *Training recorded*") + f"\n{training_line(saved, quote=escape)}"),
            _context(training_status_text(saved.status)),
        ],
    }


def build_session_list_message(
    sessions: list[SessionSummary], *, taxonomy: SupportTaxonomy, notice: str | None = None
) -> dict[str, Any]:
    """The supporter's own latest sessions, with Edit and Delete for those under 24 hours old."""
    blocks: list[dict[str, Any]] = []
    if notice:
        blocks.append(_context(notice))
    if not sessions:
        blocks.append(_mrkdwn(_("You haven't logged any sessions yet. `/peer-log` logs one.")))
        return {"text": _("You haven't logged any sessions yet."), "blocks": blocks}
    count = len(sessions)
    blocks.append(_mrkdwn(ngettext("*Your last session*", "*Your last {n} sessions*", count).format(n=count)))
    for session in sessions:
        blocks.append({**_mrkdwn(session_line(session, taxonomy)), "block_id": f"s_{session.id}"})
        details = [
            d for d in (follow_up_text(session), session.note and f"“{plain(session.note, limit=200)}”") if d
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
                            "text": _text(_("Edit")),
                            "value": session.id,
                        },
                        {
                            "type": "button",
                            "action_id": DELETE_ACTION,
                            "text": _text(_("Delete")),
                            "style": "danger",
                            "value": session.id,
                            "confirm": {
                                "title": _text(_("Delete this session?")),
                                "text": _text(_("It is removed for good, and from the program's totals.")),
                                "confirm": _text(_("Delete")),
                                "deny": _text(_("Keep it")),
                                "style": "danger",
                            },
                        },
                    ],
                }
            )
    blocks.append(
        _context(_("Only you see these. Sessions can be edited or deleted for 24 hours after logging."))
    )
    return {
        "text": ngettext(
            "Your last peer-support session.", "Your last {n} peer-support sessions.", count
        ).format(n=count),
        "blocks": blocks,
    }


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
        "text": follow_up_due_summary(session),
        "blocks": [
            _mrkdwn(f"{follow_up_due_heading(session, due_on=due_on)}\n{session_line(session, taxonomy)}"),
            {
                "type": "actions",
                "block_id": f"f_{session.id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": FOLLOW_UP_DONE_ACTION,
                        "text": _text(_("Done")),
                        "style": "primary",
                        "value": value,
                    },
                    {
                        "type": "button",
                        "action_id": FOLLOW_UP_SNOOZE_ACTION,
                        "text": _text(_("Snooze a week")),
                        "value": value,
                    },
                ],
            },
        ],
    }


def build_follow_up_resolved(result: FollowUpResult) -> dict[str, Any]:
    """The follow-up DM after a click: what happened, no buttons left."""
    text = follow_up_resolved_text(result)
    return {"text": text, "blocks": [_mrkdwn(text)]}


def build_training_reminder_text(status: TrainingStatus) -> str:
    """The weekly DM to a supporter whose training lapsed or was never recorded."""
    return training_reminder_text(status, own_words=escape)
