"""The private safety-net reply: support for someone whose words signal risk, as on Slack. Pure builder."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.i18n import _
from bot.privacy import load_support_resources
from handlers.teams.cards.card import card, lines, note, text


def build_safety_card(kind: str, settings: Settings) -> dict[str, Any]:
    """Support resources, without repeating what the person wrote; said plainly to be automatic."""
    resources = load_support_resources(settings.support_resources_path)
    opener = (
        _(
            "This message was sent automatically, because some words you just wrote may mean you're going "
            "through something really hard. You matter, and you don't have to handle this alone."
        )
        if kind == "self_harm"
        else _(
            "This message was sent automatically, because some words you just wrote sounded like someone "
            "could get hurt. If anyone is in danger, please reach out now."
        )
    )
    resource_lines = [
        "• " + _("*If anyone is in immediate danger:* {how}").format(how=_(resources.emergency_number)),
        "• " + _("*Crisis line (24/7, confidential):* {how}").format(how=_(resources.crisis_line)),
        "• " + _("*Employee Assistance Program:* {how}").format(how=_(resources.eap_contact)),
        "• " + _("*A peer supporter, today:* {how}").format(how=_(resources.peer_supporter_now)),
    ]
    body = [
        text(f":sunflower: {opener}"),
        {"type": "Container", "items": lines("\n".join(resource_lines))},
        note(
            _(
                "This message is private to you. PeerPulse did not record who wrote, nor keep a copy of what "
                "you wrote in this message — whether or not the text itself was accepted."
            )
        ),
    ]
    return card(body, fallback=opener)
