"""Events API listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.slack.events.app_home import handle_app_home_opened_event
from handlers.slack.events.direct_message import handle_direct_message_event


def register(app: AsyncApp) -> None:
    """Attach every event listener."""
    app.event("app_home_opened")(handle_app_home_opened_event)
    # Subscribed as message.im: only direct messages with the bot arrive (edits and bots' posts too).
    app.event("message")(handle_direct_message_event)
