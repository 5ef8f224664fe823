"""Sending the safety net's private reply: straight to the person, never through the outbox or the logs."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.privacy import RiskSignal, detect_risk
from handlers.slack.blocks.safety import build_escalation_message, build_safety_message

log = logging.getLogger(__name__)


def risk_in(text: object) -> RiskSignal | None:
    """The risk a submitted text signals, judged on what was typed, before any check or scrubbing."""
    return detect_risk(text) if isinstance(text, str) else None


async def send_safety_reply(
    client: Any, *, user_id: str, risk: RiskSignal | None, settings: Settings, supporter: bool = False
) -> None:
    """DM support resources (or a supporter's escalation guidance); no copy of the text, no record of who."""
    if risk is None:
        return
    build = build_escalation_message if supporter else build_safety_message
    try:
        # Straight to the person, never through the outbox: no row anywhere records who was sent it.
        await client.chat_postMessage(channel=user_id, **build(risk.kind, settings))
    except SlackApiError as exc:
        # Logged without the user or the text: only that a reply failed, and Slack's reason. Not
        # raised: the submission itself went through, and a "something went wrong" would mislead.
        log.warning("a safety-net reply could not be sent (%s)", exc.response.get("error"))
