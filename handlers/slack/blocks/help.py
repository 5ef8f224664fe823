"""The reply to someone who writes to the bot: what PeerPulse does, how to answer, where help is. Pure builder."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.i18n import N_, _
from bot.privacy import load_support_resources

HELP_OPENER = N_(
    ":wave: Hi, thanks for writing. I'm PeerPulse, a bot for your workplace's peer-support program, "
    "so no one reads messages sent here and I keep no copy of them."
)
HELP_NOTE = N_(
    "Anything written here sits in Slack next to your name, so it isn't anonymous. "
    "For anonymous feedback, use `/feedback`."
)


def build_help_message(settings: Settings) -> dict[str, Any]:
    """Text and blocks for the help reply; the same for everyone, and nothing of what they wrote."""
    resources = load_support_resources(settings.support_resources_path)
    what = "\n".join(
        [
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
    )
    help_lines = "\n".join(
        [
            _("*If you'd like someone to talk to*"),
            "• " + _("*A peer supporter:* {how}").format(how=_(resources.peer_supporter_now)),
            "• " + _("*Employee Assistance Program:* {how}").format(how=_(resources.eap_contact)),
            "• " + _("*Crisis line (24/7, confidential):* {how}").format(how=_(resources.crisis_line)),
            "• " + _("*If anyone is in immediate danger:* {how}").format(how=_(resources.emergency_number)),
        ]
    )
    opener, note = _(HELP_OPENER), _(HELP_NOTE)
    text = f"{opener}\n{what}\n{help_lines}\n_{note}_"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": opener}},
        {"type": "section", "text": {"type": "mrkdwn", "text": what}},
        {"type": "section", "text": {"type": "mrkdwn", "text": help_lines}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]},
    ]
    return {"text": text, "blocks": blocks}


def build_support_line(settings: Settings) -> str:
    """One short line for the anonymous forms: they are not read right away, and where to find a person."""
    resources = load_support_resources(settings.support_resources_path)
    return _(
        ":handshake: *Need someone to talk to?* What you write here isn't read right away. A peer supporter "
        "will listen in confidence; PeerPulse's *Home* tab shows who they are. {emergency}"
    ).format(emergency=_(resources.emergency_number))


def build_harm_note(settings: Settings, *, ephemeral: bool = False) -> str:
    """The pointer to support under a sensitive answer at its unfavourable end, in the person's own DM.

    `ephemeral`: said in a private reply shown once (where the DM keeps no choices) instead.
    """
    resources = load_support_resources(settings.support_resources_path)
    return "\n".join(
        [
            _(":handshake: *You don't have to deal with this alone.* If you'd like to talk to someone:"),
            f"• {_(resources.peer_supporter_now)}",
            f"• {_(resources.eap_contact)}",
            f"• {_(resources.emergency_number)}",
            _(
                "_You see this because of the answer you chose. Only you can see this message: nobody is "
                "told, PeerPulse keeps no record of it, and it goes when the pulse closes._"
            )
            if ephemeral
            else _(
                "_You see this because of the answer you chose. It's only here in your DM: nobody is told, "
                "PeerPulse keeps no record of it, and it goes when the pulse closes._"
            ),
        ]
    )
