"""Fields of Slack payloads that listeners of every kind read the same way."""

from __future__ import annotations

from typing import Any

from bot.services import Services


def team_of(body: dict[str, Any], services: Services) -> str:
    """The workspace a request came from (the configured one when Slack names none)."""
    return str((body.get("team") or {}).get("id") or services.team_id)
