"""Policy-review reminders rendered for Teams at send time, so a review done meanwhile sends nothing."""

from __future__ import annotations

from bot.delivery import Renderer
from bot.policies import PolicyStatus
from bot.ports import OutgoingMessage
from bot.services import Services
from handlers.shared import policy_renderers
from handlers.teams.cards.card import attachment
from handlers.teams.cards.policies import build_policy_reminder_card


def _draw(status: PolicyStatus, kind: str) -> OutgoingMessage:
    content = build_policy_reminder_card(status, kind=kind)
    return OutgoingMessage(text=str(content.get("fallbackText", "")), blocks=[attachment(content)])


def make_policy_renderers(services: Services) -> dict[str, Renderer]:
    """The renderer for the policy-review reminder kind (a card with Mark reviewed)."""
    return policy_renderers.make_policy_renderers(services, draw=_draw)
