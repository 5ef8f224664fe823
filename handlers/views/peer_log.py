"""Submitting the `/peer-log` modals: validate in the domain, show errors in place, confirm by DM."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.errors import InvalidInput, PeerPulseError
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
    SessionForm,
    TrainingForm,
)
from handlers.blocks.peer_log import (
    FOLLOW_UP_YES,
    INPUT,
    build_session_confirmation,
    build_training_confirmation,
)
from handlers.replies import answers_privately, user_message_for

log = logging.getLogger(__name__)


def _state(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    values = (view.get("state") or {}).get("values") or {}
    found: dict[str, Any] = (values.get(block_id) or {}).get(INPUT) or {}
    return found


def _selected(view: dict[str, Any], block_id: str) -> str | None:
    option = _state(view, block_id).get("selected_option") or {}
    value = option.get("value")
    return value if isinstance(value, str) else None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def read_session_form(view: dict[str, Any]) -> SessionForm:
    """The session modal's state as a domain form."""
    ticked = _state(view, FOLLOW_UP).get("selected_options") or []
    return SessionForm(
        session_date=_string(_state(view, DATE).get("selected_date")),
        duration_minutes=_string(_state(view, DURATION).get("value")),
        category=_selected(view, CATEGORY),
        contact_channel=_selected(view, CONTACT_CHANNEL),
        outcome=_selected(view, OUTCOME),
        follow_up=any(isinstance(o, dict) and o.get("value") == FOLLOW_UP_YES for o in ticked),
        follow_up_on=_string(_state(view, FOLLOW_UP_ON).get("selected_date")),
        note=_string(_state(view, NOTE).get("value")),
    )


def read_training_form(view: dict[str, Any]) -> TrainingForm:
    """The training modal's state as a domain form."""
    return TrainingForm(
        course=_selected(view, COURSE),
        topic=_string(_state(view, TOPIC).get("value")),
        completed_on=_string(_state(view, COMPLETED_ON).get("selected_date")),
        hours=_string(_state(view, HOURS).get("value")),
    )


def _errors(exc: Exception, *, fallback_block: str) -> dict[str, str]:
    if isinstance(exc, InvalidInput) and exc.fields:
        return exc.fields
    # Errors about the whole form (no longer a supporter, edit window over) sit on its first field.
    return {fallback_block: user_message_for(exc)}


@answers_privately
async def handle_peer_log_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Store a new or edited session, or send the errors back into the modal."""
    services: Services = context["services"]
    view = body.get("view") or {}
    user_id = body["user"]["id"]
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except (ValueError, TypeError):  # not JSON, or not even a string
        meta = {}
    editing = meta.get("edit") if isinstance(meta, dict) else None
    form = read_session_form(view)
    try:
        if isinstance(editing, str):
            saved = await services.support.edit_session(supporter_id=user_id, session_id=editing, form=form)
        else:
            team_id = (body.get("team") or {}).get("id") or services.team_id
            saved = await services.support.log_session(team_id=team_id, supporter_id=user_id, form=form)
    except Exception as exc:
        # Answered in the modal, which keeps what was typed; an unexpected failure is logged too.
        if not isinstance(exc, PeerPulseError):
            log.exception("saving a session failed")
        await ack(response_action="errors", errors=_errors(exc, fallback_block=DATE))
        return
    await ack()
    await client.chat_postMessage(
        channel=user_id, **build_session_confirmation(saved, taxonomy=services.support.taxonomy)
    )


@answers_privately
async def handle_peer_training_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Store a completed training, or send the errors back into the modal."""
    services: Services = context["services"]
    view = body.get("view") or {}
    user_id = body["user"]["id"]
    team_id = (body.get("team") or {}).get("id") or services.team_id
    try:
        saved = await services.support.record_training(
            team_id=team_id, supporter_id=user_id, form=read_training_form(view)
        )
    except Exception as exc:
        if not isinstance(exc, PeerPulseError):
            log.exception("recording a training failed")
        await ack(response_action="errors", errors=_errors(exc, fallback_block=COURSE))
        return
    await ack()
    await client.chat_postMessage(channel=user_id, **build_training_confirmation(saved))
