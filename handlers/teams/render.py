"""Outbox rows rendered for Teams at send time.

The pulse, its reminder and its close go out as Adaptive Cards (handlers/teams/cards/), whose answer
buttons carry the shared answer token to the `pulse.answer` invoke. Channel posts (the digest,
updates, announcements) are still plain text until their cards exist.
"""

from __future__ import annotations

import re
from typing import Any

from bot.announcements import ANNOUNCEMENTS
from bot.delivery import Renderer
from bot.digest import DigestChart, DigestView
from bot.ports import OutgoingFile, OutgoingMessage
from bot.services import Services
from bot.updates import UpdateMessage
from bot.views import read_view
from handlers.teams.cards.card import attachment
from handlers.teams.cards.pulse import build_pulse_card, build_pulse_closed_card, build_reminder_card
from storage.models import OutboxMessage

# Slack's emoji shortcodes in shared catalogue strings mean nothing in Teams' plain text.
_SHORTCODE = re.compile(r":[a-z_]+:\s*")


def plain(text: str) -> str:
    """A catalogue string as Teams text: no emoji shortcodes, typed commands without Slack's slash."""
    return _SHORTCODE.sub("", text).replace("`/pulse", "`pulse")


def _card(content: dict[str, Any], **changes: Any) -> OutgoingMessage:
    """A message carrying one card, its fallback as the text notifications show."""
    return OutgoingMessage(text=str(content.get("fallbackText", "")), blocks=[attachment(content)], **changes)


def make_renderers(services: Services) -> dict[str, Renderer]:
    """Renderers by outbox kind (the pulse, its reminder and close, channel posts, the chart)."""

    async def render_pulse(row: OutboxMessage) -> OutgoingMessage | None:
        pulse = await services.ballots.ballot_for(round_id=row.round_id or "", recipient=row.recipient)
        return None if pulse is None else _card(build_pulse_card(pulse))

    async def render_reminder(row: OutboxMessage) -> OutgoingMessage | None:
        reminder = await services.ballots.reminder_for(round_id=row.round_id or "", recipient=row.recipient)
        if reminder is None:
            return None
        return _card(build_reminder_card(reminder))

    async def render_closed(row: OutboxMessage) -> OutgoingMessage | None:
        # Everyone's pulse becomes the same words, with nothing left to tap.
        if row.message_ref is None:
            return None
        return _card(build_pulse_closed_card(), replaces=row.message_ref)

    async def render_text(row: OutboxMessage) -> OutgoingMessage | None:
        view = read_view(row.payload)
        if isinstance(view, DigestView):
            # One line per part until the cards draw the digest.
            return OutgoingMessage(text=f"PeerPulse weekly digest · {view.report.generated_at:%d %b %Y}")
        if isinstance(view, UpdateMessage):
            return OutgoingMessage(text=view.text)
        if isinstance(view, ANNOUNCEMENTS):
            return OutgoingMessage(text=view.kind.replace("_", " "))
        if view is not None:
            raise ValueError(f"a text row holds a {view.kind!r} view")
        return OutgoingMessage(text=str((row.payload or {}).get("text", "")))

    async def render_file(row: OutboxMessage) -> OutgoingMessage | None:
        view = read_view(row.payload)
        if not isinstance(view, DigestChart):
            raise ValueError("a file row on Teams holds a chart view")
        file = OutgoingFile(
            filename=view.filename, title=view.title, content=view.png, alt_text=view.alt_text
        )
        return OutgoingMessage(text=view.caption, file=file)

    return {
        "pulse": render_pulse,
        "pulse_reminder": render_reminder,
        "pulse_closed": render_closed,
        "text": render_text,
        "file": render_file,
    }
