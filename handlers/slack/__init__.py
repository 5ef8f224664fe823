"""Slack: Bolt listeners, Block Kit builders, the Web API adapter and a simulated workspace.

Thin: ack, parse, call bot/, render."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.slack import actions, commands, events, fallbacks, views


def register(app: AsyncApp) -> None:
    """Attach every listener to the app."""
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
    fallbacks.register(app)  # last: only what nothing else matched
