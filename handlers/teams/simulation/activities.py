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


def _personal(tenant: Tenant, user: TeamsUser, *, service_url: str, conversation_id: str) -> dict[str, Any]:
    """What every activity in a person's chat with the bot carries."""
    return {
        "id": f"{next(_ids)}",
        "timestamp": datetime.now(UTC).isoformat(),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": user.id, "name": user.name, "aadObjectId": user.aad_object_id},
        "conversation": {"conversationType": "personal", "tenantId": tenant.id, "id": conversation_id},
        "recipient": {"id": tenant.bot_id, "name": "PeerPulse"},
        "locale": user.locale,
        "channelData": {"tenant": {"id": tenant.id}},
    }


def installation_update(
    tenant: Tenant, user: TeamsUser, *, action: str, service_url: str, conversation_id: str
) -> dict[str, Any]:
    """The app was installed ("add") or removed ("remove") in a person's personal scope."""
    return {
        **_personal(tenant, user, service_url=service_url, conversation_id=conversation_id),
        "type": "installationUpdate",
        "action": action,
    }


def bot_added(tenant: Tenant, user: TeamsUser, *, service_url: str, conversation_id: str) -> dict[str, Any]:
    """The conversationUpdate Teams sends beside an install: the bot joined the person's 1:1 chat."""
    return {
        **_personal(tenant, user, service_url=service_url, conversation_id=conversation_id),
        "type": "conversationUpdate",
        "membersAdded": [{"id": tenant.bot_id}],
    }


def card_action(
    tenant: Tenant,
    user: TeamsUser,
    *,
    verb: str,
    data: dict[str, Any],
    service_url: str,
    conversation_id: str,
    reply_to_id: str | None = None,
) -> dict[str, Any]:
    """A tap on an Action.Execute button of a card the bot sent (an `adaptiveCard/action` invoke)."""
    activity = {
        **_personal(tenant, user, service_url=service_url, conversation_id=conversation_id),
        "type": "invoke",
        "name": "adaptiveCard/action",
        "value": {
            "action": {"type": "Action.Execute", "id": f"action-{next(_ids)}", "verb": verb, "data": data},
            "trigger": "manual",
        },
        "entities": [{"type": "clientInfo", "locale": user.locale, "timezone": user.timezone}],
    }
    if reply_to_id is not None:
        activity["replyToId"] = reply_to_id
    return activity


def task_invoke(
    tenant: Tenant,
    user: TeamsUser,
    *,
    name: str,
    data: dict[str, Any],
    service_url: str,
    conversation_id: str,
    reply_to_id: str | None = None,
) -> dict[str, Any]:
    """A dialog invoke: `task/fetch` (a task/fetch Action.Submit tapped) or `task/submit` (its Send).

    `data` is what the button carried; for task/submit, Teams merges the dialog's inputs into it.
    """
    activity = {
        **_personal(tenant, user, service_url=service_url, conversation_id=conversation_id),
        "type": "invoke",
        "name": name,
        "value": {"data": data, "context": {"theme": "default"}},
        "entities": [{"type": "clientInfo", "locale": user.locale, "timezone": user.timezone}],
    }
    if reply_to_id is not None:
        activity["replyToId"] = reply_to_id
    return activity
