"""`peer-log` on Teams: the session and training dialogs, confirmations, the list and the reminders. Pure.

The dialogs' input ids are the domain's form-field names (bot.support), so the errors the domain
raises land under the right field. A refused form is drawn again from what was typed (Teams has no
server-side field errors), each error under its input, as the feedback dialog does.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from handlers.teams.cards.card import card, dialog, note, opens_dialog, text
from handlers.teams.cards.forms import choice_set, date_input, send_button, text_box, with_errors
from handlers.teams.cards.markup import inert

# task/fetch buttons (open a dialog or act on a card) and task/submit Sends, by `action`.
PEER_LOG_PREFIX = "peer_log."
OPEN_SESSION = "peer_log.open"
OPEN_TRAINING = "peer_log.training"
SAVE_SESSION = "peer_log.save"
SAVE_TRAINING = "peer_log.training_save"
EDIT = "peer_log.edit"
DELETE = "peer_log.delete"
DELETE_CONFIRM = "peer_log.delete_confirm"
FOLLOW_UP_DONE = "peer_log.follow_up_done"
FOLLOW_UP_SNOOZE = "peer_log.follow_up_snooze"
# Keys in a button's data: the session, the follow-up date its reminder was for, the session being
# edited, and the message (the list) a dialog was opened from.
SESSION_KEY = "s"
DUE_KEY = "d"
EDIT_KEY = "edit"
MESSAGE_KEY = "m"
FOLLOW_UP_YES = "yes"
FOLLOW_UP_NO = "no"


def _choice_set(
    field: str, label: str, taxonomy: SupportTaxonomy, kind: TaxonomyKind, value: str, **style: Any
) -> dict[str, Any]:
    choices = [{"title": _(c.label), "value": c.id} for c in taxonomy.choices(kind)]
    return choice_set(
        field, label, choices, value if taxonomy.get(kind, value) is not None else None, **style
    )


def session_values(session: SessionSummary) -> dict[str, str]:
    """A session as the dialog's typed values, to edit it."""
    return {
        DATE: session.session_date.isoformat(),
        DURATION: str(session.duration_minutes),
        CATEGORY: session.category,
        CONTACT_CHANNEL: session.contact_channel,
        OUTCOME: session.outcome,
        FOLLOW_UP: FOLLOW_UP_YES if session.follow_up_on is not None else FOLLOW_UP_NO,
        FOLLOW_UP_ON: session.follow_up_on.isoformat() if session.follow_up_on else "",
        NOTE: session.note or "",
    }


def build_session_dialog(
    *,
    taxonomy: SupportTaxonomy,
    values: Mapping[str, str],
    edit: str | None = None,
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The dialog to log a session, or to edit one (its id in the Send), with `values` filled in."""
    duration: dict[str, Any] = {
        "type": "Input.Number",
        "id": DURATION,
        "label": _("Length (minutes)"),
        "min": MIN_MINUTES,
        "max": MAX_MINUTES,
        "placeholder": _("e.g. 30"),
    }
    if values.get(DURATION):
        duration["value"] = _number(values[DURATION])
    follow_up = {
        "type": "Input.Toggle",
        "id": FOLLOW_UP,
        "label": _("Follow-up"),
        "title": _("Follow-up needed"),
        "valueOn": FOLLOW_UP_YES,
        "valueOff": FOLLOW_UP_NO,
        "value": FOLLOW_UP_YES if values.get(FOLLOW_UP) == FOLLOW_UP_YES else FOLLOW_UP_NO,
    }
    note_box = text_box(
        NOTE,
        _("Note (optional)"),
        values.get(NOTE, ""),
        max_length=NOTE_LIMIT,
        multiline=True,
        placeholder=_("What helped, what to watch for. No names."),
    )
    inputs = [
        date_input(DATE, _("Date of the session"), values.get(DATE, "")),
        duration,
        _choice_set(
            CATEGORY,
            _("What was it about?"),
            taxonomy,
            "categories",
            values.get(CATEGORY, ""),
            style="compact",
            placeholder=_("Choose a category"),
        ),
        _choice_set(
            CONTACT_CHANNEL,
            _("How did you talk?"),
            taxonomy,
            "channels",
            values.get(CONTACT_CHANNEL, ""),
            style="expanded",
        ),
        _choice_set(
            OUTCOME,
            _("Outcome"),
            taxonomy,
            "outcomes",
            values.get(OUTCOME, ""),
            style="compact",
            placeholder=_("Choose the main outcome"),
        ),
        follow_up,
        date_input(FOLLOW_UP_ON, _("Follow up on"), values.get(FOLLOW_UP_ON, "")),
        note(_("Used only when “Follow-up needed” is ticked; I'll remind you that morning.")),
        note_box,
    ]
    body = [
        note(_(PRIVACY_HINT)),
        *with_errors(inputs, errors or {}, fallback=DATE),
        send_button(_("Save"), SAVE_SESSION, **({EDIT_KEY: edit} if edit is not None else {})),
    ]
    title = _("Edit session") if edit is not None else _("Log a session")
    return dialog(title, card(body))


def _number(raw: str) -> int | float | str:
    """A typed number as Input.Number's value; kept as typed if it is not one."""
    try:
        found = float(raw)
    except ValueError:
        return raw
    return int(found) if found.is_integer() else found


def build_training_dialog(
    *, taxonomy: SupportTaxonomy, values: Mapping[str, str], errors: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The dialog to record a completed training: a course from the list or a topic, date, hours."""
    topic = text_box(
        TOPIC,
        _("…or another course or topic"),
        values.get(TOPIC, ""),
        max_length=TOPIC_LIMIT,
        placeholder=_("Another course or topic"),
    )
    hours: dict[str, Any] = {
        "type": "Input.Number",
        "id": HOURS,
        "label": _("Hours"),
        "min": MIN_HOURS,
        "max": MAX_HOURS,
        "placeholder": _("e.g. 1.5"),
    }
    if values.get(HOURS):
        hours["value"] = _number(values[HOURS])
    inputs = [
        _choice_set(
            COURSE,
            _("Course"),
            taxonomy,
            "training_courses",
            values.get(COURSE, ""),
            style="compact",
            placeholder=_("Choose a course"),
        ),
        topic,
        date_input(COMPLETED_ON, _("Completed on"), values.get(COMPLETED_ON, "")),
        hours,
    ]
    body = [*with_errors(inputs, errors or {}, fallback=COURSE), send_button(_("Save"), SAVE_TRAINING)]
    return dialog(_("Record a training"), card(body))


def build_session_launcher() -> dict[str, Any]:
    """What a typed `peer-log` gets: the privacy promise and the button that opens the dialog."""
    body = [
        text(_(PRIVACY_HINT)),
        {"type": "ActionSet", "actions": [opens_dialog(_("Log a session"), OPEN_SESSION)]},
    ]
    return card(body, fallback=_("Log a session"))


def build_training_launcher(status: TrainingStatus) -> dict[str, Any]:
    """What a typed `peer-log training` gets: where training stands, and the button to record one."""
    body = [
        text(training_status_text(status)),
        {"type": "ActionSet", "actions": [opens_dialog(_("Record a training"), OPEN_TRAINING)]},
    ]
    return card(body, fallback=_("Record a training"))


def session_confirmation(saved: SavedSession, *, taxonomy: SupportTaxonomy) -> dict[str, Any]:
    """The card confirming a logged or edited session, with its summary."""
    session = saved.session
    body: list[dict[str, Any]] = [
        text(saved_heading(saved)),
        text(session_line(session, taxonomy), spacing="none"),
    ]
    promise = follow_up_promise(session)
    if promise:
        body.append(note(promise))
    if session.note:
        body.append(text(note_heading(saved)))
        # The supporter's own words: shown as typed, never read as markup.
        body.append(text(inert(session.note), spacing="none", isSubtle=True))
    body.append(note(edit_hint()))
    return card(body, fallback=saved_summary(saved))


def build_session_saved_dialog(saved: SavedSession, *, taxonomy: SupportTaxonomy) -> dict[str, Any]:
    """What the session dialog turns into once the session is stored."""
    title = _("Edit session") if saved.edited else _("Log a session")
    return dialog(title, session_confirmation(saved, taxonomy=taxonomy))


def training_confirmation(saved: SavedTraining) -> dict[str, Any]:
    """The card confirming a recorded training, with where training now stands."""
    body = [
        text(_(":mortar_board: *Training recorded*")),
        text(training_line(saved, quote=inert), spacing="none"),
        note(training_status_text(saved.status)),
    ]
    return card(body, fallback=training_summary(saved))


def build_training_saved_dialog(saved: SavedTraining) -> dict[str, Any]:
    """What the training dialog turns into once the training is stored."""
    return dialog(_("Record a training"), training_confirmation(saved))


def build_session_list_card(
    sessions: list[SessionSummary], *, taxonomy: SupportTaxonomy, notice: str | None = None
) -> dict[str, Any]:
    """The supporter's own latest sessions, with Edit and Delete for those under 24 hours old."""
    body: list[dict[str, Any]] = []
    if notice:
        body.append(note(notice))
    if not sessions:
        body.append(text(_("You haven't logged any sessions yet. `/peer-log` logs one.")))
        return card(body, fallback=_("You haven't logged any sessions yet."))
    count = len(sessions)
    body.append(text(ngettext("*Your last session*", "*Your last {n} sessions*", count).format(n=count)))
    for session in sessions:
        body.append(text(session_line(session, taxonomy), separator=True))
        details = [
            d for d in (follow_up_text(session), session.note and f"“{inert(session.note)[:200]}”") if d
        ]
        if details:
            body.append(note(" · ".join(details)))
        if session.editable:
            actions = [
                opens_dialog(_("Edit"), EDIT, **{SESSION_KEY: session.id}),
                opens_dialog(_("Delete"), DELETE, **{SESSION_KEY: session.id}),
            ]
            body.append({"type": "ActionSet", "actions": actions})
    body.append(note(_("Only you see these. Sessions can be edited or deleted for 24 hours after logging.")))
    words = ngettext("Your last peer-support session.", "Your last {n} peer-support sessions.", count)
    return card(body, fallback=words.format(n=count))


def build_delete_dialog(session_id: str, *, message_id: str | None) -> dict[str, Any]:
    """Asked before a delete, as Slack's confirm does: the session goes for good."""
    data = {SESSION_KEY: session_id, **({MESSAGE_KEY: message_id} if message_id else {})}
    body = [
        text(_("It is removed for good, and from the program's totals.")),
        send_button(_("Delete"), DELETE_CONFIRM, **data),
    ]
    return dialog(_("Delete this session?"), card(body))


def build_follow_up_card(
    session: SessionSummary, *, due_on: date, taxonomy: SupportTaxonomy
) -> dict[str, Any]:
    """The reminder on a follow-up's date, with Done and Snooze buttons."""
    data = {SESSION_KEY: session.id, DUE_KEY: due_on.isoformat()}
    body = [
        text(follow_up_due_heading(session, due_on=due_on)),
        text(session_line(session, taxonomy), spacing="none"),
        {
            "type": "ActionSet",
            "actions": [
                {**opens_dialog(_("Done"), FOLLOW_UP_DONE, **data), "style": "positive"},
                opens_dialog(_("Snooze a week"), FOLLOW_UP_SNOOZE, **data),
            ],
        },
    ]
    return card(body, fallback=follow_up_due_summary(session))


def build_follow_up_resolved_card(result: FollowUpResult) -> dict[str, Any]:
    """The follow-up reminder after a tap: what happened, no buttons left."""
    words = follow_up_resolved_text(result)
    return card([text(words)], fallback=words)


def build_training_reminder_card(status: TrainingStatus) -> dict[str, Any]:
    """The lapsed-training reminder, with the button that opens the training dialog."""
    words = training_reminder_text(status, own_words=inert)
    body = [
        text(words),
        {"type": "ActionSet", "actions": [opens_dialog(_("Record a training"), OPEN_TRAINING)]},
    ]
    return card(body, fallback=words)
