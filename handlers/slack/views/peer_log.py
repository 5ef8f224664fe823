"""Submitting the `/peer-log` modals: validate in the domain, show errors in place, confirm by DM.

A note that describes someone at risk gets the supporter escalation guidance, saved or not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.services import Services
from bot.support import (
    CATEGORY,
    COMPLETED_ON,
    CONTACT_CHANNEL,
    COURSE,
    DATE,
    DURATION,
    FOLLOW_UP,
    FOLLOW_UP_ON,
    HOURS,
    NOTE,
    OUTCOME,
    TOPIC,
    SavedSession,
    SessionForm,
    TrainingForm,
)
from handlers.slack.blocks.peer_log import (
    FOLLOW_UP_YES,
    INPUT,
    build_session_confirmation,
    build_training_confirmation,
)
from handlers.slack.payloads import team_of
from handlers.slack.replies import answers_privately
from handlers.slack.views.forms import REFUSED, SubmittedView, submit_form
from handlers.slack.views.safety_net import risk_in, send_safety_reply


def read_session_form(view: SubmittedView) -> SessionForm:
    """The session modal's state as a domain form."""
    return SessionForm(
        session_date=view.date(DATE),
        duration_minutes=view.text(DURATION),
        category=view.option(CATEGORY),
        contact_channel=view.option(CONTACT_CHANNEL),
        outcome=view.option(OUTCOME),
        follow_up=FOLLOW_UP_YES in view.options(FOLLOW_UP),
        follow_up_on=view.date(FOLLOW_UP_ON),
        note=view.text(NOTE),
    )


def read_training_form(view: SubmittedView) -> TrainingForm:
    """The training modal's state as a domain form."""
    return TrainingForm(
        course=view.option(COURSE),
        topic=view.text(TOPIC),
        completed_on=view.date(COMPLETED_ON),
        hours=view.text(HOURS),
    )


@answers_privately
async def handle_peer_log_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Store a new or edited session, or send the errors back into the modal."""
    services: Services = context["services"]
    view = SubmittedView(body, action_id=INPUT)
    user_id = body["user"]["id"]
    editing = view.metadata_fields().get("edit")
    form = read_session_form(view)

    async def save() -> SavedSession:
        if editing is not None:
            return await services.support.edit_session(supporter_id=user_id, session_id=editing, form=form)
        return await services.support.log_session(
            team_id=team_of(body, services), supporter_id=user_id, form=form
        )

    # Judged on what was typed, before any check: a note refused for naming someone still gets an answer.
    risk = risk_in(form.note)
    try:
        # Errors about the whole form (no longer a supporter, edit window over) sit on its first field.
        saved = await submit_form(ack, save, fallback_block=DATE)
        if saved is REFUSED:
            return
        await ack()
        await client.chat_postMessage(
            channel=user_id, **build_session_confirmation(saved, taxonomy=services.support.taxonomy)
        )
    finally:
        await send_safety_reply(
            client, user_id=user_id, risk=risk, settings=services.settings, supporter=True
        )


@answers_privately
async def handle_peer_training_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Store a completed training, or send the errors back into the modal."""
    services: Services = context["services"]
    view = SubmittedView(body, action_id=INPUT)
    user_id = body["user"]["id"]
    team_id = team_of(body, services)
    saved = await submit_form(
        ack,
        lambda: services.support.record_training(
            team_id=team_id, supporter_id=user_id, form=read_training_form(view)
        ),
        fallback_block=COURSE,
    )
    if saved is REFUSED:
        return
    await ack()
    await client.chat_postMessage(channel=user_id, **build_training_confirmation(saved))
