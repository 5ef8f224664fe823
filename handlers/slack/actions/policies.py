"""Policy register buttons: add, mark reviewed, edit. Coordinators only; each opens its modal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.errors import InvalidInput
from bot.i18n import _
from bot.services import Services
from handlers.slack.blocks.policies import (
    build_policies_blocks,
    build_policy_modal,
    build_retire_modal,
    build_retired_policies_blocks,
    build_review_modal,
)
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


@answers_privately
async def handle_policy_retire_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the retire modal for a policy (it asks why)."""
    await ack()
    services: Services = context["services"]
    policy = await services.policies.get(
        team_id=team_of(body, services), policy_id=_policy_id(body), by=body["user"]["id"]
    )
    await open_view(client, trigger_id=body["trigger_id"], view=build_retire_modal(policy=policy))


async def register_message(
    services: Services, *, team_id: str, user_id: str, view: str, notice: str = ""
) -> dict[str, Any]:
    """The register (view "active") or the retired list, as a message."""
    if view == "retired":
        retired = await services.policies.register(team_id=team_id, by=user_id, view="retired")
        return {
            "text": _("Retired policies"),
            "blocks": build_retired_policies_blocks(retired, notice=notice),
        }
    if view != "active":
        raise InvalidInput(_("That button isn't one of PeerPulse's."))
    return {
        "text": _("Policy register"),
        "blocks": build_policies_blocks(await services.policies.register(team_id=team_id, by=user_id)),
    }


@answers_privately
async def handle_policy_show_action(
    ack: Callable[..., Awaitable[None]],
    body: dict[str, Any],
    client: Any,
    respond: Callable[..., Awaitable[Any]],
    context: dict[str, Any],
) -> None:
    """Switch the list in place between the register and the retired policies."""
    await ack()
    services: Services = context["services"]
    message = await register_message(
        services, team_id=team_of(body, services), user_id=body["user"]["id"], view=_policy_id(body)
    )
    await respond(replace_original=True, response_type="ephemeral", **message)


@answers_privately
async def handle_policy_unretire_action(
    ack: Callable[..., Awaitable[None]],
    body: dict[str, Any],
    client: Any,
    respond: Callable[..., Awaitable[Any]],
    context: dict[str, Any],
) -> None:
    """Bring a retired policy back (Slack asked to confirm), then redraw the retired list."""
    await ack()
    services: Services = context["services"]
    team_id, user_id = team_of(body, services), body["user"]["id"]
    status = await services.policies.unretire(team_id=team_id, policy_id=_policy_id(body), by=user_id)
    message = await register_message(
        services,
        team_id=team_id,
        user_id=user_id,
        view="retired",
        notice=_("“{name}” is back in the register.").format(name=status.policy.name),
    )
    await respond(replace_original=True, response_type="ephemeral", **message)
