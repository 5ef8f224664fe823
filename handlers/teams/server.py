"""`POST /api/messages`: the one endpoint the Bot Connector calls, behind the JWT guard.

Anything not signed by the Bot Connector for this app and serviceUrl gets 401 before any handler
runs. Activities from another tenant are ignored: one process serves one organisation.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web

from handlers.teams.auth import BotConnectorAuth
from handlers.teams.cards.card import EncodedJSON
from handlers.teams.context import TeamsContext
from handlers.teams.dialogs import handle_task_fetch, handle_task_submit
from handlers.teams.inbound import verified_activity
from handlers.teams.installs import handle_conversation_update, handle_installation_update
from handlers.teams.invokes import error_response, handle_card_action
from handlers.teams.messages import handle_personal_message
from handlers.teams.payloads import tenant_of

log = logging.getLogger(__name__)
MESSAGES_PATH = "/api/messages"
_Handler = Callable[[TeamsContext, dict[str, Any]], Awaitable[None]]
_Invoke = Callable[[TeamsContext, dict[str, Any]], Awaitable[dict[str, Any] | EncodedJSON]]
# Invokes by name, each answered with its JSON body (the Bot Framework's invoke response).
_INVOKES: dict[str, _Invoke] = {
    "adaptiveCard/action": handle_card_action,
    "task/fetch": handle_task_fetch,
    "task/submit": handle_task_submit,
}
_BY_TYPE: dict[str, _Handler] = {
    "message": handle_personal_message,
    "installationUpdate": handle_installation_update,
    "conversationUpdate": handle_conversation_update,
}


async def handle_activity(ctx: TeamsContext, activity: dict[str, Any]) -> web.Response:
    """The HTTP answer to one verified activity, once its work is done."""
    kind = activity.get("type")
    if tenant_of(activity) != ctx.tenant_id:
        log.warning("ignored a Teams activity from another tenant")
        if kind == "invoke":
            return web.json_response(
                error_response(403, "Forbidden", "This app serves another organisation.")
            )
        return web.Response(status=200)
    if kind == "invoke":
        invoke = _INVOKES.get(str(activity.get("name")))
        if invoke is None:
            # What the Bot Framework answers to an invoke nobody handles.
            return web.Response(status=501)
        answer = await invoke(ctx, activity)
        if isinstance(answer, EncodedJSON):
            # Already encoded, and naming nobody (its builder checked): sent as it is.
            return web.Response(text=answer.text, content_type="application/json")
        return web.json_response(await ctx.names.mention(answer))
    handler = _BY_TYPE.get(str(kind))
    if handler is not None:
        try:
            await handler(ctx, activity)
        except Exception:
            # Not acknowledged, so the Bot Connector may deliver it again; the log says only what failed.
            log.exception("handling a Teams %s activity failed", kind)
            return web.Response(status=500)
    return web.Response(status=200)


def teams_routes(
    context: Callable[[], TeamsContext], auth: Callable[[], BotConnectorAuth]
) -> Sequence[web.RouteDef]:
    """The messaging endpoint; its context and token checker are the platform's, once connected."""

    async def messages(request: web.Request) -> web.Response:
        activity = await verified_activity(request, auth())
        return await handle_activity(context(), activity)

    return [web.post(MESSAGES_PATH, messages)]
