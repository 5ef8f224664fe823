"""Reading what an inbound activity says about where it came from (pure)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def sender_of(activity: dict[str, Any]) -> str:
    """The Teams user id of whoever sent the activity."""
    return str((activity.get("from") or {}).get("id") or "")


def tenant_of(activity: dict[str, Any]) -> str:
    """The Microsoft 365 tenant the activity comes from."""
    channel_data = activity.get("channelData") or {}
    return str(
        ((channel_data.get("tenant") or {}).get("id"))
        or (activity.get("conversation") or {}).get("tenantId")
        or ""
    )


def conversation_of(activity: dict[str, Any]) -> str:
    """The conversation id the activity belongs to."""
    return str((activity.get("conversation") or {}).get("id") or "")


def is_personal(activity: dict[str, Any]) -> bool:
    """Whether it comes from a person's 1:1 chat with the bot."""
    return (activity.get("conversation") or {}).get("conversationType") == "personal"


def reported_time_zone(activity: dict[str, Any]) -> str | None:
    """The IANA zone the person's client reports (clientInfo entity, else localTimezone), if valid."""
    candidates = [
        e.get("timezone")
        for e in activity.get("entities") or []
        if isinstance(e, dict) and e.get("type") == "clientInfo"
    ]
    candidates.append(activity.get("localTimezone"))
    for zone in candidates:
        if isinstance(zone, str) and 0 < len(zone) <= 64:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return zone
    return None
