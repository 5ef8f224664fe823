"""Peer-support reminders from the outbox as Teams cards, rendered at send time so a resolved one is never sent."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.delivery import Renderer
from bot.ports import OutgoingMessage
from bot.services import Services
from bot.support import SessionSummary, TrainingStatus
from handlers.shared import support_renderers
from handlers.teams.cards.card import attachment
from handlers.teams.cards.peer_log import build_follow_up_card, build_training_reminder_card


def _card(content: dict[str, Any]) -> OutgoingMessage:
    """A message carrying one card, its fallback as the text notifications show."""
    return OutgoingMessage(text=str(content.get("fallbackText", "")), blocks=[attachment(content)])


def make_support_renderers(services: Services) -> dict[str, Renderer]:
    """Renderers for the follow-up and lapsed-training reminder kinds."""

    def follow_up(session: SessionSummary, due_on: date) -> OutgoingMessage:
        return _card(build_follow_up_card(session, due_on=due_on, taxonomy=services.support.taxonomy))

    def training(status: TrainingStatus) -> OutgoingMessage:
        return _card(build_training_reminder_card(status))

    return support_renderers.make_support_renderers(services, follow_up=follow_up, training=training)
