"""Outbox rows rendered for Teams at send time.

The pulse, its reminder and its close go out as Adaptive Cards (handlers/teams/cards/), whose answer
buttons carry the shared answer token to the `pulse.answer` invoke. Channel posts are cards too: the
digest (one card per outbox row, split to Teams' 28 KB), its chart as an inline image in a card (no
file upload), "you said, we did" updates and the coordinators' announcements.
"""

from __future__ import annotations

import re
from typing import Any

from bot.announcements import ANNOUNCEMENTS
from bot.delivery import Renderer
from bot.digest import DigestChart, DigestView
from bot.ports import OutgoingMessage
from bot.services import Services
from bot.updates import UpdateMessage
from bot.views import read_view
from handlers.teams.cards.announcements import build_announcement_card, build_update_card
from handlers.teams.cards.card import attachment
from handlers.teams.cards.digest import build_chart_card, digest_view_cards
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
            cards = digest_view_cards(view)
            if view.part >= len(cards):
                return None  # queued by a version that split the digest finer: nothing left for it
            return _card(cards[view.part])
        if isinstance(view, UpdateMessage):
            return _card(build_update_card(view.text))
        if isinstance(view, ANNOUNCEMENTS):
            return _card(
                build_announcement_card(view, audience_channel=services.settings.pulse_audience_channel)
            )
        if view is not None:
            raise ValueError(f"a text row holds a {view.kind!r} view")
        return OutgoingMessage(text=str((row.payload or {}).get("text", "")))

    async def render_file(row: OutboxMessage) -> OutgoingMessage | None:
        view = read_view(row.payload)
        if not isinstance(view, DigestChart):
            raise ValueError("a file row on Teams holds a chart view")
        # Bots cannot upload files to a channel without Graph; the chart goes inline in a card.
        return _card(build_chart_card(view))

    return {
        "pulse": render_pulse,
        "pulse_reminder": render_reminder,
        "pulse_closed": render_closed,
        "text": render_text,
        "file": render_file,
    }
