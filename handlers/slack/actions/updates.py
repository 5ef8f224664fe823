"""The "Share a ‘you said, we did’ update" button on a closed action: opens the draft modal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.services import Services
from handlers.slack.blocks.updates import build_update_draft_modal
from handlers.slack.open_view import open_view
from handlers.slack.payloads import team_of
from handlers.slack.replies import answers_privately


@answers_privately
async def handle_update_share_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the editable draft for a closed action. Coordinators only."""
    await ack()
    services: Services = context["services"]
    action_id = str((body.get("actions") or [{}])[0].get("value") or "")
    draft = await services.updates.draft(
        team_id=team_of(body, services), action_id=action_id, by=body["user"]["id"]
    )
    await open_view(
        client,
        trigger_id=body["trigger_id"],
        view=build_update_draft_modal(
            action=draft.action,
            draft=draft.text,
            audience_channel=services.settings.pulse_audience_channel,
            k=services.settings.min_group_size,
        ),
    )
