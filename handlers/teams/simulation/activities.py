"""Activities as Teams sends them to the bot, and the Authorization header the connector signs."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.teams.simulation.tenant import TeamsUser, Tenant

_ids = itertools.count(1)


def personal_message(
    tenant: Tenant, user: TeamsUser, *, text: str, service_url: str, conversation_id: str
) -> dict[str, Any]:
    """A message a person typed in their chat with the bot (with the clientInfo entity Teams adds)."""
    now = datetime.now(UTC)
    local = now.astimezone(ZoneInfo(user.timezone)) if user.timezone else now
    return {
        "type": "message",
        "id": f"{next(_ids)}",
        "timestamp": now.isoformat(),
        "localTimestamp": local.isoformat(),
        "localTimezone": user.timezone,
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": user.id, "name": user.name, "aadObjectId": user.aad_object_id},
        "conversation": {"conversationType": "personal", "tenantId": tenant.id, "id": conversation_id},
        "recipient": {"id": tenant.bot_id, "name": "PeerPulse"},
        "text": text,
        "textFormat": "plain",
        "locale": user.locale,
        "entities": [
            {"type": "clientInfo", "locale": user.locale, "platform": "Web", "timezone": user.timezone}
        ],
        "channelData": {"tenant": {"id": tenant.id}},
    }
