"""App Home: the open survey, how to reach a supporter, the confidentiality promise."""

from __future__ import annotations

from typing import Any

from bot.services import Services
from handlers.slack.blocks.home import build_home_view


async def handle_app_home_opened_event(event: dict[str, Any], client: Any, context: dict[str, Any]) -> None:
    """Publish the user's Home tab."""
    if event.get("tab", "home") != "home":
        return
    services: Services = context["services"]
    user_id = event["user"]
    team_id = context.get("team_id") or services.team_id
    current = await services.surveys.current_round(team_id=team_id)
    answered = (
        await services.surveys.has_answered(team_id=team_id, user_id=user_id, round_id=current.id)
        if current is not None
        else False
    )
    view = build_home_view(
        current=current,
        answered=answered,
        opted_out=await services.surveys.is_opted_out(team_id=team_id, user_id=user_id),
        supporters=sorted(await services.roles.supporters()),
        is_coordinator=await services.roles.is_coordinator(user_id),
        k=services.settings.min_group_size,
        zone=services.settings.default_timezone,
    )
    await client.views_publish(user_id=user_id, view=view)
