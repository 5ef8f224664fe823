"""The App Home tab. Pure builder."""

from __future__ import annotations

from typing import Any

from handlers.slack.blocks.pulse import slack_date
from storage.models import SurveyRound


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def build_home_view(
    *,
    current: SurveyRound | None,
    answered: bool,
    opted_out: bool,
    supporters: list[str],
    is_coordinator: bool,
    k: int,
    zone: str,
) -> dict[str, Any]:
    """Home tab: open survey, reaching a peer supporter, and what we promise about privacy."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": "PeerPulse"}}]
    if opted_out:
        survey = "You've opted out of pulse surveys. `/pulse optin` to take part again."
    elif current is None:
        survey = "No pulse survey is open right now. The next one arrives in your DMs."
    elif answered:
        closes = slack_date(current.closes_at, zone=zone)
        survey = f"You've answered this week's pulse — thank you. You can change answers until {closes}."
    else:
        closes = slack_date(current.closes_at, zone=zone)
        survey = f":memo: *A pulse is open* until {closes} — it's in your DMs, under a minute."
    blocks += [_section(f"*Your surveys*\n{survey}"), {"type": "divider"}]
    if supporters:
        names = ", ".join(f"<@{u}>" for u in supporters[:20])
        reach = (
            f"*Talk to a peer supporter*\nTrained colleagues who listen in confidence: {names}. "
            "Message any of them directly — they never record who they helped."
        )
    else:
        reach = "*Talk to a peer supporter*\nThe program is recruiting supporters; your coordinators can help meanwhile."
    blocks += [_section(reach), {"type": "divider"}]
    blocks.append(
        _section(
            "*Our confidentiality promise*\n"
            "• Survey answers are stored *without your name* or anything that could point back to you.\n"
            f"• Results are only ever shown for groups of *{k} or more* people.\n"
            "• Comments are stripped of names, emails and phone numbers before they are saved, "
            "and deleted after the retention period.\n"
            "• Peer supporters never log who they helped. Nobody — coordinators included — sees individual answers.\n"
            "• `/feedback` leaves an anonymous suggestion at any time."
        )
    )
    if is_coordinator:
        blocks += [
            {"type": "divider"},
            _section(
                "*Coordinator tools*\n`/pulse status` · `/pulse send` · `/pulse schedule` · `/pulse questions`"
            ),
        ]
    return {"type": "home", "blocks": blocks}
