"""Render outbox rows into Slack messages at send time; what each carries is the domain's (bot/ballots.py)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from bot.delivery import Renderer
from bot.ports import OutgoingFile, OutgoingMessage
from bot.services import Services
from handlers.slack.blocks.mrkdwn import escape
from handlers.slack.blocks.pulse import (
    PULSE_CLOSED_TEXT,
    build_pulse_blocks,
    build_pulse_closed_blocks,
    build_reminder_text,
    pulse_fallback_text,
    pulse_permalink,
)
from handlers.slack.policy_renderers import make_policy_renderers
from handlers.slack.support_renderers import make_support_renderers
from storage.models import OutboxMessage


def make_renderers(
    services: Services, *, workspace_url: Callable[[], str | None] = lambda: None
) -> dict[str, Renderer]:
    """Renderers by outbox kind; `workspace_url` (from auth.test) lets a reminder link to the pulse DM."""

    async def render_pulse(row: OutboxMessage) -> OutgoingMessage | None:
        pulse = await services.ballots.ballot_for(round_id=row.round_id or "", recipient=row.recipient)
        if pulse is None:
            return None
        blocks = build_pulse_blocks(
            tag=pulse.tag,
            round_id=pulse.round_id,
            questions=pulse.questions,
            ballot=pulse.ballot,
            answered=frozenset(),
            closes_at=pulse.closes_at,
            promise=pulse.promise,
            since_last_time=escape(pulse.since_last_time) if pulse.since_last_time else None,
        )
        return OutgoingMessage(text=pulse_fallback_text(0, len(pulse.questions)), blocks=blocks)

    async def render_reminder(row: OutboxMessage) -> OutgoingMessage | None:
        reminder = await services.ballots.reminder_for(round_id=row.round_id or "", recipient=row.recipient)
        if reminder is None:
            return None
        url = workspace_url()
        link = (
            pulse_permalink(url, channel=reminder.pulse.conversation, ts=reminder.pulse.ref)
            if url and reminder.pulse is not None
            else None
        )
        return OutgoingMessage(
            text=build_reminder_text(reminder.closes_at, reminder.promise, pulse_link=link)
        )

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
