"""The reply to someone who writes to the bot: what PeerPulse does, how to answer, where help is. Pure builder."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.privacy import load_support_resources

HELP_OPENER = (
    ":wave: Hi, thanks for writing. I'm PeerPulse, a bot for your workplace's peer-support program, "
    "so no one reads messages sent here and I keep no copy of them."
)
HELP_NOTE = (
    "Anything written here sits in Slack next to your name, so it isn't anonymous. "
    "For anonymous feedback, use `/feedback`."
)


def build_help_message(settings: Settings) -> dict[str, Any]:
    """Text and blocks for the help reply; the same for everyone, and nothing of what they wrote."""
    resources = load_support_resources(settings.support_resources_path)
    what = "\n".join(
        [
            "*What I do*",
            "• Now and then I send you a short pulse here: a few questions, one tap each, under a minute. "
            f"Answers are saved without your name and only shown for groups of {settings.min_group_size} "
            "or more people.",
            "• `/feedback` sends the program an anonymous suggestion or concern.",
            "• `/pulse` shows whether a pulse is open for you; `/pulse optout` stops pulses.",
            "• The *Home* tab shows who the peer supporters are and what we promise about privacy.",
        ]
    )
    help_lines = "\n".join(
        [
            "*If you'd like someone to talk to*",
            f"• *A peer supporter:* {resources.peer_supporter_now}",
            f"• *Employee Assistance Program:* {resources.eap_contact}",
            f"• *Crisis line (24/7, confidential):* {resources.crisis_line}",
            f"• *If anyone is in immediate danger:* {resources.emergency_number}",
        ]
    )
    text = f"{HELP_OPENER}\n{what}\n{help_lines}\n_{HELP_NOTE}_"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": HELP_OPENER}},
        {"type": "section", "text": {"type": "mrkdwn", "text": what}},
        {"type": "section", "text": {"type": "mrkdwn", "text": help_lines}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": HELP_NOTE}]},
    ]
    return {"text": text, "blocks": blocks}


def build_support_line(settings: Settings) -> str:
    """One short line for the anonymous forms: they are not read right away, and where to find a person."""
    resources = load_support_resources(settings.support_resources_path)
    return (
        ":handshake: *Need someone to talk to?* What you write here isn't read right away. A peer supporter "
        f"will listen in confidence; PeerPulse's *Home* tab shows who they are. {resources.emergency_number}"
    )


def build_harm_note(settings: Settings) -> str:
    """The pointer to support under a sensitive answer at its unfavourable end, in the person's own DM."""
    resources = load_support_resources(settings.support_resources_path)
    return "\n".join(
        [
            ":handshake: *You don't have to deal with this alone.* If you'd like to talk to someone:",
            f"• {resources.peer_supporter_now}",
            f"• {resources.eap_contact}",
            f"• {resources.emergency_number}",
            "_You see this because of the answer you chose. It's only here in your DM: nobody is told, "
            "PeerPulse keeps no record of it, and it goes when the pulse closes._",
        ]
    )
