"""Peer-support reminders from the outbox, rendered at send time so a resolved one is never sent.

The platform-free half of each platform's renderers: read the queued row and ask the domain whether the
reminder still applies; the platform draws what it gets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.delivery import Renderer
from bot.ports import OutgoingMessage
from bot.services import Services
from bot.support import FOLLOW_UP_KIND, TRAINING_KIND, SessionSummary, TrainingStatus
from storage.models import OutboxMessage

# Draws a follow-up reminder that is still open: the session and the day it was due.
DrawFollowUp = Callable[[SessionSummary, date], OutgoingMessage]
# Draws the reminder to a supporter whose training is still lapsed.
DrawTraining = Callable[[TrainingStatus], OutgoingMessage]


def make_support_renderers(
    services: Services, *, follow_up: DrawFollowUp, training: DrawTraining
) -> dict[str, Renderer]:
    """Renderers for the follow-up and lapsed-training reminder kinds, drawing with the platform's own."""

    async def render_follow_up(row: OutboxMessage) -> OutgoingMessage | None:
        payload = row.payload or {}
        due_on = date.fromisoformat(str(payload.get("due_on")))
        session = await services.support.follow_up_reminder(
            supporter_id=row.recipient, session_id=str(payload.get("session_id", "")), due_on=due_on
        )
        return None if session is None else follow_up(session, due_on)

    async def render_training(row: OutboxMessage) -> OutgoingMessage | None:
        status = await services.support.training_reminder(supporter_id=row.recipient)
        return None if status is None else training(status)

    return {FOLLOW_UP_KIND: render_follow_up, TRAINING_KIND: render_training}
