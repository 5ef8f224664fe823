"""Slack as a PeerPulse platform: Web API clients, the Bolt app, its HTTP endpoint or Socket Mode."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.checks import Verdict
from bot.config import Settings
from bot.digest import DigestView
from bot.errors import ConfigError
from bot.platform import Identity
from bot.services import Services
from handlers.slack.actions.pulse_answer import AnswerClick, answer_clicks
from handlers.slack.adapter import SlackDirectory, SlackMessenger
from handlers.slack.app import build_app, build_client, pacer_for
from handlers.slack.blocks.digest import digest_view_messages
from handlers.slack.checks import check_channels, describe_slack_error, slack_checks
from handlers.slack.locales import Locales, in_their_language
from handlers.slack.renderers import make_renderers
from handlers.slack.server import slack_routes
from handlers.slack.settings import slack_settings


class SlackPlatform:
    """One Slack workspace, reached through one bot token."""

    name = "slack"
    # Enough sends in flight to keep the workspace rate busy while each waits ~50 ms for Slack.
    outbox_concurrency = 64

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.slack = slack_settings(settings)
        self.client = build_client(settings)
        self.outbox_client = build_client(settings, for_outbox=True)
        self.pacer = pacer_for(settings)
        self.locales = Locales(self.client)
        self.directory = SlackDirectory(self.client, on_members=self.locales.remember)
        self.outbox_messenger = SlackMessenger(self.outbox_client)
        self.app: AsyncApp | None = None
        self.answer_click: AnswerClick | None = None
        self._http: aiohttp.ClientSession | None = None
        self._socket_handler: Any = None
        # The workspace's address (auth.test), from which a reminder's link to the pulse DM is built.
        self.workspace_url: str | None = None

    def wire(self, services: Services) -> None:
        """Renderers for every outbox kind, how many messages a digest takes, and the Bolt app."""
        renderers = make_renderers(services, workspace_url=lambda: self.workspace_url)
        services.outbox.renderers.update(
            in_their_language(
                renderers, self.locales, self.directory, default=services.settings.default_language
            )
        )
        # A digest takes as many messages as Block Kit's limits need; its rows are queued per message.
        services.outbox.splitters[DigestView.kind] = lambda view: len(digest_view_messages(view))
        self.app = build_app(services, client=self.client, locales=self.locales)
        self.answer_click = answer_clicks(services, client=self.client)

    async def connect(self) -> Identity:
        """Open the pooled HTTP session and ask Slack who we are (auth.test)."""
        self._open_session()
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            raise ConfigError(
                f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}); check the token"
            ) from None
        self.workspace_url = str(auth.get("url") or "") or None
        return Identity(team_id=str(auth["team_id"]), bot_user_id=str(auth.get("user_id") or "") or None)

    async def check(self) -> list[Verdict]:
        """Each configured channel exists, is the right kind and has the bot in it."""
        return await check_channels(self.client, self.settings)

    async def preflight(self) -> list[Verdict]:
        """The bot token, the app-level token (Socket Mode), then each channel."""
        session = self._open_session()
        return await slack_checks(self.client, session, self.settings)

    def describe_error(self, exc: BaseException) -> str | None:
        """Slack refusing the token, or unreachable, in one line."""
        if isinstance(exc, SlackApiError | aiohttp.ClientError | TimeoutError):
            return describe_slack_error(exc, self.settings)
        return None

    def _open_session(self) -> aiohttp.ClientSession:
        if self._http is None:
            # One pooled HTTP session for every Slack call, instead of a new connection per call.
            # slack_sdk applies its own timeout only to sessions it creates, so this one carries it
            # (aiohttp's default would let a hung Slack call stall a send for five minutes).
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.client.timeout))
            self.client.session = self._http
            self.outbox_client.session = self._http
        return self._http

    def routes(self) -> Sequence[web.RouteDef]:
        """POST /slack/events, unless Socket Mode brings the requests instead."""
        if self.slack.socket_mode:
            return []
        assert self.app is not None, "wire() comes first"
        return slack_routes(self.app, self.settings, answer_click=self.answer_click)

    async def start(self) -> str:
        """Connect Socket Mode when SLACK_APP_TOKEN is set; otherwise requests come over HTTP."""
        if not self.slack.socket_mode:
            return "http"
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        assert self.app is not None, "wire() comes first"
        self._socket_handler = AsyncSocketModeHandler(self.app, self.slack.app_token)
        await self._socket_handler.connect_async()
        return "socket mode"

    async def stop(self) -> None:
        """Close Socket Mode's connection, if open."""
        if self._socket_handler is not None:
            await self._socket_handler.close_async()
            self._socket_handler = None

    async def close(self) -> None:
        """Close the pooled HTTP session."""
        if self._http is not None:
            await self._http.close()
            self._http = None
