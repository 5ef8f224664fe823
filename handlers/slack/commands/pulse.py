"""`/pulse`: an employee's own status and opt-out; coordinators' admin subcommands."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from bot.i18n import _
from bot.services import Services
from handlers.shared.pulse_words import COORDINATOR_USAGE, EMPLOYEE_USAGE
from handlers.slack.actions.policies import register_message
from handlers.slack.blocks.admin import build_questions_text, build_schedule_text, build_status_text
from handlers.slack.blocks.digest import build_actions_page_blocks
from handlers.slack.blocks.pulse import slack_date
from handlers.slack.blocks.rounds import (
    build_cancel_prompt,
    build_close_confirmation,
    build_send_confirmation,
)
from handlers.slack.blocks.supporters import build_supporters_text
from handlers.slack.replies import replies_to_command, user_message_for

log = logging.getLogger(__name__)

# Everything, as coordinators see it; employees are shown only their own part (not advertised to them).
USAGE = f"{EMPLOYEE_USAGE}\n{COORDINATOR_USAGE}"

ADMIN_SUBCOMMANDS = {
    "send",
    "cancel",
    "close",
    "status",
    "schedule",
    "questions",
    "supporters",
    "digest",
    "actions",
    "policies",
}


@replies_to_command
async def handle_pulse_command(
    ack: Callable[..., Awaitable[None]],
    command: dict[str, Any],
    respond: Callable[..., Awaitable[Any]],
    context: dict[str, Any],
) -> str | dict[str, Any] | None:
    """Dispatch `/pulse [subcommand]`."""
    services: Services = context["services"]
    words = (command.get("text") or "").split()
    sub = words[0].lower() if words else ""
    user_id = command["user_id"]
    team_id = command.get("team_id") or services.team_id
    if sub in {"help", "?"}:
        return await _usage_for(services, user_id)
    if sub == "":
        return await _own_status(services, team_id=team_id, user_id=user_id)
    if sub in {"optout", "opt-out"}:
        await services.surveys.set_opt_out(team_id=team_id, user_id=user_id, opted_out=True)
        return _(
            "You're opted out: no more pulse DMs. Nothing you answered before is affected. `/pulse optin` to come back."
        )
    if sub in {"optin", "opt-in"}:
        await services.surveys.set_opt_out(team_id=team_id, user_id=user_id, opted_out=False)
        return _("Welcome back — you'll get the next pulse in your DMs.")
    if sub not in ADMIN_SUBCOMMANDS:
        unknown = _("I don't know `/pulse {sub}`.").format(sub=sub)
        return f"{unknown}\n\n{await _usage_for(services, user_id)}"
    # The domain decides every subcommand's role; these two are also refused here, at once,
    # rather than after the "working on it" acknowledgement.
    if sub in {"send", "digest"}:
        await services.roles.require_coordinator(user_id)
    if sub == "send":
        await ack(text=_("Working out who would get it… I'll ask you to confirm here in a moment."))
        # The audience lookup can take longer than Slack's 3-second ack window.
        services.spawn(_preview_send(services, team_id=team_id, user_id=user_id, respond=respond))
        return None
    if sub == "cancel":
        return build_cancel_prompt(await services.surveys.close_check(team_id=team_id, by=user_id))
    if sub == "close":
        return build_close_confirmation(await services.surveys.close_check(team_id=team_id, by=user_id))
    if sub == "status":
        status = await services.surveys.latest_status(team_id=team_id, by=user_id)
        if status is None:
            return _("No pulse round has been opened yet. `/pulse send` opens one now.")
        return build_status_text(
            status, k=services.settings.min_group_size, zone=services.settings.default_timezone
        )
    if sub == "schedule":
        return build_schedule_text(await services.surveys.schedules(by=user_id))
    if sub == "digest":
        await ack(text=_("Building the digest… it will appear in the coordinators' channel in a moment."))
        services.spawn(_digest_now(services, team_id=team_id, user_id=user_id, respond=respond))
        return None
    if sub == "actions":
        listed: Literal["open", "closed"] = (
            "closed" if words[1:2] and words[1].lower() == "closed" else "open"
        )
        page = await services.actions.page(team_id=team_id, by=user_id, status=listed)
        return {
            "text": _("Open improvement actions") if listed == "open" else _("Closed improvement actions"),
            "blocks": build_actions_page_blocks(page, today=services.clock.now().date()),
        }
    if sub == "policies":
        view = "retired" if words[1:2] and words[1].lower() == "retired" else "active"
        return await register_message(services, team_id=team_id, user_id=user_id, view=view)
    if sub == "supporters":
        overview = await services.support.supporters_overview(team_id=team_id, by=user_id)
        return build_supporters_text(overview)
    return build_questions_text(await services.surveys.question_bank(by=user_id))


async def _usage_for(services: Services, user_id: str) -> str:
    """The help a person may use: coordinators' subcommands only for coordinators."""
    employee = _(EMPLOYEE_USAGE)
    return f"{employee}\n{_(COORDINATOR_USAGE)}" if await services.roles.is_coordinator(user_id) else employee


async def _digest_now(
    services: Services, *, team_id: str, user_id: str, respond: Callable[..., Awaitable[Any]]
) -> None:
    try:
        await services.digests.post(
            team_id=team_id, key=f"manual:{services.clock.now().isoformat()}", by=user_id
        )
    except Exception as exc:
        # Not re-raised: this runs after the ack, so the reply below is the user's only answer.
        log.exception("/pulse digest failed")
        await respond(text=user_message_for(exc), response_type="ephemeral", replace_original=False)


async def _preview_send(
    services: Services, *, team_id: str, user_id: str, respond: Callable[..., Awaitable[Any]]
) -> None:
    try:
        preview = await services.surveys.preview_round(team_id=team_id, by=user_id)
    except Exception as exc:
        # Not re-raised: this runs after the ack, so the reply below is the user's only answer.
        log.warning("/pulse send failed: %s", type(exc).__name__)
        await respond(text=user_message_for(exc), response_type="ephemeral", replace_original=False)
        return
    # Nothing is opened until "Send it" (handlers/slack/actions/rounds.py).
    await respond(**build_send_confirmation(preview), response_type="ephemeral", replace_original=False)


async def _own_status(services: Services, *, team_id: str, user_id: str) -> str:
    opted_out = await services.surveys.is_opted_out(team_id=team_id, user_id=user_id)
    current = await services.surveys.current_round(team_id=team_id)
    lines = []
    if opted_out:
        lines.append(_("You're *opted out* of pulse surveys. `/pulse optin` to take part again."))
    else:
        lines.append(_("You get pulse surveys in your DMs. `/pulse optout` to stop."))
    if current is None:
        lines.append(_("No pulse is open right now."))
    elif await services.surveys.has_answered(team_id=team_id, user_id=user_id, round_id=current.id):
        closes = slack_date(current.closes_at, zone=services.settings.default_timezone)
        lines.append(
            _("You've answered this week's pulse — thank you. You can change answers until {closes}.").format(
                closes=closes
            )
        )
    else:
        closes = slack_date(current.closes_at, zone=services.settings.default_timezone)
        lines.append(_("This week's pulse is open until {closes} — it's in your DMs.").format(closes=closes))
    lines.append(
        _(
            "_Your answers are stored without your name; results are only shown for groups of {k} or more._"
        ).format(k=services.settings.min_group_size)
    )
    return "\n".join(lines)
