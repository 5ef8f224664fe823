"""Submitting the adopt / update / close modals; the channel hears what changed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from bot.errors import InvalidInput, NotAllowed
from bot.measures import label_of
from bot.services import Services
from handlers.slack.blocks.improvement import (
    DUE_BLOCK,
    INPUT,
    MEASURE_BLOCK,
    NOTE_BLOCK,
    OWNER_BLOCK,
    SUCCESS_BLOCK,
    TITLE_BLOCK,
)
from handlers.slack.blocks.updates import build_closed_action_blocks
from handlers.slack.payloads import team_of
from handlers.slack.replies import answers_privately
from handlers.slack.views.forms import REFUSED, Refused, SubmittedView, show_errors, submit_form
from storage.digest_models import ImprovementAction

_FIELDS = {
    "title": TITLE_BLOCK,
    "owner": OWNER_BLOCK,
    "due": DUE_BLOCK,
    "measure": MEASURE_BLOCK,
    "success": SUCCESS_BLOCK,
    "note": NOTE_BLOCK,
}


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _pct(value: float | None) -> str:
    return "not measurable" if value is None else f"{value:.0%}"


async def _save(
    ack: Callable[..., Awaitable[None]], work: Callable[[], Awaitable[ImprovementAction]]
) -> ImprovementAction | Refused:
    """Field errors go next to their field; any other failure is answered privately."""
    return await submit_form(
        ack, work, fallback_block=NOTE_BLOCK, field_blocks=_FIELDS, catching=(InvalidInput,)
    )


async def _coordinator_or_refuse(
    ack: Callable[..., Awaitable[None]], services: Services, user_id: str, block: str
) -> bool:
    """Check the live role; a refusal is shown inside the form so nothing typed is lost."""
    checked = await submit_form(
        ack,
        lambda: services.roles.require_coordinator(user_id),
        fallback_block=block,
        catching=(NotAllowed,),
    )
    return checked is not REFUSED


@answers_privately
async def handle_action_adopt_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Adopt the action and tell the coordinators' channel."""
    services: Services = context["services"]
    user_id = body["user"]["id"]
    if not await _coordinator_or_refuse(ack, services, user_id, TITLE_BLOCK):
        return
    view = SubmittedView(body, action_id=INPUT)
    practice = view.metadata_fields().get("p")
    if practice is None:
        await show_errors(ack, {TITLE_BLOCK: "This form is out of date; adopt again from the digest."})
        return
    action = await _save(
        ack,
        lambda: services.actions.adopt(
            team_id=team_of(body, services),
            practice_id=practice,
            title=view.text(TITLE_BLOCK) or "",
            owner_id=view.user(OWNER_BLOCK) or "",
            adopted_by=user_id,
            due_on=_date(view.date(DUE_BLOCK)),
            construct=view.option(MEASURE_BLOCK) or "",
            success_measure=view.text(SUCCESS_BLOCK) or "",
        ),
    )
    if action is REFUSED:
        return
    await ack()
    await client.chat_postMessage(
        channel=services.settings.coordinator_channel,
        text=(
            f":seedling: <@{user_id}> adopted *{action.title}* — owner <@{action.owner_id}>, due {action.due_on:%d %b %Y}. "
            f"Measured by {label_of(action.construct_id)}: baseline {_pct(action.before_value)}."
        ),
    )


@answers_privately
async def handle_action_update_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Save progress on an action."""
    services: Services = context["services"]
    if not await _coordinator_or_refuse(ack, services, body["user"]["id"], NOTE_BLOCK):
        return
    view = SubmittedView(body, action_id=INPUT)
    team_id, action_id, note = team_of(body, services), view.metadata, view.text(NOTE_BLOCK) or ""
    due_on = _date(view.date(DUE_BLOCK))
    action = await _save(
        ack,
        lambda: services.actions.update(
            team_id=team_id, action_id=action_id, progress_note=note, due_on=due_on
        ),
    )
    if action is REFUSED:
        return
    await ack()
    await client.chat_postMessage(
        channel=services.settings.coordinator_channel,
        text=f":memo: Update on *{action.title}* (due {action.due_on:%d %b}): {action.progress_note or 'no note'}",
    )


@answers_privately
async def handle_action_close_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Close an action and report its before and after."""
    services: Services = context["services"]
    if not await _coordinator_or_refuse(ack, services, body["user"]["id"], NOTE_BLOCK):
        return
    view = SubmittedView(body, action_id=INPUT)
    team_id, action_id, note = team_of(body, services), view.metadata, view.text(NOTE_BLOCK) or ""
    action = await _save(
        ack, lambda: services.actions.close(team_id=team_id, action_id=action_id, outcome_note=note)
    )
    if action is REFUSED:
        return
    await ack()
    text = (
        f":checkered_flag: Closed *{action.title}*. {label_of(action.construct_id)}: "
        f"before {_pct(action.before_value)} → after {_pct(action.after_value)}."
        + (f" {action.outcome_note}" if action.outcome_note else "")
    )
    # The button offers to tell employees what was done ("you said, we did").
    await client.chat_postMessage(
        channel=services.settings.coordinator_channel,
        text=text,
        blocks=build_closed_action_blocks(text, action_id=action.id),
    )
