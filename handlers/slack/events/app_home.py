"""App Home: what each person's roles let them see, decided by the domain (bot/home.py)."""

from __future__ import annotations

from typing import Any

from bot.services import Services
from handlers.slack.blocks.home import app_messages_link, build_home_view


async def handle_app_home_opened_event(
    event: dict[str, Any], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Publish the user's Home tab (views.publish, Tier 4: one call per open)."""
    if event.get("tab", "home") != "home":
        return
    services: Services = context["services"]
    team_id = context.get("team_id") or services.team_id
    home = await services.home.build(team_id=team_id, by=event["user"])
    app_id = str(body.get("api_app_id") or "")
    view = build_home_view(
        home,
        taxonomy=services.support.taxonomy,
        zone=services.settings.default_timezone,
        # The envelope names the app: a link to its Messages tab, where the person's pulse DM is.
        messages_link=app_messages_link(app_id=app_id, team_id=team_id) if app_id and team_id else None,
    )
    await client.views_publish(user_id=event["user"], view=view)
