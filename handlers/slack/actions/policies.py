"""Policy register buttons: add, mark reviewed, edit. Coordinators only; each opens its modal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.services import Services
from handlers.slack.blocks.policies import build_policy_modal, build_review_modal
from handlers.slack.open_view import open_view
from handlers.slack.payloads import team_of
from handlers.slack.replies import answers_privately


def _policy_id(body: dict[str, Any]) -> str:
    return str((body.get("actions") or [{}])[0].get("value") or "")


@answers_privately
async def handle_policy_add_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the add-a-policy modal."""
    await ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    # Refused before the modal opens, so nobody fills in a form they can't submit; add checks again.
    await services.roles.require_coordinator(user_id)
    await open_view(
        client, trigger_id=body["trigger_id"], view=build_policy_modal(policy=None, owner_id=user_id)
    )


@answers_privately
async def handle_policy_edit_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the edit modal for a policy."""
    await ack()
    services: Services = context["services"]
    policy = await services.policies.get(
        team_id=team_of(body, services), policy_id=_policy_id(body), by=body["user"]["id"]
    )
    await open_view(
        client,
        trigger_id=body["trigger_id"],
        view=build_policy_modal(policy=policy, owner_id=policy.owner_id),
    )


@answers_privately
async def handle_policy_review_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the mark-reviewed modal for a policy, with its earlier reviews."""
    await ack()
    services: Services = context["services"]
    policy, history = await services.policies.with_history(
        team_id=team_of(body, services), policy_id=_policy_id(body), by=body["user"]["id"], limit=3
    )
    await open_view(
        client,
        trigger_id=body["trigger_id"],
        view=build_review_modal(policy=policy, history=history, today=services.policies.today()),
    )
