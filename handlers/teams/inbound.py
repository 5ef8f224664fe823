"""The guard in front of the bot's messaging endpoint: only Bot Connector activities get through."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from handlers.teams.auth import BotConnectorAuth, Unauthorized

log = logging.getLogger(__name__)


async def verified_activity(request: web.Request, auth: BotConnectorAuth) -> dict[str, Any]:
    """The request's activity, once its token checks out; raise 401 (and do nothing) otherwise."""
    header = request.headers.get("Authorization")
    if not header:
        raise web.HTTPUnauthorized(text="missing Authorization")
    try:
        activity = json.loads(await request.read())
    except ValueError:
        activity = None
    if not isinstance(activity, dict):
        # Anything we cannot check the token against is refused the same way as a bad token.
        raise web.HTTPUnauthorized(text="unreadable activity")
    try:
        await auth.verify(
            header,
            service_url=str(activity.get("serviceUrl") or ""),
            channel_id=str(activity.get("channelId") or ""),
        )
    except Unauthorized as refused:
        log.warning("refused an inbound Teams request: %s", refused)
        raise web.HTTPUnauthorized(text="unauthorized") from refused
    return activity
