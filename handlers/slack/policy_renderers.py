"""Render policy-review reminders from the outbox at send time, so a review done meanwhile sends nothing."""

from __future__ import annotations

from bot.delivery import Renderer
from bot.policies import PolicyStatus
from bot.ports import OutgoingMessage
from bot.services import Services
from handlers.shared import policy_renderers
from handlers.slack.blocks.policies import build_policy_reminder


def _draw(status: PolicyStatus, kind: str) -> OutgoingMessage:
    message = build_policy_reminder(status, kind=kind)
    return OutgoingMessage(text=message["text"], blocks=message["blocks"])


def make_policy_renderers(services: Services) -> dict[str, Renderer]:
    """The renderer for the policy-review reminder kind."""
    return policy_renderers.make_policy_renderers(services, draw=_draw)
