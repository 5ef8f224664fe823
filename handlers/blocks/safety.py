"""The private safety-net reply sent when free text signals risk. Pure builder."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.privacy import load_support_resources


def build_safety_message(kind: str, settings: Settings) -> dict[str, Any]:
    """Text and blocks offering support resources, without repeating what the person wrote."""
    resources = load_support_resources(settings.support_resources_path)
    opener = (
        "Something in what you just wrote made us want to check in. You matter, and you don't have to handle this alone."
        if kind == "self_harm"
        else "Something in what you just wrote sounded like someone could get hurt. Please reach out now."
    )
    lines = [
        f"• *If anyone is in immediate danger:* {resources.emergency_number}",
        f"• *Crisis line (24/7, confidential):* {resources.crisis_line}",
        f"• *Employee Assistance Program:* {resources.eap_contact}",
        f"• *A peer supporter, today:* {resources.peer_supporter_now}",
    ]
    note = "This message is private to you. PeerPulse did not record who wrote the comment."
    text = f"{opener}\n" + "\n".join(lines) + f"\n_{note}_"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f":sunflower: {opener}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]},
    ]
    return {"text": text, "blocks": blocks}
