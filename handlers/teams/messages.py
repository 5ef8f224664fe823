"""Someone typed to the bot in their 1:1 chat: `pulse` commands, `help`, and anything else gets help.

Coordinators' subcommands (`pulse status|digest|send|close|cancel|actions`) and their taps on a round
question go to `coordinator.py`; the domain decides who may use them.

What they wrote is read only to pick a command or notice risk (the safety net); it is never stored,
logged or repeated. Their client's time zone is kept for their pulses' 10:00.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.i18n import use_language
from bot.privacy import detect_risk
from handlers.teams.admin import ADMIN_SUBCOMMANDS, handle_admin_command
from handlers.teams.cards.markup import written_date
from handlers.teams.context import TeamsContext
from handlers.teams.coordinator import COORDINATOR_SUBCOMMANDS, handle_command, handle_decision, is_decision
from handlers.teams.dialogs import handle_feedback_command
from handlers.teams.home import handle_home_command
from handlers.teams.ids import person_id
from handlers.teams.payloads import conversation_of, is_personal, reported_time_zone, sender_of
from handlers.teams.peer_log import handle_peer_log_command
from handlers.teams.replies import (
    help_text,
    opted_in_text,
    opted_out_text,
    safety_text,
    status_lines,
    supporter_usage_text,
    unknown_command_text,
    usage_text,
)

log = logging.getLogger(__name__)
# A mention of the bot (<at>PeerPulse</at>) is part of the text when someone addresses it by name.
_MENTION = re.compile(r"<at>[^<]*</at>")


def command_words(text: str) -> list[str]:
    """The typed words, lowercased, without a mention or a leading slash."""
    return _MENTION.sub(" ", text).strip().lstrip("/").lower().split()


async def handle_personal_message(ctx: TeamsContext, activity: dict[str, Any]) -> None:
    """Capture the sender's time zone and address, then act on the command or answer with help."""
    if not is_personal(activity):
        return
    user = sender_of(activity)
    if not user.startswith("29:"):
        return
    # Replies speak the language the person's Teams client is set to, where PeerPulse speaks it.
    use_language(activity.get("locale"), fallback=ctx.services.settings.default_language)
    # Written only when something changed (usually never after the install).
    await ctx.addresses.remember(
        user,
        conversation_id=conversation_of(activity),
        service_url=str(activity.get("serviceUrl") or "") or None,
        time_zone=reported_time_zone(activity),
    )
    text = activity.get("text")
    words = command_words(text) if isinstance(text, str) else []
    person = person_id(user)
    if is_decision(activity):
        handle_decision(ctx, activity, person)
        return
    if words[:1] == ["pulse"]:
        if words[1:2] and words[1] in ADMIN_SUBCOMMANDS:
            handle_admin_command(ctx, activity, person, words[1:])
            return
        if words[1:2] and words[1] in COORDINATOR_SUBCOMMANDS:
            handle_command(ctx, activity, person, words[1], words[2:])
            return
        ctx.reply(activity, await _pulse(ctx, person, words[1:]))
        return
    if words[:1] == ["peer-log"]:
        handle_peer_log_command(ctx, activity, person, words[1:])
        return
    if words == ["help"]:
        usage = usage_text(coordinator=await _is_coordinator(ctx, person))
        # Supporters also read what `peer-log` does (a roster read, cached by the domain).
        supporter = await ctx.services.roles.is_supporter(person)
        ctx.reply(activity, f"{usage}\n\n{supporter_usage_text()}" if supporter else usage)
        return
    if words == ["home"]:
        handle_home_command(ctx, activity, person)
        return
    if words == ["feedback"]:
        # A dialog opens only from a card's button, so the anonymous form comes one tap away.
        await handle_feedback_command(ctx, activity)
        return
    risk = detect_risk(text) if isinstance(text, str) else None
    if risk is not None:
        # Never held back by the quiet spell below: someone at risk gets support every time.
        ctx.reply(activity, safety_text(risk.kind, ctx.services.settings))
        return
    if ctx.help_replies.due(team_id=ctx.services.team_id, user_id=person):
        ctx.reply(activity, help_text(ctx.services.settings))


async def _is_coordinator(ctx: TeamsContext, person: str) -> bool:
    """Whether to show the coordinators' part of the help (a roster read, cached by the domain)."""
    return await ctx.services.roles.is_coordinator(person)


async def _pulse(ctx: TeamsContext, person: str, words: list[str]) -> str:
    services, team_id = ctx.services, ctx.services.team_id
    sub = words[0] if words else ""
    if sub in {"help", "?"}:
        return usage_text(coordinator=await _is_coordinator(ctx, person))
    if sub in {"optout", "opt-out"}:
        await services.surveys.set_opt_out(team_id=team_id, user_id=person, opted_out=True)
        return opted_out_text()
    if sub in {"optin", "opt-in"}:
        await services.surveys.set_opt_out(team_id=team_id, user_id=person, opted_out=False)
        return opted_in_text()
    if sub:
        # Every coordinators' subcommand is handled above: anything else is unknown, to everyone alike.
        return unknown_command_text(sub, coordinator=await _is_coordinator(ctx, person))
    current = await services.surveys.current_round(team_id=team_id)
    answered = current is not None and await services.surveys.has_answered(
        team_id=team_id, user_id=person, round_id=current.id
    )
    return status_lines(
        opted_out=await services.surveys.is_opted_out(team_id=team_id, user_id=person),
        open_until=written_date(current.closes_at, zone=services.settings.default_timezone)
        if current is not None
        else None,
        answered=answered,
        k=services.settings.min_group_size,
    )
