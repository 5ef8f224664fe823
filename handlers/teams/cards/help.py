"""The help reply, the support line of the anonymous forms and the harm note, as on Slack. Pure builders."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.i18n import N_, _
from bot.privacy import load_support_resources
from handlers.teams.cards.card import card, lines, note, text

HELP_OPENER = N_(
    ":wave: Hi, thanks for writing. I'm PeerPulse, a bot for your workplace's peer-support program, "
    "so no one reads messages sent here and I keep no copy of them."
)
HELP_NOTE = N_(
    "Anything written here sits in Slack next to your name, so it isn't anonymous. "
    "For anonymous feedback, use `/feedback`."
)


def build_help_card(settings: Settings) -> dict[str, Any]:
    """The reply to someone who writes to the bot; the same for everyone, and nothing of what they wrote."""
    resources = load_support_resources(settings.support_resources_path)
    what = [
        _("*What I do*"),
        "• "
        + _(
            "Now and then I send you a short pulse here: a few questions, one tap each, under a minute. "
            "Answers are saved without your name and only shown for groups of {k} or more people."
        ).format(k=settings.min_group_size),
        "• " + _("`/feedback` sends the program an anonymous suggestion or concern."),
        "• " + _("`/pulse` shows whether a pulse is open for you; `/pulse optout` stops pulses."),
        "• " + _("The *Home* tab shows who the peer supporters are and what we promise about privacy."),
    ]
    help_lines = [
        _("*If you'd like someone to talk to*"),
        "• " + _("*A peer supporter:* {how}").format(how=_(resources.peer_supporter_now)),
        "• " + _("*Employee Assistance Program:* {how}").format(how=_(resources.eap_contact)),
        "• " + _("*Crisis line (24/7, confidential):* {how}").format(how=_(resources.crisis_line)),
        "• " + _("*If anyone is in immediate danger:* {how}").format(how=_(resources.emergency_number)),
    ]
    body = [
        text(_(HELP_OPENER)),
        {"type": "Container", "items": lines("\n".join(what))},
        {"type": "Container", "items": lines("\n".join(help_lines))},
        note(_(HELP_NOTE)),
    ]
    return card(body, fallback=_(HELP_OPENER))


def build_support_line(settings: Settings) -> str:
    """One short line for the anonymous forms: they are not read right away, and where to find a person."""
    resources = load_support_resources(settings.support_resources_path)
    return _(
        ":handshake: *Need someone to talk to?* What you write here isn't read right away. A peer supporter "
        "will listen in confidence; PeerPulse's *Home* tab shows who they are. {emergency}"
    ).format(emergency=_(resources.emergency_number))


def build_harm_note(settings: Settings) -> str:
    """The pointer to support under a sensitive answer at its unfavourable end, on the person's own card."""
    resources = load_support_resources(settings.support_resources_path)
    return "\n".join(
        [
            _(":handshake: *You don't have to deal with this alone.* If you'd like to talk to someone:"),
            f"• {_(resources.peer_supporter_now)}",
            f"• {_(resources.eap_contact)}",
            f"• {_(resources.emergency_number)}",
            _(
                "_You see this because of the answer you chose. It's only here in your DM: nobody is told, "
                "PeerPulse keeps no record of it, and it goes when the pulse closes._"
            ),
        ]
    )
