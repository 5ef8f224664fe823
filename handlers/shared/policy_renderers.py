"""Policy-review reminders from the outbox, rendered at send time so a review done meanwhile sends nothing.

The platform-free half of each platform's renderer: read the queued row and ask the domain whether it still
applies; the platform draws what it gets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.delivery import Renderer
from bot.policies import REMINDER_KIND, PolicyStatus
from bot.ports import OutgoingMessage
from bot.services import Services
from storage.models import OutboxMessage

# Draws a reminder that still applies: the policy's status and the reminder's kind ("due" or "overdue").
DrawReminder = Callable[[PolicyStatus, str], OutgoingMessage]


def make_policy_renderers(services: Services, *, draw: DrawReminder) -> dict[str, Renderer]:
    """The renderer for the policy-review reminder kind, drawing with the platform's `draw`."""

    async def render_policy_reminder(row: OutboxMessage) -> OutgoingMessage | None:
        payload = row.payload or {}
        kind = str(payload.get("kind", ""))
        try:
            due_on = date.fromisoformat(str(payload.get("due_on")))
        except ValueError:
            return None
        status = await services.policies.reminder(
            policy_id=str(payload.get("policy_id", "")), due_on=due_on, kind=kind
        )
        return None if status is None else draw(status, kind)

    return {REMINDER_KIND: render_policy_reminder}
