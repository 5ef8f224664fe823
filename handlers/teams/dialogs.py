"""The anonymous forms as Teams dialogs: the pulse comment and `feedback` (task/fetch, task/submit).

A dialog opens from an Action.Submit carrying Teams' task/fetch marker and our `action`; its Send comes
back as task/submit with the inputs merged into that button's data. Each submission goes through the
same domain call as Slack's modal (the comment as the ballot's free-text answer, feedback through the
feedback service), and the safety net reads what was typed first, whatever happens to the submission.
A refusal draws the dialog again with what was typed and the reason under its field; success turns the
dialog into a confirmation. Nothing records who submitted: no log line, no message in the chat
(the safety net's private reply aside, which repeats nothing of the text).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.errors import InvalidInput, PeerPulseError
from bot.i18n import _, use_language
from bot.privacy import RiskSignal, detect_risk
from bot.roles import begin_request
from handlers.shared.answer_token import read_answer
from handlers.teams import improvement
from handlers.teams.cards.answers import COMMENT_ACTION, COMMENT_SUBMIT, FEEDBACK_SUBMIT
from handlers.teams.cards.card import card, opens_dialog, text
from handlers.teams.cards.forms import (
    CATEGORY_INPUT,
    COMMENT_INPUT,
    COMMENT_MAX_CHARS,
    FEEDBACK_TITLE,
    TEXT_INPUT,
    build_comment_dialog,
    build_comment_saved_dialog,
    build_feedback_dialog,
    build_feedback_received_dialog,
)
from handlers.teams.cards.help import build_support_line
from handlers.teams.cards.peer_log import PEER_LOG_PREFIX
from handlers.teams.context import TeamsContext
from handlers.teams.ids import person_id
from handlers.teams.invokes import persist_redraw, redrawn_pulse_card
from handlers.teams.payloads import sender_of
from handlers.teams.peer_log import handle_peer_log_fetch, handle_peer_log_submit
from handlers.teams.policies import OPEN_ACTIONS as POLICY_OPEN_ACTIONS
from handlers.teams.policies import SUBMIT_ACTIONS as POLICY_SUBMIT_ACTIONS
from handlers.teams.policies import open_policy_dialog, submit_policy_dialog
from handlers.teams.replies import database_down_text, not_our_button_text, safety_text
from handlers.teams.task_replies import said, text_of

log = logging.getLogger(__name__)
# The feedback card's button: opens the feedback dialog (task/fetch).
FEEDBACK_ACTION = "feedback.open"
# In the comment dialog's Send: the pulse message it was opened from (Teams' replyToId at task/fetch).
MESSAGE_KEY = "m"
_DATABASE_DOWN = (DBAPIError, PoolTimeout, ConnectionError)


def _data(activity: dict[str, Any]) -> dict[str, Any]:
    """What the dialog's button (task/fetch) or its Send (task/submit, inputs merged in) carried."""
    value = activity.get("value")
    data = value.get("data") if isinstance(value, dict) else None
    return data if isinstance(data, dict) else {}


def _start(ctx: TeamsContext, activity: dict[str, Any]) -> None:
    """Each dialog invoke speaks the person's Teams language and has no roles carried over."""
    begin_request()
    use_language(activity.get("locale"), fallback=ctx.services.settings.default_language)


async def handle_task_fetch(ctx: TeamsContext, activity: dict[str, Any]) -> dict[str, Any]:
    """Open the dialog the tapped button names."""
    _start(ctx, activity)
    data = _data(activity)
    action = data.get("action")
    if not isinstance(action, str):
        # Not one of ours (a forged list or object would not even look up as a name).
        return said(not_our_button_text())
    if action == COMMENT_ACTION:
        return await _open_comment(ctx, data, message_id=activity.get("replyToId"))
    if action == FEEDBACK_ACTION:
        return build_feedback_dialog(support_line=build_support_line(ctx.services.settings))
    if action.startswith(PEER_LOG_PREFIX):
        return await handle_peer_log_fetch(ctx, activity, data)
    if action in POLICY_OPEN_ACTIONS:
        return await open_policy_dialog(ctx.services, action, data, person=person_id(sender_of(activity)))
    if action in improvement.DIALOGS:
        return await improvement.open_dialog(ctx, activity, data)
    return said(not_our_button_text())


async def handle_task_submit(ctx: TeamsContext, activity: dict[str, Any]) -> dict[str, Any]:
    """Store what a dialog's Send carries, or show the dialog again with why not."""
    _start(ctx, activity)
    data = _data(activity)
    action = data.get("action")
    if not isinstance(action, str):
        # Not one of ours (a forged list or object would not even look up as a name).
        return said(not_our_button_text())
    if action == COMMENT_SUBMIT:
        return await _submit_comment(ctx, activity, data)
    if action == FEEDBACK_SUBMIT:
        return await _submit_feedback(ctx, activity, data)
    if action.startswith(PEER_LOG_PREFIX):
        return await handle_peer_log_submit(ctx, activity, data)
    if action in POLICY_SUBMIT_ACTIONS:
        return await submit_policy_dialog(ctx.services, action, data, person=person_id(sender_of(activity)))
    if action in improvement.SUBMISSIONS:
        return await improvement.submit_dialog(ctx, activity, data)
    return said(not_our_button_text())


def build_feedback_card() -> dict[str, Any]:
    """What a typed `feedback` gets: the form's promise, and one button that opens its dialog."""
    button = opens_dialog(_(FEEDBACK_TITLE), FEEDBACK_ACTION)
    # The dialog's own words, so the card promises exactly what the form does.
    words = _(
        ":lock: Your name is never stored with this. Names, emails and phone numbers "
        "are removed before saving; coordinators see feedback grouped by theme."
    )
    body = [text(words), {"type": "ActionSet", "actions": [button]}]
    return card(body, fallback=_(FEEDBACK_TITLE))


async def handle_feedback_command(ctx: TeamsContext, activity: dict[str, Any]) -> None:
    """Answer a typed `feedback` with the card that opens the dialog (a dialog only opens from a card)."""
    ctx.services.spawn(
        ctx.send_card(activity, build_feedback_card(), failure="a feedback card could not be sent in Teams")
    )


async def _open_comment(ctx: TeamsContext, data: dict[str, Any], *, message_id: Any) -> dict[str, Any]:
    try:
        tap = read_answer({k: v for k, v in data.items() if k in ("r", "q", "b", "t", "l")})
    except ValueError:
        return said(not_our_button_text())
    use_language(tap.language)
    services = ctx.services
    # From the question bank, as Slack's comment button does: the round itself is checked on submit.
    question = services.surveys.bank.get(tap.question_id)
    if question is None or question.kind != "text":
        return said(_("That question is no longer part of the survey."))
    dialog = build_comment_dialog(
        tap=tap,
        question=question,
        min_group_size=services.settings.min_group_size,
        support_line=build_support_line(services.settings),
    )
    return _carrying_card(dialog, message_id)


def _carrying_card(dialog: dict[str, Any], message_id: Any) -> dict[str, Any]:
    """The dialog whose Send also names the pulse message it came from, so that card can be redrawn."""
    if not isinstance(message_id, str) or not message_id:
        return dialog
    for button in submit_buttons(dialog):
        button["data"][MESSAGE_KEY] = message_id
    return dialog


def submit_buttons(node: Any) -> list[dict[str, Any]]:
    """The Action.Submit buttons anywhere in a dialog or card."""
    if isinstance(node, dict):
        found = [node] if node.get("type") == "Action.Submit" else []
        return found + [b for value in node.values() for b in submit_buttons(value)]
    if isinstance(node, list):
        return [b for item in node for b in submit_buttons(item)]
    return []


async def _submit_comment(
    ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    typed = text_of(data, COMMENT_INPUT)
    # Judged on what was typed, before any check: a closed round or a long text still gets an answer.
    risk = detect_risk(typed)
    try:
        return await _store_comment(ctx, activity, data, typed)
    finally:
        _answer_risk(ctx, activity, risk)


async def _store_comment(
    ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any], typed: str
) -> dict[str, Any]:
    try:
        tap = read_answer({k: v for k, v in data.items() if k in ("r", "q", "b", "t", "l")})
    except ValueError:
        return said(_("This form is out of date; please reopen it from the pulse DM."))
    use_language(tap.language)
    services = ctx.services
    question = services.surveys.bank.get(tap.question_id)
    if question is None or question.kind != "text":
        return said(_("That question is no longer part of the survey."))

    def again(error: str) -> dict[str, Any]:
        # The same dialog, what was typed kept, the reason under the box.
        return build_comment_dialog(
            tap=tap,
            question=question,
            min_group_size=services.settings.min_group_size,
            support_line=build_support_line(services.settings),
            typed=typed,
            errors={COMMENT_INPUT: error},
        )

    def carried(dialog: dict[str, Any]) -> dict[str, Any]:
        return _carrying_card(dialog, data.get(MESSAGE_KEY))

    if len(typed) > COMMENT_MAX_CHARS:
        return carried(again(_("Please keep it under {n:,} characters.").format(n=COMMENT_MAX_CHARS)))
    try:
        progress = await services.surveys.record_answer(
            team_id=services.team_id,
            user_id=person_id(sender_of(activity)),
            round_id=tap.round_id,
            question_id=tap.question_id,
            ballot=tap.ballot,
            tag=tap.tag,
            text=typed,
        )
    except PeerPulseError as refused:
        return carried(again(str(refused)))
    except _DATABASE_DOWN:
        log.warning("a comment could not be stored: the database is unreachable")
        return carried(again(database_down_text()))
    message_id = data.get(MESSAGE_KEY)
    if isinstance(message_id, str) and message_id and not progress.repeated:
        # The pulse card shows the comment as answered, as Slack's DM does after its modal.
        try:
            content = await redrawn_pulse_card(services, progress=progress, ballot=tap.ballot, tag=tap.tag)
        except Exception:
            # The comment is stored and confirmed; only the card's mark is missing until the next tap.
            log.exception("redrawing a pulse card after a comment failed")
        else:
            persist_redraw(ctx, {**activity, "replyToId": message_id}, content, sequence=progress.sequence)
    # Confirmed in the dialog itself: a confirmation message would stay in the chat as a record.
    return build_comment_saved_dialog(removed=not typed.strip())


async def _submit_feedback(
    ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    typed = text_of(data, TEXT_INPUT)
    category = text_of(data, CATEGORY_INPUT)
    # Judged on what was typed, before any check: feedback over the length limit still gets an answer.
    risk = detect_risk(typed)
    services = ctx.services
    try:
        await services.feedback.submit(team_id=services.team_id, category=category, text=typed)
    except PeerPulseError as refused:
        fields = refused.fields if isinstance(refused, InvalidInput) else {}
        errors = dict(fields) if fields else {TEXT_INPUT: str(refused)}
        return build_feedback_dialog(
            support_line=build_support_line(services.settings),
            category=category or None,
            typed=typed,
            errors=errors,
        )
    except _DATABASE_DOWN:
        # Answered in the dialog: a "something went wrong" message would record that this person tried.
        log.warning("feedback could not be stored: the database is unreachable")
        return build_feedback_dialog(
            support_line=build_support_line(services.settings),
            category=category or None,
            typed=typed,
            errors={TEXT_INPUT: database_down_text()},
        )
    finally:
        _answer_risk(ctx, activity, risk)
    # Confirmed in the dialog itself: a thank-you message would be a lasting record of who wrote when.
    return build_feedback_received_dialog()


def _answer_risk(ctx: TeamsContext, activity: dict[str, Any], risk: RiskSignal | None) -> None:
    """Support resources in the person's chat, as Slack's safety net DMs them; no copy of the text."""
    if risk is not None:
        ctx.reply(activity, safety_text(risk.kind, ctx.services.settings))
