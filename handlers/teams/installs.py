"""The app added to or removed from a person's personal scope: remember or forget their 1:1 chat.

Teams sends an installationUpdate and a conversationUpdate (the bot among membersAdded /
membersRemoved) for the same install; either is enough, and the second changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from handlers.teams.context import TeamsContext
from handlers.teams.payloads import conversation_of, is_personal, sender_of

log = logging.getLogger(__name__)


async def handle_installation_update(ctx: TeamsContext, activity: dict[str, Any]) -> None:
    """`add` (or `add-upgrade`): remember the chat and its regional connector; `remove`: forget it."""
    if not is_personal(activity):
        return
    action = str(activity.get("action") or "")
    if action.startswith("add"):
        await _remember(ctx, activity)
    elif action.startswith("remove"):
        await ctx.addresses.forget(sender_of(activity))


async def handle_conversation_update(ctx: TeamsContext, activity: dict[str, Any]) -> None:
    """The bot joined or left a person's 1:1 chat."""
    if not is_personal(activity):
        return
    bot = str((activity.get("recipient") or {}).get("id") or "")
    added = {str(m.get("id")) for m in activity.get("membersAdded") or [] if isinstance(m, dict)}
    removed = {str(m.get("id")) for m in activity.get("membersRemoved") or [] if isinstance(m, dict)}
    if bot and bot in added:
        await _remember(ctx, activity)
    elif bot and bot in removed:
        await ctx.addresses.forget(sender_of(activity))


async def _remember(ctx: TeamsContext, activity: dict[str, Any]) -> None:
    user, conversation = sender_of(activity), conversation_of(activity)
    if not user.startswith("29:") or not conversation:
        log.warning("an install activity without a person or a conversation was ignored")
        return
    await ctx.addresses.remember(
        user, conversation_id=conversation, service_url=str(activity.get("serviceUrl") or "") or None
    )
