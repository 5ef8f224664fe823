"""The HTTP surface: POST /slack/events for Slack, GET /healthz for load balancers."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from sqlalchemy import literal
from sqlmodel import select

from bot.services import Services

log = logging.getLogger(__name__)


def build_web_app(app: AsyncApp, services: Services) -> web.Application:
    """An aiohttp application serving the Bolt app and the health check."""

    async def slack_events(request: web.Request) -> web.Response:
        response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def healthz(_request: web.Request) -> web.Response:
        try:
            async with services.db.session() as session:
                await session.exec(select(literal(1)))
            database = "ok"
        except Exception as exc:
            # Health checks report trouble; they never raise it.
            log.warning("health check: database unreachable (%s)", type(exc).__name__)
            database = "unreachable"
        backlog: dict[str, int] = {}
        if database == "ok":
            backlog = await services.outbox.backlog()
        body = {
            "status": "ok" if database == "ok" else "degraded",
            "database": database,
            "scheduler_leader": services.leadership.is_leader,
            "outbox_backlog": backlog.get("pending", 0) + backlog.get("sending", 0),
            "outbox_failed": backlog.get("failed", 0),
        }
        return web.json_response(body, status=200 if database == "ok" else 503)

    web_app = web.Application(client_max_size=1024 * 1024)
    web_app.router.add_post("/slack/events", slack_events)
    web_app.router.add_get("/healthz", healthz)
    return web_app
