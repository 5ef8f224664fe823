"""Submitting the adopt / update / close modals; the domain tells the channel what changed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from bot.errors import InvalidInput, NotAllowed
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
from handlers.slack.payloads import team_of
from handlers.slack.replies import answers_privately
from handlers.slack.views.forms import REFUSED, Refused, SubmittedView, submit_form
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


async def _save(
    ack: Callable[..., Awaitable[None]],
    work: Callable[[], Awaitable[ImprovementAction]],
    *,
    fallback_block: str = NOTE_BLOCK,
) -> ImprovementAction | Refused:
    """Field errors and role refusals stay in the form (nothing typed is lost); others are answered privately."""
    return await submit_form(
        ack,
        work,
        fallback_block=fallback_block,
        field_blocks=_FIELDS,
        catching=(InvalidInput, NotAllowed),
    )


@answers_privately
async def handle_action_adopt_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Adopt the action and tell the coordinators' channel."""
    services: Services = context["services"]
    user_id = body["user"]["id"]
    view = SubmittedView(body, action_id=INPUT)
    action = await _save(
        ack,
        lambda: services.actions.adopt(
            team_id=team_of(body, services),
            # Empty when the form lost its suggestion: the domain says the form is out of date.
            practice_id=view.metadata_fields().get("p") or "",
            title=view.text(TITLE_BLOCK) or "",
            owner_id=view.user(OWNER_BLOCK) or "",
            by=user_id,
            due_on=_date(view.date(DUE_BLOCK)),
            construct=view.option(MEASURE_BLOCK) or "",
            success_measure=view.text(SUCCESS_BLOCK) or "",
        ),
        fallback_block=TITLE_BLOCK,
    )
    if action is REFUSED:
        return
    await ack()  # the domain queued the channel's note with the action


@answers_privately
async def handle_action_update_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Save progress on an action."""
    services: Services = context["services"]
    view = SubmittedView(body, action_id=INPUT)
    team_id, action_id, note = team_of(body, services), view.metadata, view.text(NOTE_BLOCK) or ""
    due_on = _date(view.date(DUE_BLOCK))
    action = await _save(
        ack,
        lambda: services.actions.update(
            team_id=team_id, action_id=action_id, progress_note=note, due_on=due_on, by=body["user"]["id"]
        ),
    )
    if action is REFUSED:
        return
    await ack()  # the domain queued the channel's note with the change


@answers_privately
async def handle_action_close_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Close an action and report its before and after."""
    services: Services = context["services"]
    view = SubmittedView(body, action_id=INPUT)
    team_id, action_id, note = team_of(body, services), view.metadata, view.text(NOTE_BLOCK) or ""
    action = await _save(
        ack,
        lambda: services.actions.close(
            team_id=team_id, action_id=action_id, outcome_note=note, by=body["user"]["id"]
        ),
    )
    if action is REFUSED:
        return
    await ack()  # the domain queued the channel's note, with its "you said, we did" button
