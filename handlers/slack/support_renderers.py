"""Render peer-support reminders from the outbox at send time, so a resolved one is never sent."""

from __future__ import annotations

from datetime import date

from bot.delivery import Renderer
from bot.ports import OutgoingMessage
from bot.services import Services
from bot.support import FOLLOW_UP_KIND, TRAINING_KIND
from handlers.slack.blocks.peer_log import build_follow_up_message, build_training_reminder_text
from storage.models import OutboxMessage


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
        message = build_follow_up_message(session, due_on=due_on, taxonomy=services.support.taxonomy)
        return OutgoingMessage(text=message["text"], blocks=message["blocks"])

    async def render_training(row: OutboxMessage) -> OutgoingMessage | None:
        status = await services.support.training_reminder(supporter_id=row.recipient)
        if status is None:
            return None
        return OutgoingMessage(text=build_training_reminder_text(status))

    return {FOLLOW_UP_KIND: render_follow_up, TRAINING_KIND: render_training}
