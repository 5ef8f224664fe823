"""Digest buttons: adopt a suggestion, update or close an action. Coordinators only; modals first."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from bot.errors import InvalidInput
from bot.measures import numeric_constructs
from bot.services import Services
from handlers.slack.blocks.improvement import build_adopt_modal, build_close_modal, build_update_modal
from handlers.slack.open_view import open_view
from handlers.slack.payloads import team_of
from handlers.slack.replies import answers_privately
from storage.digest_models import ImprovementAction


@answers_privately
async def handle_digest_adopt_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the adopt modal, prefilled from the suggestion."""
    await ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    # Refused before the modal opens, so nobody fills in a form they can't submit; adopt checks again.
    await services.roles.require_coordinator(user_id)
    try:
        value = json.loads(body["actions"][0]["value"])
        practice, construct, title = str(value["p"]), str(value["c"]), str(value.get("t", ""))
    except (ValueError, KeyError, IndexError, TypeError):
        raise InvalidInput("That button isn't one of PeerPulse's.") from None
    await open_view(
        client,
        trigger_id=body["trigger_id"],
        view=build_adopt_modal(
            private_metadata=json.dumps({"p": practice}, separators=(",", ":")),
            title=title,
            owner_id=user_id,
            due_on=services.clock.now().date() + timedelta(days=30),
            construct=construct,
            constructs=numeric_constructs(services.surveys.bank),
        ),
    )


async def _action_for(body: dict[str, Any], services: Services) -> ImprovementAction:
    action_id = str((body.get("actions") or [{}])[0].get("value") or "")
    team_id = team_of(body, services)
    return await services.actions.get(team_id=team_id, action_id=action_id, by=body["user"]["id"])


@answers_privately
async def handle_action_update_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the update modal for an action."""
    await ack()
    services: Services = context["services"]
    action = await _action_for(body, services)
    await open_view(
        client,
        trigger_id=body["trigger_id"],
        view=build_update_modal(action_id=action.id, title=action.title, due_on=action.due_on),
    )


@answers_privately
async def handle_action_close_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the close modal for an action."""
    await ack()
    services: Services = context["services"]
    action = await _action_for(body, services)
    await open_view(
        client, trigger_id=body["trigger_id"], view=build_close_modal(action_id=action.id, title=action.title)
    )
