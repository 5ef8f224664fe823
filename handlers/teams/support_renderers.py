"""Peer-support reminders from the outbox as Teams cards, rendered at send time so a resolved one is never sent."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.delivery import Renderer
from bot.ports import OutgoingMessage
from bot.services import Services
from bot.support import FOLLOW_UP_KIND, TRAINING_KIND
from handlers.teams.cards.card import attachment
from handlers.teams.cards.peer_log import build_follow_up_card, build_training_reminder_card
from storage.models import OutboxMessage


def _card(content: dict[str, Any]) -> OutgoingMessage:
    """A message carrying one card, its fallback as the text notifications show."""
    return OutgoingMessage(text=str(content.get("fallbackText", "")), blocks=[attachment(content)])


def make_support_renderers(services: Services) -> dict[str, Renderer]:
    """Renderers for the follow-up and lapsed-training reminder kinds."""

    async def render_follow_up(row: OutboxMessage) -> OutgoingMessage | None:
        payload = row.payload or {}
        due_on = date.fromisoformat(str(payload.get("due_on")))
        session = await services.support.follow_up_reminder(
            supporter_id=row.recipient, session_id=str(payload.get("session_id", "")), due_on=due_on
        )
        if session is None:
            return None
        return _card(build_follow_up_card(session, due_on=due_on, taxonomy=services.support.taxonomy))

    async def render_training(row: OutboxMessage) -> OutgoingMessage | None:
        status = await services.support.training_reminder(supporter_id=row.recipient)
        return None if status is None else _card(build_training_reminder_card(status))

    return {FOLLOW_UP_KIND: render_follow_up, TRAINING_KIND: render_training}
