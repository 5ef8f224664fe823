"""Slack glue: Bolt listeners and Block Kit builders. Thin: ack, parse, call bot/, render."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import actions, commands, events, fallbacks, views


def register(app: AsyncApp) -> None:
    """Attach every listener to the app."""
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
    fallbacks.register(app)  # last: only what nothing else matched
