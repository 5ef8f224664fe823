"""build_app: the Bolt app with every listener, the services injected, and one error handler."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

import handlers.slack as slack_listeners
from bot.config import Settings
from bot.errors import PeerPulseError
from bot.roles import begin_request
from bot.services import Services
from handlers.slack.dedupe import skip_repeated_requests
from handlers.slack.locales import Locales, speak_their_language
from handlers.slack.pacing import PacedWebClient, Pacer, shared_pacer
from handlers.slack.replies import tell_user, user_message_for
from handlers.slack.settings import slack_settings

log = logging.getLogger(__name__)


def build_client(settings: Settings, *, for_outbox: bool = False, timeout: int = 10) -> PacedWebClient:
    """A Web API client paced by the process's one pacer; the outbox one leaves 429s to the outbox."""
    if for_outbox:
        # Only a connection that never opened is safe to resend blindly; after a reset or a timeout
        # Slack may have posted the message, and the outbox must check before trying again.
        retry_handlers: list[Any] = [
            AsyncConnectionErrorRetryHandler(max_retry_count=2, error_types=[aiohttp.ClientConnectorError])
        ]
    else:
        # 429s are retried by PacedWebClient, after holding the method for Retry-After.
        retry_handlers = [
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ]
    slack = slack_settings(settings)
    kwargs: dict[str, Any] = {
        "token": slack.bot_token,
        "timeout": timeout,
        "retry_handlers": retry_handlers,
        "logger": _client_logger(),
    }
    if slack.api_url:
        kwargs["base_url"] = slack.api_url.rstrip("/") + "/"
    pacer = pacer_for(settings)
    return PacedWebClient(pacer=pacer, rate_limit_retries=0 if for_outbox else 4, **kwargs)


def pacer_for(settings: Settings) -> Pacer:
    """The one pacer every Web API client of this app and workspace goes through."""
    slack = slack_settings(settings)
    return shared_pacer(
        base_url=slack.api_url or AsyncWebClient.BASE_URL,
        token=slack.bot_token,
        rate=settings.workspace_rate,
    )


def _client_logger() -> logging.Logger:
    """slack_sdk's logger, with its own level set to what the process logs."""
    logger = logging.getLogger("slack_sdk.web.async_base_client")
    if logger.level == logging.NOTSET:
        # slack_sdk tests the logger's *own* level before formatting every request and response
        # (whole message included) for debug output; left unset, that is done on every call.
        logger.setLevel(logger.getEffectiveLevel())
    return logger


def build_app(services: Services, *, client: AsyncWebClient, locales: Locales | None = None) -> AsyncApp:
    """The Bolt app, wired to the given services; listeners write in each requester's language."""
    settings = services.settings
    # The client carries the token; passing it twice only makes Bolt warn.
    app = AsyncApp(
        # handlers/slack/server.py verifies every signature before Bolt parses a byte; Socket Mode needs none.
        request_verification_enabled=False,
        signing_secret=slack_settings(settings).signing_secret,
        client=client,
        logger=logging.getLogger("peerpulse.bolt"),
    )

    async def inject_services(context: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:
        context["services"] = services
        # A listener's early role check and the domain's own share one live read per request.
        begin_request()
        # Bolt hands each listener a fresh plain AsyncWebClient; ours instead, so every call a
        # listener makes goes through the one pacer (one token here, so sharing it is safe).
        context["client"] = client
        await next()

    app.use(inject_services)
    app.use(skip_repeated_requests)
    app.use(speak_their_language(locales or Locales(client), default=settings.default_language))
    slack_listeners.register(app)

    @app.error
    async def handle_errors(error: Exception, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The one place listener errors become a private, plain-words reply."""
        if isinstance(error, PeerPulseError):
            log.info("refused %s: %s", body.get("type") or body.get("command"), type(error).__name__)
        else:
            log.error("listener failed", exc_info=error)
        try:
            await tell_user(client, body, user_message_for(error))
        except Exception as exc:
            # Slack itself may be what failed; the log above already holds the cause.
            log.warning("could not tell the user about an error (%s)", type(exc).__name__, exc_info=True)

    return app
