"""Render peer-support reminders from the outbox at send time, so a resolved one is never sent."""

from __future__ import annotations

from datetime import date

from bot.delivery import Renderer
from bot.ports import OutgoingMessage
from bot.services import Services
from bot.support import SessionSummary, TrainingStatus
from handlers.shared import support_renderers
from handlers.slack.blocks.peer_log import build_follow_up_message, build_training_reminder_text


def make_support_renderers(services: Services) -> dict[str, Renderer]:
    """Renderers for the follow-up and lapsed-training reminder kinds."""

    def follow_up(session: SessionSummary, due_on: date) -> OutgoingMessage:
        message = build_follow_up_message(session, due_on=due_on, taxonomy=services.support.taxonomy)
        return OutgoingMessage(text=message["text"], blocks=message["blocks"])

    def training(status: TrainingStatus) -> OutgoingMessage:
        return OutgoingMessage(text=build_training_reminder_text(status))

    return support_renderers.make_support_renderers(services, follow_up=follow_up, training=training)
