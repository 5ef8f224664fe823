"""Submitting the update draft (checked, then previewed) and the preview (published, then confirmed)."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from bot.errors import InvalidInput
from bot.services import Services
from bot.updates import DESTINATION, TEXT
from handlers.slack.blocks.updates import (
    INPUT,
    build_update_draft_modal,
    build_update_preview_modal,
)
from handlers.slack.payloads import team_of
from handlers.slack.replies import answers_privately
from handlers.slack.views.forms import REFUSED, SubmittedView, submit_form


@answers_privately
async def handle_update_draft_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Check the draft: refusals go back next to the text, a clean draft becomes the preview."""
    services: Services = context["services"]
    view = SubmittedView(body, action_id=INPUT)
    text = (view.text(TEXT) or "").strip()
    destination = view.option(DESTINATION) or ""
    action_id = view.metadata_fields().get("a", "")

    async def check() -> None:
        await services.updates.validate(
            team_id=team_of(body, services),
            action_id=action_id,
            text=text,
            destination=destination,
            by=body["user"]["id"],
        )

    if await submit_form(ack, check, fallback_block=TEXT) is REFUSED:
        return
    await ack(
        response_action="update",
        view=build_update_preview_modal(
            action_id=action_id,
            text=text,
            destination=destination,
            audience_channel=services.settings.pulse_audience_channel,
            # Named now so a preview submitted twice publishes once.
            update_id=secrets.token_hex(16),
        ),
    )


@answers_privately
async def handle_update_preview_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Share the previewed update (checked once more); the domain tells the coordinators' channel."""
    services: Services = context["services"]
    user_id = body["user"]["id"]
    meta = SubmittedView(body, action_id=INPUT).metadata_fields()
    team_id = team_of(body, services)
    action_id, text, destination = meta.get("a") or None, meta.get("t", ""), meta.get("d", "")
    # Comments may have arrived since the preview, and the metadata came back from the client.
    try:
        await services.updates.validate(
            team_id=team_id, action_id=action_id, text=text, destination=destination, by=user_id
        )
    except InvalidInput as exc:
        if action_id is None:
            raise
        # The preview has no field to hang errors on: back to the draft, saying why.
        closed = await services.actions.get(team_id=team_id, action_id=action_id, by=user_id)
        await ack(
            response_action="update",
            view=build_update_draft_modal(
                action=closed,
                draft=text,
                audience_channel=services.settings.pulse_audience_channel,
                k=services.settings.min_group_size,
                notice=" ".join(exc.fields.values()) or str(exc),
            ),
        )
        return
    await ack()
    # The domain publishes, confirms a channel post and tells the coordinators' channel how it went.
    await services.updates.share(
        team_id=team_id,
        action_id=action_id,
        text=text,
        destination=destination,
        by=user_id,
        update_id=meta.get("u") or None,
    )
