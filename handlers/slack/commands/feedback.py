"""`/feedback`: open the anonymous feedback modal at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.services import Services
from handlers.slack.blocks.feedback import build_feedback_modal
from handlers.slack.blocks.help import build_support_line
from handlers.slack.replies import replies_to_command
from handlers.slack.warmup import warm_member_names


@replies_to_command
async def handle_feedback_command(
    ack: Callable[..., Awaitable[None]], command: dict[str, Any], client: Any, context: dict[str, Any]
) -> str | None:
    """Anyone may leave feedback; the modal opens first, within the trigger's 3 seconds."""
    services: Services = context["services"]
    view = build_feedback_modal(support_line=build_support_line(services.settings))
    await client.views_open(trigger_id=command["trigger_id"], view=view)
    await ack()
    # Fetch and index the directory while the person types, so scrubbing names at submission is quick.
    services.spawn(warm_member_names(services))
    return None
