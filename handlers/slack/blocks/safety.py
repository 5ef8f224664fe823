"""The private safety-net replies: support for an author, escalation guidance for a supporter. Pure builders."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.i18n import _
from bot.privacy import load_support_resources


def _resource_lines(settings: Settings) -> list[str]:
    resources = load_support_resources(settings.support_resources_path)
    return [
        "• " + _("*If anyone is in immediate danger:* {how}").format(how=_(resources.emergency_number)),
        "• " + _("*Crisis line (24/7, confidential):* {how}").format(how=_(resources.crisis_line)),
        "• " + _("*Employee Assistance Program:* {how}").format(how=_(resources.eap_contact)),
        "• " + _("*A peer supporter, today:* {how}").format(how=_(resources.peer_supporter_now)),
    ]


def _message(opener: str, lines: list[str], note: str) -> dict[str, Any]:
    text = f"{opener}\n" + "\n".join(lines) + f"\n_{note}_"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f":sunflower: {opener}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]},
    ]
    return {"text": text, "blocks": blocks}


def build_safety_message(kind: str, settings: Settings) -> dict[str, Any]:
    """Text and blocks offering support resources, without repeating what the person wrote."""
    # Said plainly that this is automatic: no person read the words to send it.
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
    note = _(
        "This message is private to you. PeerPulse did not record who wrote, nor keep a copy of what you "
        "wrote in this message — whether or not the text itself was accepted."
    )
    return _message(opener, _resource_lines(settings), note)


def build_escalation_message(kind: str, settings: Settings) -> dict[str, Any]:
    """Escalation guidance for a supporter whose session note describes someone at risk."""
    opener = (
        _("Your session note suggests that someone may harm themselves. Please don't carry this alone.")
        if kind == "self_harm"
        else _(
            "Your session note suggests that someone may be in danger, or may harm someone. "
            "Please don't carry this alone."
        )
    )
    steps = [
        "• "
        + _("*Immediate danger:* call the emergency number below now, and stay with the person if you can."),
        "• "
        + _(
            "*Not immediate:* encourage them to contact the crisis line or the EAP today, and offer to help "
            "them make the call."
        ),
        "• "
        + _(
            "*Escalate* following your program's safeguarding procedure: tell your coordinator or safeguarding "
            "lead directly (not in a shared channel), and write down what was said, when, and what you did."
        ),
        "• " + _("*Look after yourself:* talk it through with your coordinator or the EAP."),
    ]
    note = _(
        "This message is private to you and carries no copy of your note. Session notes are never the "
        "place to escalate: nobody is alerted by what you log."
    )
    return _message(opener, [*steps, "", *_resource_lines(settings)], note)
