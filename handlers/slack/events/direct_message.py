"""Someone wrote to the bot in its Messages tab: a kind, helpful answer, never silence.

What they wrote is read only to notice risk (the safety net) and is never stored, logged or repeated.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from bot.help import HelpReplies
from bot.services import Services
from handlers.slack.blocks.help import build_help_message
from handlers.slack.views.safety_net import risk_in, send_safety_reply

# Keyed by event loop, like the app itself (tests build one app per loop).
_REPLIES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, HelpReplies] = weakref.WeakKeyDictionary()


def _help_replies(services: Services) -> HelpReplies:
    loop = asyncio.get_running_loop()
    found = _REPLIES.get(loop)
    if found is None:
        found = _REPLIES[loop] = HelpReplies(services.clock)
    return found


def _from_a_person(event: dict[str, Any], context: dict[str, Any]) -> bool:
    """A new message a person typed in a DM with the bot (not an edit, a deletion, or a bot's post)."""
    if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
        return False
    user = event.get("user")
    return bool(user) and user != context.get("bot_user_id")


async def handle_direct_message_event(event: dict[str, Any], client: Any, context: dict[str, Any]) -> None:
    """Answer with what PeerPulse does and where help is; support at once if the words signal risk."""
    if not _from_a_person(event, context):
        return
    services: Services = context["services"]
    user_id = str(event["user"])
    risk = risk_in(event.get("text"))
    if risk is not None:
        # Never held back by the quiet spell below: someone at risk gets support every time.
        await send_safety_reply(client, user_id=user_id, risk=risk, settings=services.settings)
        return
    team_id = context.get("team_id") or services.team_id
    if not _help_replies(services).due(team_id=team_id, user_id=user_id):
        return
    await client.chat_postMessage(channel=event["channel"], **build_help_message(services.settings))
