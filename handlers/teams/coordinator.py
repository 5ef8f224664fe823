"""Coordinators' typed commands in their chat with the bot: `pulse status|digest|send|close|cancel|actions`.

Each goes through the same domain call as Slack's `/pulse` subcommand, and the domain decides the
role: anyone else gets the domain's refusal, word for word as on Slack. Sending, closing and
cancelling ask first with a card; its Action.Submit buttons come back as a message activity whose
`value` says the decision (handle_decision), and only then does anything change.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.i18n import _
from bot.services import Services
from handlers.teams.cards.card import attachment
from handlers.teams.cards.markup import to_markdown, written_date
from handlers.teams.cards.rounds import (
    CANCEL,
    CLOSE,
    KEEP_OPEN,
    NOT_NOW,
    ROUND_KEY,
    SEND,
    build_cancel_prompt,
    build_close_confirmation,
    build_send_confirmation,
    cancelled_text,
    closed_early_text,
    kept_open_text,
    not_sent_text,
    round_opened_text,
    status_text,
)
from handlers.teams.context import TeamsContext
from handlers.teams.improvement import actions_card
from handlers.teams.replies import user_message_for

log = logging.getLogger(__name__)

COORDINATOR_SUBCOMMANDS = frozenset({"status", "digest", "send", "close", "cancel", "actions"})
Reply = str | dict[str, Any]


def is_decision(activity: dict[str, Any]) -> bool:
    """A tap on one of the round questions' buttons (Teams sends Action.Submit data as `value`)."""
    value = activity.get("value")
    return isinstance(value, dict) and isinstance(value.get(ROUND_KEY), str)


def handle_command(
    ctx: TeamsContext, activity: dict[str, Any], person: str, sub: str, args: Sequence[str] = ()
) -> None:
    """Run a coordinator's subcommand (`args`: the words after it) after the HTTP answer; reply with its text or card."""
    commands: dict[str, Callable[[Services, str], Awaitable[Reply]]] = {
        "status": _status,
        "digest": _digest,
        "send": _send_question,
        "close": _close_question,
        "cancel": _cancel_question,
        "actions": lambda services, person: actions_card(services, person, list(args)),
    }
    work = commands[sub]
    ctx.services.spawn(_answer(ctx, activity, lambda: work(ctx.services, person), what=f"pulse {sub}"))


def handle_decision(ctx: TeamsContext, activity: dict[str, Any], person: str) -> None:
    """A coordinator's answer to a round question: do what the tapped button says."""
    value = activity["value"]
    decision, target = str(value.get(ROUND_KEY)), str(value.get("value") or "")
    ctx.services.spawn(
        _answer(
            ctx,
            activity,
            lambda: _decide(ctx.services, person, decision, target),
            what="a round decision",
            # The question becomes its outcome, as Slack replaces it, so it cannot be tapped again.
            replacing=str(activity.get("replyToId") or "") or None,
        )
    )


async def _decide(services: Services, person: str, decision: str, target: str) -> Reply:
    team_id = services.team_id
    if decision == SEND:
        sent = await services.surveys.send_now(team_id=team_id, by=person, token=target)
        round_ = sent.round
        return round_opened_text(
            sent.opened,
            invited=round_.invited,
            questions=len(round_.question_ids),
            closes=written_date(round_.closes_at, zone=services.settings.default_timezone),
        )
    if decision == CLOSE:
        return closed_early_text(
            closed=await services.surveys.close_now(team_id=team_id, round_id=target, by=person)
        )
    if decision == CANCEL:
        return cancelled_text(
            await services.surveys.cancel_round(team_id=team_id, round_id=target, by=person)
        )
    # "Not now" and "Keep it open" change nothing, for anyone: no role is needed to decline.
    return not_sent_text() if decision == NOT_NOW else kept_open_text() if decision == KEEP_OPEN else ""


async def _status(services: Services, person: str) -> Reply:
    status = await services.surveys.latest_status(team_id=services.team_id, by=person)
    if status is None:
        return _("No pulse round has been opened yet. `/pulse send` opens one now.")
    return status_text(status, k=services.settings.min_group_size, zone=services.settings.default_timezone)


async def _digest(services: Services, person: str) -> Reply:
    # The domain checks the role again; asked first here so a refusal comes before any promise.
    await services.roles.require_coordinator(person)
    key = f"manual:{services.clock.now().isoformat()}"
    await services.digests.post(team_id=services.team_id, key=key, by=person)
    return _("Building the digest… it will appear in the coordinators' channel in a moment.")


async def _send_question(services: Services, person: str) -> Reply:
    return build_send_confirmation(await services.surveys.preview_round(team_id=services.team_id, by=person))


async def _close_question(services: Services, person: str) -> Reply:
    return build_close_confirmation(await services.surveys.close_check(team_id=services.team_id, by=person))


async def _cancel_question(services: Services, person: str) -> Reply:
    return build_cancel_prompt(await services.surveys.close_check(team_id=services.team_id, by=person))


async def _answer(
    ctx: TeamsContext,
    activity: dict[str, Any],
    work: Callable[[], Awaitable[Reply]],
    *,
    what: str,
    replacing: str | None = None,
) -> None:
    try:
        reply = await work()
    except Exception as exc:
        # Logged without who or what they typed: only which command failed and how.
        log.warning("%s failed: %s", what, type(exc).__name__)
        reply = user_message_for(exc)
    if not reply:
        return
    if isinstance(reply, str):
        # Teams renders markdown in a message's text: the catalogue's Slack marks, translated.
        message = {"type": "message", "text": to_markdown(reply)}
        if replacing is None or not await _replace(ctx, activity, replacing, message):
            await _post(ctx, activity, message)
        return
    await _post(
        ctx,
        activity,
        {"type": "message", "text": str(reply.get("fallbackText", "")), "attachments": [attachment(reply)]},
    )


async def _replace(ctx: TeamsContext, activity: dict[str, Any], ref: str, message: dict[str, Any]) -> bool:
    """Rewrite the tapped card in place; False if Teams would not (the outcome is then sent anew)."""
    return await ctx.rewrite(
        activity, ref, message, failure="a round question in Teams could not be rewritten"
    )


async def _post(ctx: TeamsContext, activity: dict[str, Any], message: dict[str, Any]) -> None:
    await ctx.post(activity, message, failure="a coordinator's reply in Teams could not be sent")
