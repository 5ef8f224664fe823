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
from handlers.blocks.policies import INPUT, build_policy_reviewed_text, build_policy_saved_text
from handlers.replies import answers_privately
from handlers.views.forms import REFUSED, SubmittedView, submit_form, team_of


def read_policy_form(view: SubmittedView) -> PolicyForm:
    """The add / edit modal's state as a domain form."""
    return PolicyForm(
        name=view.text(NAME),
        link=view.text(LINK),
        owner_id=view.user(OWNER),
        interval_months=view.text(INTERVAL),
        last_reviewed_on=view.date(LAST_REVIEWED),
    )


@answers_privately
async def handle_policy_add_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Add a policy to the register, or send the errors back into the modal."""
    services: Services = context["services"]
    user_id = body["user"]["id"]
    view = SubmittedView(body, action_id=INPUT)

    async def add() -> PolicyStatus:
        await services.roles.require_coordinator(user_id)
        return await services.policies.add(team_id=team_of(body, services), form=read_policy_form(view))

    # Errors about the whole form (no longer a coordinator, policy gone) sit on its first field.
    status = await submit_form(ack, add, fallback_block=NAME)
    if status is REFUSED:
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
    view = SubmittedView(body, action_id=INPUT)

    async def edit() -> PolicyStatus:
        await services.roles.require_coordinator(user_id)
        return await services.policies.edit(
            team_id=team_of(body, services), policy_id=view.metadata, form=read_policy_form(view)
        )

    status = await submit_form(ack, edit, fallback_block=NAME)
    if status is REFUSED:
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
    view = SubmittedView(body, action_id=INPUT)

    async def review() -> PolicyStatus:
        await services.roles.require_coordinator(user_id)
        return await services.policies.mark_reviewed(
            team_id=team_of(body, services),
            policy_id=view.metadata,
            reviewed_on=view.date(REVIEWED_ON),
            summary=view.text(SUMMARY),
            reviewed_by=user_id,
        )

    status = await submit_form(ack, review, fallback_block=SUMMARY)
    if status is REFUSED:
        return
    await ack()
    await client.chat_postMessage(
        channel=services.settings.coordinator_channel,
        text=build_policy_reviewed_text(status, user_id=user_id),
    )
