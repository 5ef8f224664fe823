"""Submitting the policy modals: validate in the domain, show errors in place, tell the channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.policies import (
    INTERVAL,
    LAST_REVIEWED,
    LINK,
    NAME,
    OWNER,
    REVIEWED_ON,
    SUMMARY,
    PolicyForm,
    PolicyStatus,
)
from bot.services import Services
from handlers.slack.blocks.policies import INPUT, build_policy_reviewed_text, build_policy_saved_text
from handlers.slack.payloads import team_of
from handlers.slack.replies import answers_privately
from handlers.slack.views.forms import REFUSED, SubmittedView, submit_form


def read_policy_form(view: SubmittedView) -> PolicyForm:
    """The add / edit modal's state as a domain form."""
    return PolicyForm(
        name=view.text(NAME),
        link=view.text(LINK),
        owner_id=view.user(OWNER),
        interval_months=view.text(INTERVAL),
        last_reviewed_on=view.date(LAST_REVIEWED),
    )


async def _save_and_announce(
    ack: Callable[..., Awaitable[None]],
    client: Any,
    services: Services,
    *,
    change: Callable[[], Awaitable[PolicyStatus]],
    fallback_block: str,
    announce: Callable[[PolicyStatus], str],
) -> None:
    """Apply the change (the domain checks the role); refusals stay in the modal, success is announced."""
    status = await submit_form(ack, change, fallback_block=fallback_block)
    if status is REFUSED:
        return
    await ack()
    await client.chat_postMessage(channel=services.settings.coordinator_channel, text=announce(status))


@answers_privately
async def handle_policy_add_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Add a policy to the register, or send the errors back into the modal."""
    services: Services = context["services"]
    user_id = body["user"]["id"]
    view = SubmittedView(body, action_id=INPUT)

    # Errors about the whole form (no longer a coordinator, policy gone) sit on its first field.
    await _save_and_announce(
        ack,
        client,
        services,
        change=lambda: services.policies.add(
            team_id=team_of(body, services), form=read_policy_form(view), by=user_id
        ),
        fallback_block=NAME,
        announce=lambda status: build_policy_saved_text(status, user_id=user_id, added=True),
    )


@answers_privately
async def handle_policy_edit_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Save changes to a policy, or send the errors back into the modal."""
    services: Services = context["services"]
    user_id = body["user"]["id"]
    view = SubmittedView(body, action_id=INPUT)

    await _save_and_announce(
        ack,
        client,
        services,
        change=lambda: services.policies.edit(
            team_id=team_of(body, services), policy_id=view.metadata, form=read_policy_form(view), by=user_id
        ),
        fallback_block=NAME,
        announce=lambda status: build_policy_saved_text(status, user_id=user_id, added=False),
    )


@answers_privately
async def handle_policy_review_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Record a review with its summary, or send the errors back into the modal."""
    services: Services = context["services"]
    user_id = body["user"]["id"]
    view = SubmittedView(body, action_id=INPUT)

    await _save_and_announce(
        ack,
        client,
        services,
        change=lambda: services.policies.mark_reviewed(
            team_id=team_of(body, services),
            policy_id=view.metadata,
            reviewed_on=view.date(REVIEWED_ON),
            summary=view.text(SUMMARY),
            by=user_id,
        ),
        fallback_block=SUMMARY,
        announce=lambda status: build_policy_reviewed_text(status, user_id=user_id),
    )
