"""Signs inbound activities' tokens the way the Bot Connector does, and publishes the keys."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

BOT_CONNECTOR_ISSUER = "https://api.botframework.com"


class TokenSigner:
    """An RS256 key with a kid, like one of the Bot Connector's published signing keys."""

    def __init__(
        self, *, kid: str = "fake-teams-key-1", endorsements: tuple[str, ...] = ("msteams",)
    ) -> None:
        # 2048 bits, as the real keys; generated per signer so no key material lives in the repo.
        self.kid = kid
        self.endorsements = endorsements
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        """The public key as the JWKS endpoint lists it (with the channels it endorses)."""
        public: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "endorsements": list(self.endorsements)}

    def sign(
        self,
        *,
        app_id: str,
        service_url: str,
        issuer: str = BOT_CONNECTOR_ISSUER,
        lifetime: float = 3600,
        now: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A token for an activity sent to the bot `app_id` from `service_url` (valid from now - 5 min)."""
        issued = time.time() if now is None else now
        claims: dict[str, Any] = {
            "serviceurl": service_url,
            "nbf": int(issued) - 300,
            "exp": int(issued + lifetime),
            "iss": issuer,
            "aud": app_id,
            **(extra or {}),
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})
