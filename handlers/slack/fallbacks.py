"""Catch-alls registered last: an unknown button or form gets an ack and a clear word, not an error."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.i18n import N_, _
from handlers.slack.replies import tell_user

log = logging.getLogger(__name__)
OUTDATED = N_(
    "That button or form belongs to an older version of this message; nothing was changed. Please use the latest one."
)


async def handle_unknown_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any
) -> None:
    """Ack an action no listener knows and say so privately."""
    await ack()
    actions = body.get("actions") or [{}]
    log.info(
        "unknown action %r", str(actions[0].get("action_id"))[:80] if isinstance(actions[0], dict) else None
    )
    await tell_user(client, body, _(OUTDATED))


async def handle_unknown_view(ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any) -> None:
    """Close a form no listener knows and say so privately."""
    await ack()
    log.info("unknown view %r", str((body.get("view") or {}).get("callback_id"))[:80])
    await tell_user(client, body, _(OUTDATED))


def register(app: AsyncApp) -> None:
    """Attach the catch-alls; call after every other register()."""
    app.action(re.compile(".*"))(handle_unknown_action)
    app.view(re.compile(".*"))(handle_unknown_view)
