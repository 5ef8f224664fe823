"""Render policy-review reminders from the outbox at send time, so a review done meanwhile sends nothing."""

from __future__ import annotations

from datetime import date

from bot.delivery import Renderer
from bot.policies import REMINDER_KIND
from bot.ports import OutgoingMessage
from bot.services import Services
from handlers.slack.blocks.policies import build_policy_reminder
from storage.models import OutboxMessage


def make_policy_renderers(services: Services) -> dict[str, Renderer]:
    """The renderer for the policy-review reminder kind."""

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
        if status is None:
            return None
        message = build_policy_reminder(status, kind=kind)
        return OutgoingMessage(text=message["text"], blocks=message["blocks"])

    return {REMINDER_KIND: render_policy_reminder}
