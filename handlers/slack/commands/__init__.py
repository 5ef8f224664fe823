"""Slash-command listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.slack.commands.feedback import handle_feedback_command
from handlers.slack.commands.peer_log import handle_peer_log_command
from handlers.slack.commands.pulse import handle_pulse_command


def register(app: AsyncApp) -> None:
    """Attach every slash-command listener."""
    app.command("/pulse")(handle_pulse_command)
    app.command("/peer-log")(handle_peer_log_command)
    app.command("/feedback")(handle_feedback_command)
