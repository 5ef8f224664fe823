"""Submitting the policy modals: validate in the domain, show errors in place (the domain tells the channel)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.policies import (
    INTERVAL,
    LAST_REVIEWED,
    LINK,
    NAME,
    OWNER,
    RETIRE_REASON,
    REVIEWED_ON,
    SUMMARY,
    PolicyForm,
    PolicyStatus,
)
from bot.services import Services
from handlers.slack.blocks.policies import INPUT
from handlers.slack.payloads import team_of
from handlers.slack.replies import answers_privately
from handlers.slack.views.forms import REFUSED, SubmittedView, submit_form

# A change to the register: the services, the team, who submitted, and the submitted modal.
Change = Callable[[Services, str, str, SubmittedView], Awaitable[PolicyStatus]]


def read_policy_form(view: SubmittedView) -> PolicyForm:
    """The add / edit modal's state as a domain form."""
    return PolicyForm(
        name=view.text(NAME),
        link=view.text(LINK),
        owner_id=view.user(OWNER),
        interval_months=view.text(INTERVAL),
        last_reviewed_on=view.date(LAST_REVIEWED),
    )


async def submit_policy_change(
    ack: Callable[..., Awaitable[None]],
    body: dict[str, Any],
    context: dict[str, Any],
    change: Change,
    *,
    fallback_block: str,
) -> None:
    """Apply the change (the domain checks the role and announces it); refusals stay in the modal, and
    errors about the whole form (no longer a coordinator, policy gone) sit on `fallback_block`."""
    services: Services = context["services"]
    view = SubmittedView(body, action_id=INPUT)
    team_id, user_id = team_of(body, services), body["user"]["id"]
    status = await submit_form(
        ack, lambda: change(services, team_id, user_id, view), fallback_block=fallback_block
    )
    if status is not REFUSED:
        await ack()


@answers_privately
async def handle_policy_add_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Add a policy to the register, or send the errors back into the modal."""
    await submit_policy_change(
        ack,
        body,
        context,
        lambda services, team_id, user_id, view: services.policies.add(
            team_id=team_id, form=read_policy_form(view), by=user_id
        ),
        fallback_block=NAME,
    )


@answers_privately
async def handle_policy_edit_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Save changes to a policy, or send the errors back into the modal."""
    await submit_policy_change(
        ack,
        body,
        context,
        lambda services, team_id, user_id, view: services.policies.edit(
            team_id=team_id, policy_id=view.metadata, form=read_policy_form(view), by=user_id
        ),
        fallback_block=NAME,
    )


@answers_privately
async def handle_policy_review_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Record a review with its summary, or send the errors back into the modal."""
    await submit_policy_change(
        ack,
        body,
        context,
        lambda services, team_id, user_id, view: services.policies.mark_reviewed(
            team_id=team_id,
            policy_id=view.metadata,
            reviewed_on=view.date(REVIEWED_ON),
            summary=view.text(SUMMARY),
            by=user_id,
        ),
        fallback_block=SUMMARY,
    )


@answers_privately
async def handle_policy_retire_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Retire a policy with the reason given, or send the errors back into the modal."""
    services: Services = context["services"]
    view = SubmittedView(body, action_id=INPUT)
    team_id, user_id = team_of(body, services), body["user"]["id"]
    retired = await submit_form(
        ack,
        lambda: services.policies.retire(
            team_id=team_id, policy_id=view.metadata, reason=view.text(RETIRE_REASON), by=user_id
        ),
        fallback_block=RETIRE_REASON,
    )
    if retired is not REFUSED:
        await ack()
