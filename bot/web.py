"""The HTTP surface every platform shares: GET /healthz (alive) and /readyz (ready) for probes, plus
the platform's own endpoints."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from bot.platform import Readiness

# Far above anything a platform sends (a Slack block_actions payload with its message is tens of KB).
MAX_BODY_BYTES = 1024 * 1024


def build_web_app(
    routes: Sequence[web.RouteDef], *, health_token: str | None, readiness: Readiness | None = None
) -> web.Application:
    """An aiohttp application serving the platform's routes, liveness and readiness."""

    def trusted(request: web.Request) -> bool:
        # Details (problems, backlog, leadership) only for callers holding HEALTH_TOKEN.
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return health_token is not None and bool(offered) and hmac.compare_digest(offered, health_token)

    async def healthz(request: web.Request) -> web.Response:
        # Liveness: the process answers. Restarting it would not fix anything readiness reports.
        body: dict[str, Any] = {"status": "ok"}
        if readiness is not None and trusted(request):
            ready, details = await readiness()
            body.update(ready=ready, **details)
        return web.json_response(body)

    async def readyz(request: web.Request) -> web.Response:
        ready, details = await readiness() if readiness is not None else (True, {})
        body: dict[str, Any] = {"status": "ready" if ready else "not ready"}
        if trusted(request):
            body.update(details)
        # The reasons are logged by readiness(); anonymous callers see only the verdict.
        return web.json_response(body, status=200 if ready else 503)

    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    web_app.router.add_routes(routes)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    return web_app
