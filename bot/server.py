"""The HTTP surface: POST /slack/events for Slack, GET /healthz for load balancers."""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import literal
from sqlmodel import select

from bot.services import Services

log = logging.getLogger(__name__)
HEALTH_TIMEOUT = 3.0


def _is_well_formed(body: str, content_type: str) -> bool:
    """Whether a signed body has the shape Bolt expects (a JSON object where JSON is carried)."""
    try:
        if content_type == "application/json":
            return isinstance(json.loads(body), dict)
        payload = parse_qs(body).get("payload")
        return payload is None or isinstance(json.loads(payload[0]), dict)
    except (ValueError, TypeError):
        return False


def build_web_app(app: AsyncApp, services: Services) -> web.Application:
    """An aiohttp application serving the Bolt app and the health check."""

    verifier = SignatureVerifier(services.settings.slack_signing_secret)

    async def slack_events(request: web.Request) -> web.Response:
        body = await request.text()
        # Verified here, before Bolt parses anything, so a forged body can't even reach the parser.
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not (
            timestamp.isdigit()
            and signature
            and verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
        ):
            return web.json_response({"error": "invalid signature or stale request"}, status=401)
        if not _is_well_formed(body, request.content_type):
            return web.json_response({"error": "the payload is not a JSON object"}, status=400)
        response = await app.async_dispatch(
            AsyncBoltRequest(body=body, query=request.query_string, headers=dict(request.headers))
        )
        return await to_aiohttp_response(response)

    async def probe() -> dict[str, int]:
        async with services.db.session() as session:
            await session.exec(select(literal(1)))
        return await services.outbox.backlog()

    async def healthz(_request: web.Request) -> web.Response:
        backlog: dict[str, int] = {}
        try:
            # Bounded: a database that black-holes packets must not hang the load balancer's check.
            backlog = await asyncio.wait_for(probe(), timeout=HEALTH_TIMEOUT)
            database = "ok"
        except Exception as exc:
            # Health checks report trouble; they never raise it.
            log.warning("health check: database unreachable (%s)", type(exc).__name__)
            database = "unreachable"
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
