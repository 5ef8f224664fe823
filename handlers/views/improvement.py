"""Submitting the adopt / update / close modals; the channel hears what changed."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from bot.errors import InvalidInput, NotAllowed
from bot.measures import label_of
from bot.services import Services
from handlers.blocks.improvement import (
    DUE_BLOCK,
    INPUT,
    MEASURE_BLOCK,
    NOTE_BLOCK,
    OWNER_BLOCK,
    SUCCESS_BLOCK,
    TITLE_BLOCK,
)
from handlers.blocks.updates import build_closed_action_blocks
from handlers.replies import answers_privately

_FIELDS = {
    "title": TITLE_BLOCK,
    "owner": OWNER_BLOCK,
    "due": DUE_BLOCK,
    "measure": MEASURE_BLOCK,
    "success": SUCCESS_BLOCK,
    "note": NOTE_BLOCK,
}


def _values(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    raw = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    return {block: (fields.get(INPUT) or {}) for block, fields in raw.items() if isinstance(fields, dict)}


def _date(raw: Any) -> date | None:
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def _pct(value: float | None) -> str:
    return "not measurable" if value is None else f"{value:.0%}"


async def _errors(ack: Callable[..., Awaitable[None]], exc: InvalidInput) -> None:
    await ack(
        response_action="errors",
        errors={_FIELDS.get(k, NOTE_BLOCK): v for k, v in exc.fields.items()} or {NOTE_BLOCK: str(exc)},
    )


async def _coordinator_or_refuse(
    ack: Callable[..., Awaitable[None]], services: Services, user_id: str, block: str
) -> bool:
    """Check the live role; a refusal is shown inside the form so nothing typed is lost."""
    try:
        await services.roles.require_coordinator(user_id)
    except NotAllowed as exc:
        await ack(response_action="errors", errors={block: str(exc)})
        return False
    return True


@answers_privately
async def handle_action_adopt_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Adopt the action and tell the coordinators' channel."""
    services: Services = context["services"]
    user_id = body["user"]["id"]
    if not await _coordinator_or_refuse(ack, services, user_id, TITLE_BLOCK):
        return
    values = _values(body)
    try:
        meta = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
        practice = str(meta["p"])
    except (ValueError, KeyError, TypeError):
        await ack(
            response_action="errors",
            errors={TITLE_BLOCK: "This form is out of date; adopt again from the digest."},
        )
        return
    try:
        action = await services.actions.adopt(
            team_id=(body.get("team") or {}).get("id") or services.team_id,
            practice_id=practice,
            title=str(values.get(TITLE_BLOCK, {}).get("value") or ""),
            owner_id=str(values.get(OWNER_BLOCK, {}).get("selected_user") or ""),
            adopted_by=user_id,
            due_on=_date(values.get(DUE_BLOCK, {}).get("selected_date")),
            construct=str((values.get(MEASURE_BLOCK, {}).get("selected_option") or {}).get("value") or ""),
            success_measure=str(values.get(SUCCESS_BLOCK, {}).get("value") or ""),
        )
    except InvalidInput as exc:
        await _errors(ack, exc)
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
    values = _values(body)
    try:
        action = await services.actions.update(
            team_id=(body.get("team") or {}).get("id") or services.team_id,
            action_id=str((body.get("view") or {}).get("private_metadata") or ""),
            progress_note=str(values.get(NOTE_BLOCK, {}).get("value") or ""),
            due_on=_date(values.get(DUE_BLOCK, {}).get("selected_date")),
        )
    except InvalidInput as exc:
        await _errors(ack, exc)
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
    values = _values(body)
    try:
        action = await services.actions.close(
            team_id=(body.get("team") or {}).get("id") or services.team_id,
            action_id=str((body.get("view") or {}).get("private_metadata") or ""),
            outcome_note=str(values.get(NOTE_BLOCK, {}).get("value") or ""),
        )
    except InvalidInput as exc:
        await _errors(ack, exc)
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
