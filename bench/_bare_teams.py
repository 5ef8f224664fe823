"""Runner: the reference for Teams taps, a bare aiohttp endpoint doing the Bot Framework's JWT checks with
PyJWT and one trivial database write per tap (PeerPulse uses no Teams SDK: aiohttp + PyJWT is its stack)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from typing import Any

import aiohttp
import jwt
from aiohttp import web
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

ISSUER = "https://api.botframework.com"
SAVED = {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": "Saved."}


async def signing_keys(metadata_url: str) -> dict[str, jwt.PyJWK]:
    """The Bot Connector's keys by kid, from its OpenID metadata's JWKS (read once at start)."""
    async with aiohttp.ClientSession() as session:
        async with session.get(metadata_url) as response:
            jwks_uri = (await response.json())["jwks_uri"]
        async with session.get(jwks_uri) as response:
            keys = (await response.json())["keys"]
    return {k["kid"]: jwt.PyJWK(k, algorithm="RS256") for k in keys if "msteams" in k.get("endorsements", [])}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


async def serve() -> None:
    """Serve POST /api/messages and GET /healthz on PORT until SIGTERM."""
    app_id = os.environ["TEAMS_APP_ID"]
    keys = await signing_keys(os.environ["TEAMS_OPENID_METADATA_URL"])
    url = os.environ["DATABASE_URL"]
    engine = create_async_engine(url, pool_size=10)
    if url.startswith("sqlite"):
        # As the app sets SQLite up (storage/db.py): WAL, no fsync per commit, wait on the writer lock.
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS bare_tap (activity_id VARCHAR(64), data TEXT)"))

    async def messages(request: web.Request) -> web.Response:
        body = await request.read()
        activity: dict[str, Any] = json.loads(body)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        try:
            key = keys[str(jwt.get_unverified_header(token).get("kid"))]
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=app_id,
                issuer=ISSUER,
                leeway=300,
                options={"require": ["exp", "nbf", "iss", "aud", "serviceurl"]},
            )
        except (KeyError, jwt.InvalidTokenError):
            return web.Response(status=401)
        if scheme != "Bearer" or str(claims["serviceurl"]).rstrip("/") != str(activity["serviceUrl"]).rstrip(
            "/"
        ):
            return web.Response(status=401)
        # The trivial write: the tap's id and data, committed before the answer, as PeerPulse commits.
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO bare_tap (activity_id, data) VALUES (:i, :d)"),
                {"i": activity["id"], "d": json.dumps(activity["value"]["action"]["data"])},
            )
        return web.json_response(SAVED)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app = web.Application(client_max_size=1024 * 1024)
    web_app.router.add_post("/api/messages", messages)
    web_app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(os.environ["PORT"])).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()
    await engine.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    asyncio.run(serve())
