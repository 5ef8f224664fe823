"""Verifies that an inbound activity really comes from the Bot Connector (its JWT).

The Bot Framework's rules: a Bearer token signed with one of the keys listed by the JWKS that the
OpenID metadata names (RS256), issued by https://api.botframework.com, for our app id, not expired
(5 minutes' clock skew allowed), whose `serviceurl` claim equals the activity's serviceUrl, and whose
key endorses the activity's channel. Keys are fetched with aiohttp (never a blocking call on the
event loop) and cached; an unknown kid refetches them at most once a minute.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

import aiohttp
import jwt

BOT_CONNECTOR_ISSUER = "https://api.botframework.com"
OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
# The Bot Framework's authentication spec allows five minutes of clock skew.
LEEWAY_SECONDS = 300
_REFRESH_AFTER = 60.0
# Tokens already verified, remembered by their exact text (the connector has one or two at a time).
_REMEMBERED_TOKENS = 64


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
        # Token text -> (kid, claims) of tokens whose signature, issuer and audience checked out. The
        # connector sends the same token with every activity until it expires, and checking its RS256
        # signature again for each one was a sixth of a tap's CPU; what time can change is checked again.
        self._verified: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()

    async def verify(
        self, authorization: str | None, *, service_url: str, channel_id: str = "msteams"
    ) -> dict[str, Any]:
        """The token's claims; raise Unauthorized unless every check passes."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme != "Bearer" or not token:
            raise Unauthorized("no Bearer token")
        known = self._still_valid(token)
        if known is not None:
            kid, claims = known
            _check_endorsed(self._keys[kid], channel_id)
        else:
            try:
                kid = str(jwt.get_unverified_header(token).get("kid"))
            except jwt.InvalidTokenError as exc:
                raise Unauthorized(f"malformed token: {exc}") from exc
            jwk = await self._key(kid)
            _check_endorsed(jwk, channel_id)
            try:
                claims = jwt.decode(
                    token,
                    self._parsed_key(kid, jwk),
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
        if known is None:
            self._remember(token, kid, claims)
        return dict(claims)

    def _still_valid(self, token: str) -> tuple[str, dict[str, Any]] | None:
        """A token verified before, if its key is still published and it is within its lifetime."""
        known = self._verified.get(token)
        if known is None:
            return None
        kid, claims = known
        now = time.time()
        # The tests PyJWT makes, with the same leeway: expired from exp on, not yet valid before nbf.
        if (
            kid in self._keys
            and float(claims["nbf"]) - self.leeway <= now < float(claims["exp"]) + self.leeway
        ):
            self._verified.move_to_end(token)
            return known
        # Expired, or its key was withdrawn: checked in full (and refused) as a token never seen.
        del self._verified[token]
        return None

    def _remember(self, token: str, kid: str, claims: dict[str, Any]) -> None:
        self._verified[token] = (kid, claims)
        while len(self._verified) > _REMEMBERED_TOKENS:
            self._verified.popitem(last=False)

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
        # A refresh may change a key under the same id: parse again from what was just read, and check
        # every token again against it.
        self._parsed = {}
        self._verified.clear()
        self._fetched_at = time.monotonic()


def _check_endorsed(jwk: dict[str, Any], channel_id: str) -> None:
    endorsements = jwk.get("endorsements")
    if endorsements is not None and channel_id not in endorsements:
        raise Unauthorized(f"the signing key does not endorse channel {channel_id!r}")
