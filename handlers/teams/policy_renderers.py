"""Policy-review reminders rendered for Teams at send time, so a review done meanwhile sends nothing."""

from __future__ import annotations

from datetime import date

from bot.delivery import Renderer
from bot.policies import REMINDER_KIND
from bot.ports import OutgoingMessage
from bot.services import Services
from handlers.teams.cards.card import attachment
from handlers.teams.cards.policies import build_policy_reminder_card
from storage.models import OutboxMessage


def make_policy_renderers(services: Services) -> dict[str, Renderer]:
    """The renderer for the policy-review reminder kind (a card with Mark reviewed)."""

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
        content = build_policy_reminder_card(status, kind=kind)
        return OutgoingMessage(text=str(content.get("fallbackText", "")), blocks=[attachment(content)])

    return {REMINDER_KIND: render_policy_reminder}
