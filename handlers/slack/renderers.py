"""Render outbox rows into Slack messages at send time (so each DM gets a fresh ballot)."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from bot.delivery import Renderer
from bot.ports import OutgoingFile, OutgoingMessage
from bot.services import Services
from bot.surveys import ballot_tag
from handlers.slack.blocks.mrkdwn import escape
from handlers.slack.blocks.pulse import (
    PULSE_CLOSED_TEXT,
    build_pulse_blocks,
    build_pulse_closed_blocks,
    build_reminder_text,
    pulse_fallback_text,
)
from handlers.slack.policy_renderers import make_policy_renderers
from handlers.slack.support_renderers import make_support_renderers
from storage.models import OutboxMessage


def make_renderers(services: Services) -> dict[str, Renderer]:
    """Renderers by outbox kind."""
    # A round's "since last time" line is fixed at its opening, so a fan-out looks it up once.
    since_by_round: dict[str, str | None] = {}

    async def render_pulse(row: OutboxMessage) -> OutgoingMessage | None:
        round_ = await services.surveys.get_round(row.round_id or "")
        if round_ is None or round_.closed_at is not None:
            return None
        if await services.surveys.is_opted_out(team_id=round_.team_id, user_id=row.recipient):
            return None
        questions = services.surveys.questions_of(round_)
        # The ballot exists only inside this DM; the database never learns whose it is.
        ballot = secrets.token_hex(16)
        tag = ballot_tag(services.settings.peerpulse_secret, ballot=ballot, user_id=row.recipient)
        if round_.id not in since_by_round:
            if len(since_by_round) > 64:
                since_by_round.clear()
            since_by_round[round_.id] = await services.updates.since_last_time(
                team_id=round_.team_id, as_of=round_.opened_at
            )
        since = since_by_round[round_.id]
        blocks = build_pulse_blocks(
            tag=tag,
            round_id=round_.id,
            questions=questions,
            ballot=ballot,
            answered=frozenset(),
            closes_at=round_.closes_at,
            since_last_time=escape(since) if since else None,
        )
        return OutgoingMessage(text=pulse_fallback_text(0, len(questions)), blocks=blocks)

    async def render_reminder(row: OutboxMessage) -> OutgoingMessage | None:
        round_ = await services.surveys.get_round(row.round_id or "")
        if round_ is None or round_.closed_at is not None or services.clock.now() >= round_.closes_at:
            return None
        team_id, user_id = round_.team_id, row.recipient
        # Sent whether or not the person has answered: a reminder only some receive would stay in
        # Slack (and, until erased, in the outbox) as a record of who had not answered.
        if await services.surveys.is_opted_out(team_id=team_id, user_id=user_id):
            return None
        return OutgoingMessage(text=build_reminder_text(round_.closes_at))

    async def render_closed(row: OutboxMessage) -> OutgoingMessage | None:
        # Answerers and non-answerers, commenters or not: one identical message, nothing to click.
        if row.message_ref is None:
            return None
        return OutgoingMessage(
            text=PULSE_CLOSED_TEXT, blocks=build_pulse_closed_blocks(), replaces=row.message_ref
        )

    async def render_text(row: OutboxMessage) -> OutgoingMessage | None:
        payload: dict[str, Any] = row.payload or {}
        return OutgoingMessage(text=str(payload.get("text", "")), blocks=payload.get("blocks"))

    async def render_file(row: OutboxMessage) -> OutgoingMessage | None:
        payload: dict[str, Any] = row.payload or {}
        file = OutgoingFile(
            filename=str(payload["filename"]),
            title=str(payload.get("title") or payload["filename"]),
            content=base64.b64decode(str(payload["content_b64"])),
        )
        return OutgoingMessage(text=str(payload.get("text", "")), file=file)

    return {
        "pulse": render_pulse,
        "pulse_reminder": render_reminder,
        "pulse_closed": render_closed,
        "text": render_text,
        "file": render_file,
        # Peer-support reminders re-check at send time: done, snoozed or trained since queueing means no DM.
        **make_support_renderers(services),
        # Policy reminders re-check at send time: a review recorded since queueing means no reminder.
        **make_policy_renderers(services),
    }
