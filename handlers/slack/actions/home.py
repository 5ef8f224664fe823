"""App Home buttons: a supporter's "Log a session" and "Record a training" open the same modals as
`/peer-log` and `/peer-log training`; "Open my pulse" is a link, only acknowledged here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.services import Services
from handlers.slack.blocks.peer_log import build_session_modal, build_training_modal
from handlers.slack.open_view import open_view
from handlers.slack.replies import answers_privately


async def handle_home_open_pulse_action(ack: Callable[..., Awaitable[None]]) -> None:
    """Slack opens the link itself; it still sends the click, which only needs an answer."""
    await ack()


@answers_privately
async def handle_home_log_session_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the log-a-session modal, as `/peer-log` does."""
    await ack()
    await _open_supporter_modal(body, client, context, training=False)


@answers_privately
async def handle_home_log_training_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the record-a-training modal, as `/peer-log training` does."""
    await ack()
    await _open_supporter_modal(body, client, context, training=True)


async def _open_supporter_modal(
    body: dict[str, Any], client: Any, context: dict[str, Any], *, training: bool
) -> None:
    services: Services = context["services"]
    user_id = body["user"]["id"]
    # Refused before the modal opens, so nobody fills in a form they can't submit; saving checks again.
    await services.roles.require_supporter(user_id)
    # The trigger id lives 3 s: open the modal before anything slow, with today from the cache.
    today = services.support.cached_today(user_id)
    taxonomy = services.support.taxonomy
    view = (
        build_training_modal(taxonomy=taxonomy, today=today)
        if training
        else build_session_modal(taxonomy=taxonomy, today=today)
    )
    await open_view(client, trigger_id=body["trigger_id"], view=view)
    if not training:
        # Fetch the directory while the supporter types, so the name check at submission is quick.
        services.spawn(services.support.warm_directory())
