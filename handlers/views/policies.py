"""Submitting the policy modals: validate in the domain, show errors in place, tell the channel."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.errors import InvalidInput, PeerPulseError
from bot.policies import INTERVAL, LAST_REVIEWED, LINK, NAME, OWNER, REVIEWED_ON, SUMMARY, PolicyForm
from bot.services import Services
from handlers.blocks.policies import INPUT, build_policy_reviewed_text, build_policy_saved_text
from handlers.replies import answers_privately, user_message_for

log = logging.getLogger(__name__)


def _state(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    values = (view.get("state") or {}).get("values") or {}
    found: dict[str, Any] = (values.get(block_id) or {}).get(INPUT) or {}
    return found


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def read_policy_form(view: dict[str, Any]) -> PolicyForm:
    """The add / edit modal's state as a domain form."""
    return PolicyForm(
        name=_string(_state(view, NAME).get("value")),
        link=_string(_state(view, LINK).get("value")),
        owner_id=_string(_state(view, OWNER).get("selected_user")),
        interval_months=_string(_state(view, INTERVAL).get("value")),
        last_reviewed_on=_string(_state(view, LAST_REVIEWED).get("selected_date")),
    )


def _errors(exc: Exception, *, fallback_block: str) -> dict[str, str]:
    if isinstance(exc, InvalidInput) and exc.fields:
        return exc.fields
    # Errors about the whole form (no longer a coordinator, policy gone) sit on its first field.
    return {fallback_block: user_message_for(exc)}


def _team(body: dict[str, Any], services: Services) -> str:
    return str((body.get("team") or {}).get("id") or services.team_id)


@answers_privately
async def handle_policy_add_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Add a policy to the register, or send the errors back into the modal."""
    services: Services = context["services"]
    user_id = body["user"]["id"]
    view = body.get("view") or {}
    try:
        await services.roles.require_coordinator(user_id)
        status = await services.policies.add(team_id=_team(body, services), form=read_policy_form(view))
    except Exception as exc:
        # Answered in the modal, which keeps what was typed; an unexpected failure is logged too.
        if not isinstance(exc, PeerPulseError):
            log.exception("adding a policy failed")
        await ack(response_action="errors", errors=_errors(exc, fallback_block=NAME))
        return
    await ack()
    await client.chat_postMessage(
        channel=services.settings.coordinator_channel,
        text=build_policy_saved_text(status, user_id=user_id, added=True),
    )


@answers_privately
async def handle_policy_edit_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Save changes to a policy, or send the errors back into the modal."""
    services: Services = context["services"]
    user_id = body["user"]["id"]
    view = body.get("view") or {}
    try:
        await services.roles.require_coordinator(user_id)
        status = await services.policies.edit(
            team_id=_team(body, services),
            policy_id=str(view.get("private_metadata") or ""),
            form=read_policy_form(view),
        )
    except Exception as exc:
        if not isinstance(exc, PeerPulseError):
            log.exception("editing a policy failed")
        await ack(response_action="errors", errors=_errors(exc, fallback_block=NAME))
        return
    await ack()
    await client.chat_postMessage(
        channel=services.settings.coordinator_channel,
        text=build_policy_saved_text(status, user_id=user_id, added=False),
    )


@answers_privately
async def handle_policy_review_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Record a review with its summary, or send the errors back into the modal."""
    services: Services = context["services"]
    user_id = body["user"]["id"]
    view = body.get("view") or {}
    try:
        await services.roles.require_coordinator(user_id)
        status = await services.policies.mark_reviewed(
            team_id=_team(body, services),
            policy_id=str(view.get("private_metadata") or ""),
            reviewed_on=_string(_state(view, REVIEWED_ON).get("selected_date")),
            summary=_string(_state(view, SUMMARY).get("value")),
            reviewed_by=user_id,
        )
    except Exception as exc:
        if not isinstance(exc, PeerPulseError):
            log.exception("recording a policy review failed")
        await ack(response_action="errors", errors=_errors(exc, fallback_block=SUMMARY))
        return
    await ack()
    await client.chat_postMessage(
        channel=services.settings.coordinator_channel,
        text=build_policy_reviewed_text(status, user_id=user_id),
    )
