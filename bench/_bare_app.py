"""Runner: the ceiling for interactions, a bare AsyncApp that only acks (BARE_REDRAW=1: and redraws the DM
through the click's response_url, the one redraw Slack allows a click without a per-workspace limit)."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient


async def serve() -> None:
    """Serve POST /slack/events and GET /healthz on PORT until SIGTERM."""
    # As in handlers/slack/app.py: without its own level slack_sdk formats a debug dump of every call.
    sdk_logger = logging.getLogger("slack_sdk.web.async_base_client")
    sdk_logger.setLevel(sdk_logger.getEffectiveLevel())
    session = aiohttp.ClientSession()
    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"],
        base_url=os.environ["SLACK_API_URL"].rstrip("/") + "/",
        logger=sdk_logger,
        session=session,
    )
    app = AsyncApp(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=client,
        logger=logging.getLogger("bare.bolt"),
    )

    redraw = bool(os.environ.get("BARE_REDRAW"))

    @app.action(re.compile(r"^pulse_answer_\d+_\d+$"))
    async def only_ack(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        if redraw:
            # The reference row: the one redraw a click needs, through its own response_url, with the
            # DM's own blocks (pooled connections, as the app's).
            message = body["message"]
            webhook = AsyncWebhookClient(body["response_url"], session=client.session)
            await webhook.send_dict(
                {"replace_original": True, "text": message.get("text", ""), "blocks": message["blocks"]}
            )

    async def slack_events(request: web.Request) -> web.Response:
        response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app = web.Application(client_max_size=1024 * 1024)
    web_app.router.add_post("/slack/events", slack_events)
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
    await session.close()


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    asyncio.run(serve())
