"""`/peer-log`: supporters log a session or a training, or list their own latest sessions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.i18n import _
from bot.services import Services
from handlers.shared.peer_log_words import USAGE
from handlers.slack.blocks.peer_log import (
    build_session_list_message,
    build_session_modal,
    build_training_modal,
)
from handlers.slack.open_view import open_view
from handlers.slack.replies import replies_to_command


@replies_to_command
async def handle_peer_log_command(
    ack: Callable[..., Awaitable[None]],
    command: dict[str, Any],
    client: Any,
    context: dict[str, Any],
) -> str | dict[str, Any] | None:
    """Dispatch `/peer-log [list | training | help]`."""
    services: Services = context["services"]
    words = (command.get("text") or "").split()
    sub = words[0].lower() if words else ""
    user_id = command["user_id"]
    if sub not in {"", "list", "training"}:
        usage = _(USAGE)
        return (
            usage
            if sub in {"help", "?"}
            else _("I don't know `/peer-log {sub}`.").format(sub=sub) + f"\n\n{usage}"
        )
    # Checked live (cached for at most a minute), so it is quick enough to precede views.open.
    await services.roles.require_supporter(user_id)
    if sub == "list":
        sessions = await services.support.recent_sessions(supporter_id=user_id)
        return build_session_list_message(sessions, taxonomy=services.support.taxonomy)
    # The trigger id lives 3 s: open the modal before anything slow, with today from the cache.
    today = services.support.cached_today(user_id)
    if sub == "training":
        view = build_training_modal(taxonomy=services.support.taxonomy, today=today)
    else:
        view = build_session_modal(taxonomy=services.support.taxonomy, today=today)
    await open_view(client, trigger_id=command["trigger_id"], view=view)
    await ack()
    # Fetch the directory while the supporter types, so the name check at submission is quick.
    services.spawn(services.support.warm_directory())
    return None
