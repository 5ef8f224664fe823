"""Render outbox rows into Slack messages at send time; what each carries is the domain's (bot/ballots.py)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Any

from bot.announcements import ANNOUNCEMENTS
from bot.delivery import Renderer
from bot.digest import DigestChart, DigestView
from bot.i18n import _
from bot.ports import OutgoingFile, OutgoingMessage
from bot.services import Services
from bot.updates import UpdateMessage
from bot.views import read_view
from handlers.slack.blocks.announcements import build_announcement
from handlers.slack.blocks.digest import digest_view_messages
from handlers.slack.blocks.mrkdwn import escape
from handlers.slack.blocks.pulse import (
    PULSE_CLOSED_TEXT,
    build_pulse_blocks,
    build_pulse_closed_blocks,
    build_reminder_text,
    pulse_fallback_text,
    pulse_permalink,
)
from handlers.slack.blocks.updates import build_update_message
from handlers.slack.policy_renderers import make_policy_renderers
from handlers.slack.support_renderers import make_support_renderers
from storage.models import OutboxMessage

log = logging.getLogger(__name__)


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
            text=_(PULSE_CLOSED_TEXT), blocks=build_pulse_closed_blocks(), replaces=row.message_ref
        )

    async def render_text(row: OutboxMessage) -> OutgoingMessage | None:
        view = read_view(row.payload)
        if isinstance(view, DigestView):
            messages = digest_view_messages(view)
            if view.part >= len(messages):
                return None  # queued by a version that split the digest finer: nothing left for it
            message = messages[view.part]
            if view.part == view.parts - 1 and len(messages) > view.parts:
                # Queued by a version that split it coarser: one row carries one message only.
                log.warning("digest now takes %d messages, %d were queued", len(messages), view.parts)
            return OutgoingMessage(text=str(message["text"]), blocks=message["blocks"])
        if isinstance(view, UpdateMessage):
            update = build_update_message(view.text)
            return OutgoingMessage(text=str(update["text"]), blocks=update["blocks"])
        if isinstance(view, ANNOUNCEMENTS):
            note = build_announcement(view, audience_channel=services.settings.pulse_audience_channel)
            return OutgoingMessage(text=str(note["text"]), blocks=note.get("blocks"))
        if view is not None:
            raise ValueError(f"a text row holds a {view.kind!r} view")
        # Queued by a version that stored rendered Block Kit: sent as it was stored.
        payload: dict[str, Any] = row.payload or {}
        return OutgoingMessage(text=str(payload.get("text", "")), blocks=payload.get("blocks"))

    async def render_file(row: OutboxMessage) -> OutgoingMessage | None:
        view = read_view(row.payload)
        if isinstance(view, DigestChart):
            file = OutgoingFile(
                filename=view.filename, title=view.title, content=view.png, alt_text=view.alt_text
            )
            return OutgoingMessage(text=view.caption, file=file)
        if view is not None:
            raise ValueError(f"a file row holds a {view.kind!r} view")
        # Queued by a version that stored the file itself, base64-encoded.
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
