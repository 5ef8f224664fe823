"""A small Bot Connector REST client: client-credentials tokens and the four calls the port needs.

Why not `microsoft-teams-api` (2.1.1)'s clients: the port needs four REST calls and one token
request. That package brings pydantic, opentelemetry-api and its common package's httpx client,
whose errors we would still map to DeliveryError with Retry-After; and its BotTokenClient is
deprecated in favour of the apps package's MSAL-backed token manager, which expects a real
authority rather than a local token stub. aiohttp is already the core's HTTP client, so this stays
small and explicit; the SDK remains the candidate for the listeners (dialogs, Action.Execute).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.errors import DeliveryError
from handlers.teams.pacing import TeamsPacer

BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
# Renew a little before expiry so a token never lapses mid-request.
_TOKEN_MARGIN = 300.0
# Teams asks clients to retry these (besides 429, which carries its own Retry-After).
_RETRYABLE = {412, 502, 503, 504}


class ConnectorClient:
    """Calls the Bot Connector as one bot: its configured `service_url`, or a conversation's regional one."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None,
        service_url: str,
        token_url: str,
        app_id: str,
        app_password: str,
        pacer: TeamsPacer | None = None,
    ) -> None:
        """With a pacer, every call waits for its turn under Teams' limits and a 429 holds them all.

        The session may come later (a platform opens it when it connects), before the first call.
        """
        self.session = session
        self.pacer = pacer
        # What every message sent or updated passes through last (the platform names people in it).
        self.outgoing: Callable[[Any], Awaitable[Any]] | None = None
        self.service_url = service_url.rstrip("/") + "/"
        self.token_url = token_url
        self.app_id = app_id
        self.app_password = app_password
        self._token: str | None = None
        self._token_expires = 0.0
        # Concurrent first calls share one token request.
        self._token_lock = asyncio.Lock()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        encoded: str | None = None,
        params: dict[str, str] | None = None,
        operation: str = "read",
        conversation: str | None = None,
        service_url: str | None = None,
    ) -> Any:
        """The JSON answer of a connector call; raise DeliveryError on any failure.

        `encoded` is a body already encoded as JSON text and naming nobody (its caller checked), sent
        as it is instead of `json`. `operation` on `conversation` is what Teams counts against its
        per-conversation limits (None: only the tenant-wide limit applies). `service_url` is the
        regional connector serving the conversation, when Teams told us (the configured one otherwise).
        """
        if json is not None and operation in ("send", "update") and self.outgoing is not None:
            json = await self.outgoing(json)
        data = None if encoded is None else encoded.encode()
        base = service_url.rstrip("/") + "/" if service_url else self.service_url
        url = base + path
        if self.pacer is not None:
            await self.pacer.acquire(operation, conversation)
        try:
            headers = {"Authorization": f"Bearer {await self._access_token()}"}
            if data is not None:
                headers["Content-Type"] = "application/json"
            async with self._session().request(
                method, url, json=json, data=data, params=params, headers=headers
            ) as response:
                if response.status < 300:
                    return await response.json()
                body = await response.text()
                refusal = _refusal(response.status, response.headers.get("Retry-After"), body, self)
                if refusal.retry_after is not None and self.pacer is not None:
                    self.pacer.pause(refusal.retry_after)
                raise refusal
        except aiohttp.ClientConnectorError as exc:
            raise DeliveryError(
                f"cannot reach the Bot Connector: {type(exc).__name__}", retryable=True
            ) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            # The request may have left: Teams may have delivered it.
            raise DeliveryError(
                f"no answer from the Bot Connector: {type(exc).__name__}", retryable=True, uncertain=True
            ) from exc

    def _session(self) -> aiohttp.ClientSession:
        if self.session is None:
            raise RuntimeError("the connector client has no HTTP session yet (connect the platform first)")
        return self.session

    def forget_token(self) -> None:
        """Drop the cached token (the connector refused it)."""
        self._token = None

    async def access_token(self) -> str:
        """A Bot Connector token (cached until shortly before it expires); DeliveryError if refused."""
        return await self._access_token()

    async def _access_token(self) -> str:
        if self._token is not None and time.monotonic() < self._token_expires:
            return self._token
        async with self._token_lock:
            if self._token is not None and time.monotonic() < self._token_expires:
                return self._token
            return await self._fetch_token()

    async def _fetch_token(self) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.app_id,
            "client_secret": self.app_password,
            "scope": BOT_FRAMEWORK_SCOPE,
        }
        async with self._session().post(self.token_url, data=form) as response:
            if response.status in (400, 401):
                raise DeliveryError("the bot's app id or secret was refused", retryable=False)
            if response.status >= 300:
                raise DeliveryError(f"the token endpoint answered HTTP {response.status}", retryable=True)
            answer = await response.json()
        self._token = str(answer["access_token"])
        self._token_expires = time.monotonic() + float(answer.get("expires_in", 3600)) - _TOKEN_MARGIN
        return self._token


def conversation_path(conversation: str, *rest: str) -> str:
    """`v3/conversations/{id}/…` with the id escaped (channel ids hold ':' and '@')."""
    return "/".join(["v3/conversations", quote(conversation, safe=""), *(quote(r, safe="") for r in rest)])


def _refusal(status: int, retry_after: str | None, body: str, client: ConnectorClient) -> DeliveryError:
    if status == 429:
        return DeliveryError(
            "rate limited by Teams", retryable=True, retry_after=max(float(retry_after or 1), 1.0)
        )
    if status == 401:
        # An expired or revoked token: the next attempt asks for a fresh one.
        client.forget_token()
        return DeliveryError("the Bot Connector refused our token", retryable=True)
    if status in _RETRYABLE or status >= 500:
        seconds = float(retry_after) if retry_after else None
        return DeliveryError(f"Teams answered HTTP {status}", retryable=True, retry_after=seconds)
    # 403: the app is not installed for the person, or they blocked it; 404: no such conversation;
    # 400/413: the message itself is wrong. No retry can fix these.
    return DeliveryError(f"Teams refused (HTTP {status}): {body[:200]}", retryable=False)
