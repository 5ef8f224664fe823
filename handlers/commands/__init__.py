"""Slash-command listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.commands.pulse import handle_pulse_command


def register(app: AsyncApp) -> None:
    """Attach every slash-command listener."""
    app.command("/pulse")(handle_pulse_command)
