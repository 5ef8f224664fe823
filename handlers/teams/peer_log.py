"""`peer-log` typed in the 1:1 chat, and its dialogs and buttons: supporters log sessions and trainings.

Each form goes through the same domain call as Slack's modal (bot.support), which decides the role:
anyone else gets the domain's refusal word for word. A dialog opens only from a card's button, so a
typed `peer-log` answers with a card one tap from the form. A refused Send draws the dialog again with
what was typed and each error under its field; a stored one turns the dialog into the confirmation,
which is also posted in the chat, as Slack DMs it. A note that describes someone at risk gets the
supporter escalation guidance in the chat, saved or not. Nothing here logs who did what.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.errors import InvalidInput, PeerPulseError
from bot.i18n import _
from bot.privacy import RiskSignal, detect_risk
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
    NOTE,
    OUTCOME,
    TOPIC,
    SavedSession,
    SessionForm,
    TrainingForm,
)
from handlers.shared.peer_log_words import USAGE, follow_up_resolved_text
from handlers.shared.support_words import escalation_reply
from handlers.teams.cards.card import attachment
from handlers.teams.cards.markup import to_markdown
from handlers.teams.cards.peer_log import (
    DELETE,
    DELETE_CONFIRM,
    DUE_KEY,
    EDIT,
    EDIT_KEY,
    FOLLOW_UP_DONE,
    FOLLOW_UP_SNOOZE,
    FOLLOW_UP_YES,
    MESSAGE_KEY,
    OPEN_SESSION,
    OPEN_TRAINING,
    SAVE_SESSION,
    SAVE_TRAINING,
    SESSION_KEY,
    build_delete_dialog,
    build_follow_up_resolved_card,
    build_session_dialog,
    build_session_launcher,
    build_session_list_card,
    build_session_saved_dialog,
    build_training_dialog,
    build_training_launcher,
    build_training_saved_dialog,
    session_confirmation,
    session_values,
    training_confirmation,
)
from handlers.teams.context import TeamsContext
from handlers.teams.ids import person_id
from handlers.teams.payloads import sender_of
from handlers.teams.replies import database_down_text, not_our_button_text, user_message_for
from handlers.teams.task_replies import said

log = logging.getLogger(__name__)
SUBCOMMANDS = frozenset({"", "list", "training"})
SESSION_FIELDS = (DATE, DURATION, CATEGORY, CONTACT_CHANNEL, OUTCOME, FOLLOW_UP, FOLLOW_UP_ON, NOTE)
TRAINING_FIELDS = (COURSE, TOPIC, COMPLETED_ON, HOURS)
_DATABASE_DOWN = (DBAPIError, PoolTimeout, ConnectionError)
Reply = str | dict[str, Any]


def task_message(words: str) -> dict[str, Any]:
    """The answer to task/fetch or task/submit that shows a short message instead of a dialog."""
    return said(to_markdown(words))


def usage_text() -> str:
    """What `peer-log help` says: Slack's usage, its commands typed without the slash."""
    return to_markdown(_(USAGE))


def escalation_text(kind: str, ctx: TeamsContext) -> str:
    """A supporter's escalation guidance for a note describing someone at risk (no copy of the note)."""
    reply = escalation_reply(kind, ctx.services.settings)
    return to_markdown("\n".join([reply.opener, *reply.sections, f"_{reply.note}_"]))


# --- the typed command ------------------------------------------------------------------------


def handle_peer_log_command(
    ctx: TeamsContext, activity: dict[str, Any], person: str, words: list[str]
) -> None:
    """Answer `peer-log [list | training | help]` after the HTTP answer, with its text or card."""
    ctx.services.spawn(_answer_command(ctx, activity, person, words[0] if words else ""))


async def _answer_command(ctx: TeamsContext, activity: dict[str, Any], person: str, sub: str) -> None:
    try:
        reply = await _command(ctx, person, sub)
    except Exception as exc:
        # Logged without who: only which command failed and how.
        log.warning("peer-log %s failed: %s", sub or "(session)", type(exc).__name__)
        reply = to_markdown(user_message_for(exc))
    await post_reply(ctx, activity, reply)


async def _command(ctx: TeamsContext, person: str, sub: str) -> Reply:
    services = ctx.services
    if sub not in SUBCOMMANDS:
        if sub in {"help", "?"}:
            return usage_text()
        return to_markdown(_("I don't know `/peer-log {sub}`.").format(sub=sub)) + "\n\n" + usage_text()
    await services.roles.require_supporter(person)
    if sub == "list":
        sessions = await services.support.recent_sessions(supporter_id=person)
        return build_session_list_card(sessions, taxonomy=services.support.taxonomy)
    # Fetch the directory while the supporter opens the form, so the name check at Send is quick.
    services.spawn(services.support.warm_directory())
    if sub == "training":
        return build_training_launcher(await services.support.training_status(supporter_id=person))
    return build_session_launcher()


async def post_reply(ctx: TeamsContext, activity: dict[str, Any], reply: Reply) -> None:
    """Send text or a card into the activity's conversation (a failure is logged, not raised)."""
    if isinstance(reply, str):
        message: dict[str, Any] = {"type": "message", "text": reply}
    else:
        message = {
            "type": "message",
            "text": str(reply.get("fallbackText", "")),
            "attachments": [attachment(reply)],
        }
    await ctx.post(activity, message, threaded=False, failure="a peer-log reply in Teams could not be sent")


async def _replace(ctx: TeamsContext, activity: dict[str, Any], ref: str, content: dict[str, Any]) -> None:
    """Rewrite an earlier card in the chat (a reminder after its tap, the list after a delete)."""
    update = {
        "type": "message",
        "text": str(content.get("fallbackText", "")),
        "attachments": [attachment(content)],
    }
    await ctx.rewrite(activity, ref, update, failure="a peer-log card in Teams could not be rewritten")


# --- dialogs ----------------------------------------------------------------------------------


def typed_values(data: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, str]:
    """What the Send carried for each field, as text (Teams sends numbers and toggles as text)."""
    found: dict[str, str] = {}
    for field in fields:
        value = data.get(field)
        if isinstance(value, bool):
            value = FOLLOW_UP_YES if value else ""
        if isinstance(value, int | float | str):
            found[field] = str(value)
    return found


def read_session_form(values: Mapping[str, str]) -> SessionForm:
    """The dialog's values as the domain's session form (an empty input is no answer)."""

    def get(field: str) -> str | None:
        return values.get(field) or None

    return SessionForm(
        session_date=get(DATE),
        duration_minutes=get(DURATION),
        category=get(CATEGORY),
        contact_channel=get(CONTACT_CHANNEL),
        outcome=get(OUTCOME),
        follow_up=values.get(FOLLOW_UP) in (FOLLOW_UP_YES, "true"),
        follow_up_on=get(FOLLOW_UP_ON),
        note=get(NOTE),
    )


def read_training_form(values: Mapping[str, str]) -> TrainingForm:
    """The dialog's values as the domain's training form."""
    return TrainingForm(
        course=values.get(COURSE) or None,
        topic=values.get(TOPIC) or None,
        completed_on=values.get(COMPLETED_ON) or None,
        hours=values.get(HOURS) or None,
    )


def _errors(exc: BaseException, *, fallback: str) -> dict[str, str]:
    """Each field's error, or the whole refusal (not a supporter, window over) on `fallback`."""
    fields = exc.fields if isinstance(exc, InvalidInput) else {}
    return dict(fields) if fields else {fallback: user_message_for(exc)}


def _string(data: Mapping[str, Any], key: str) -> str | None:
    found = data.get(key)
    return found if isinstance(found, str) and found else None


async def handle_peer_log_fetch(
    ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    """Open the form a `peer_log.*` button names, or do what a reminder's button says."""
    services, person = ctx.services, person_id(sender_of(activity))
    action = data.get("action")
    try:
        if action == OPEN_SESSION:
            await services.roles.require_supporter(person)
            values = {DATE: services.support.cached_today(person).isoformat()}
            return build_session_dialog(taxonomy=services.support.taxonomy, values=values)
        if action == OPEN_TRAINING:
            await services.roles.require_supporter(person)
            values = {COMPLETED_ON: services.support.cached_today(person).isoformat()}
            return build_training_dialog(taxonomy=services.support.taxonomy, values=values)
        session_id = _string(data, SESSION_KEY)
        if session_id is None:
            return task_message(not_our_button_text())
        if action == EDIT:
            session = await services.support.session_for_edit(supporter_id=person, session_id=session_id)
            services.spawn(services.support.warm_directory())
            return build_session_dialog(
                taxonomy=services.support.taxonomy, values=session_values(session), edit=session.id
            )
        if action == DELETE:
            return build_delete_dialog(session_id, message_id=_string(activity, "replyToId"))
        if action in (FOLLOW_UP_DONE, FOLLOW_UP_SNOOZE):
            return await _follow_up(ctx, activity, person, action, session_id, data)
    except PeerPulseError as refused:
        return task_message(user_message_for(refused))
    except _DATABASE_DOWN:
        log.warning("a peer-log dialog could not open: the database is unreachable")
        return task_message(database_down_text())
    return task_message(not_our_button_text())


async def _follow_up(
    ctx: TeamsContext,
    activity: dict[str, Any],
    person: str,
    action: Any,
    session_id: str,
    data: dict[str, Any],
) -> dict[str, Any]:
    support = ctx.services.support
    if action == FOLLOW_UP_DONE:
        result = await support.complete_follow_up(supporter_id=person, session_id=session_id)
    else:
        try:
            due_on = date.fromisoformat(str(data.get(DUE_KEY)))
        except ValueError:
            return task_message(not_our_button_text())
        result = await support.snooze_follow_up(
            supporter_id=person, session_id=session_id, seen_due_on=due_on
        )
    ref = _string(activity, "replyToId")
    if ref is not None:
        # The reminder becomes what happened, with nothing left to tap, as Slack's DM is updated.
        ctx.services.spawn(_replace(ctx, activity, ref, build_follow_up_resolved_card(result)))
    return task_message(follow_up_resolved_text(result))


async def handle_peer_log_submit(
    ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    """Store what a `peer_log.*` dialog's Send carries, or show the dialog again with why not."""
    action = data.get("action")
    if action == SAVE_SESSION:
        return await _save_session(ctx, activity, data)
    if action == SAVE_TRAINING:
        return await _save_training(ctx, activity, data)
    if action == DELETE_CONFIRM:
        return await _delete(ctx, activity, data)
    return task_message(not_our_button_text())


async def _save_session(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    services, person = ctx.services, person_id(sender_of(activity))
    support = services.support
    values = typed_values(data, SESSION_FIELDS)
    editing = _string(data, EDIT_KEY)
    form = read_session_form(values)
    # Judged on what was typed, before any check: a note refused for naming someone still gets an answer.
    risk = detect_risk(form.note) if form.note else None
    try:
        saved: SavedSession
        if editing is not None:
            saved = await support.edit_session(supporter_id=person, session_id=editing, form=form)
        else:
            saved = await support.log_session(team_id=services.team_id, supporter_id=person, form=form)
    except PeerPulseError as refused:
        errors = _errors(refused, fallback=DATE)
        return build_session_dialog(taxonomy=support.taxonomy, values=values, edit=editing, errors=errors)
    except _DATABASE_DOWN:
        log.warning("a session could not be stored: the database is unreachable")
        errors = {DATE: database_down_text()}
        return build_session_dialog(taxonomy=support.taxonomy, values=values, edit=editing, errors=errors)
    finally:
        _escalate(ctx, activity, risk)
    services.spawn(post_reply(ctx, activity, session_confirmation(saved, taxonomy=support.taxonomy)))
    return build_session_saved_dialog(saved, taxonomy=support.taxonomy)


async def _save_training(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    services, person = ctx.services, person_id(sender_of(activity))
    support = services.support
    values = typed_values(data, TRAINING_FIELDS)
    try:
        saved = await support.record_training(
            team_id=services.team_id, supporter_id=person, form=read_training_form(values)
        )
    except PeerPulseError as refused:
        errors = _errors(refused, fallback=COURSE)
        return build_training_dialog(taxonomy=support.taxonomy, values=values, errors=errors)
    except _DATABASE_DOWN:
        log.warning("a training could not be stored: the database is unreachable")
        errors = {COURSE: database_down_text()}
        return build_training_dialog(taxonomy=support.taxonomy, values=values, errors=errors)
    services.spawn(post_reply(ctx, activity, training_confirmation(saved)))
    return build_training_saved_dialog(saved)


async def _delete(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    services, person = ctx.services, person_id(sender_of(activity))
    session_id = _string(data, SESSION_KEY)
    if session_id is None:
        return task_message(not_our_button_text())
    try:
        await services.support.delete_session(supporter_id=person, session_id=session_id)
        sessions = await services.support.recent_sessions(supporter_id=person)
    except PeerPulseError as refused:
        return task_message(user_message_for(refused))
    except _DATABASE_DOWN:
        log.warning("a session could not be deleted: the database is unreachable")
        return task_message(database_down_text())
    ref = _string(data, MESSAGE_KEY)
    if ref is not None:
        listed = build_session_list_card(
            sessions, taxonomy=services.support.taxonomy, notice=_("Session deleted.")
        )
        services.spawn(_replace(ctx, activity, ref, listed))
    return task_message(_("Session deleted."))


def _escalate(ctx: TeamsContext, activity: dict[str, Any], risk: RiskSignal | None) -> None:
    """The escalation guidance in the supporter's chat, as Slack DMs it; no copy of the note."""
    if risk is not None:
        ctx.reply(activity, escalation_text(risk.kind, ctx))
