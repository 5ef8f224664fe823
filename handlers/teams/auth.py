"""Verifies that an inbound activity really comes from the Bot Connector (its JWT).

The Bot Framework's rules: a Bearer token signed with one of the keys listed by the JWKS that the
OpenID metadata names (RS256), issued by https://api.botframework.com, for our app id, not expired
(5 minutes' clock skew allowed), whose `serviceurl` claim equals the activity's serviceUrl, and whose
key endorses the activity's channel. Keys are fetched with aiohttp (never a blocking call on the
event loop) and cached; an unknown kid refetches them at most once a minute.
"""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import jwt

BOT_CONNECTOR_ISSUER = "https://api.botframework.com"
OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
# The Bot Framework's authentication spec allows five minutes of clock skew.
LEEWAY_SECONDS = 300
_REFRESH_AFTER = 60.0


class Unauthorized(Exception):
    """The request is not from the Bot Connector for this app (answer 401 and do nothing)."""


class BotConnectorAuth:
    """Checks inbound Bot Connector tokens for one app."""

    def __init__(
        self,
        *,
        app_id: str,
        openid_metadata_url: str = OPENID_METADATA_URL,
        session: aiohttp.ClientSession,
        leeway: float = LEEWAY_SECONDS,
    ) -> None:
        self.app_id = app_id
        self.openid_metadata_url = openid_metadata_url
        self.session = session
        self.leeway = leeway
        self._keys: dict[str, dict[str, Any]] = {}
        # Each key parsed once (PyJWK builds an RSA key object: a good share of a tap's CPU otherwise).
        self._parsed: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")

    async def verify(
        self, authorization: str | None, *, service_url: str, channel_id: str = "msteams"
    ) -> dict[str, Any]:
        """The token's claims; raise Unauthorized unless every check passes."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme != "Bearer" or not token:
            raise Unauthorized("no Bearer token")
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"malformed token: {exc}") from exc
        jwk = await self._key(str(kid))
        endorsements = jwk.get("endorsements")
        if endorsements is not None and channel_id not in endorsements:
            raise Unauthorized(f"the signing key does not endorse channel {channel_id!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._parsed_key(str(kid), jwk),
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=BOT_CONNECTOR_ISSUER,
                leeway=self.leeway,
                options={"require": ["exp", "nbf", "iss", "aud", "serviceurl"]},
            )
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        # Trailing slashes vary between the claim and the activity; anything else is a different connector.
        if str(claims["serviceurl"]).rstrip("/") != service_url.rstrip("/"):
            raise Unauthorized("the token was issued for another serviceUrl")
        return claims

    def _parsed_key(self, kid: str, jwk: dict[str, Any]) -> jwt.PyJWK:
        found = self._parsed.get(kid)
        if found is None:
            found = self._parsed[kid] = jwt.PyJWK(jwk, algorithm="RS256")
        return found

    async def _key(self, kid: str) -> dict[str, Any]:
        if kid not in self._keys and time.monotonic() - self._fetched_at > _REFRESH_AFTER:
            await self._refresh()
        try:
            return self._keys[kid]
        except KeyError:
            raise Unauthorized(f"unknown signing key {kid!r}") from None

    async def _refresh(self) -> None:
        try:
            async with self.session.get(self.openid_metadata_url) as response:
                response.raise_for_status()
                metadata = await response.json()
            async with self.session.get(str(metadata["jwks_uri"])) as response:
                response.raise_for_status()
                keys = (await response.json())["keys"]
        except (aiohttp.ClientError, TimeoutError, KeyError, ValueError) as exc:
            # Without keys nothing can be verified: refuse rather than guess (the connector retries).
            raise Unauthorized(f"cannot read the Bot Connector's signing keys: {exc}") from exc
        self._keys = {str(k["kid"]): k for k in keys if k.get("kid")}
        # A refresh may change a key under the same id: parse again from what was just read.
        self._parsed = {}
        self._fetched_at = time.monotonic()
