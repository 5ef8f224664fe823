"""Buttons of `/peer-log`: Edit and Delete in the supporter's list, Done and Snooze on follow-up DMs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from bot.errors import InvalidInput
from bot.i18n import _
from bot.services import Services
from handlers.slack.blocks.peer_log import (
    build_follow_up_resolved,
    build_session_list_message,
    build_session_modal,
    decode_follow_up,
)
from handlers.slack.open_view import open_view
from handlers.slack.replies import answers_privately


def _clicked_value(body: dict[str, Any]) -> str:
    try:
        value = body["actions"][0]["value"]
    except (KeyError, IndexError, TypeError):
        value = None
    if not isinstance(value, str) or not value:
        raise InvalidInput(_("That button isn't one of PeerPulse's."))
    return value


def _follow_up(body: dict[str, Any]) -> tuple[str, date]:
    try:
        return decode_follow_up(_clicked_value(body))
    except ValueError:
        raise InvalidInput(_("That button isn't one of PeerPulse's.")) from None


@answers_privately
async def handle_peer_log_edit_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the session modal prefilled, if the session is the clicker's and still editable."""
    await ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    # One indexed read and the cached role check: well inside the trigger's 3 seconds.
    session = await services.support.session_for_edit(supporter_id=user_id, session_id=_clicked_value(body))
    view = build_session_modal(
        taxonomy=services.support.taxonomy, today=services.support.cached_today(user_id), session=session
    )
    await open_view(client, trigger_id=body["trigger_id"], view=view)
    services.spawn(services.support.warm_directory())


@answers_privately
async def handle_peer_log_delete_action(
    ack: Callable[..., Awaitable[None]],
    body: dict[str, Any],
    client: Any,
    respond: Callable[..., Awaitable[Any]],
    context: dict[str, Any],
) -> None:
    """Delete one of the clicker's own sessions (Slack asked them to confirm), then redraw the list."""
    await ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    await services.support.delete_session(supporter_id=user_id, session_id=_clicked_value(body))
    sessions = await services.support.recent_sessions(supporter_id=user_id)
    message = build_session_list_message(
        sessions, taxonomy=services.support.taxonomy, notice=_("Session deleted.")
    )
    await respond(replace_original=True, response_type="ephemeral", **message)


@answers_privately
async def handle_peer_follow_up_done_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Mark a follow-up done and say so in the reminder DM."""
    await ack()
    services: Services = context["services"]
    session_id, _ = _follow_up(body)
    result = await services.support.complete_follow_up(supporter_id=body["user"]["id"], session_id=session_id)
    await _redraw(client, body, build_follow_up_resolved(result))


@answers_privately
async def handle_peer_follow_up_snooze_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Move a follow-up a week on and say so in the reminder DM."""
    await ack()
    services: Services = context["services"]
    session_id, due_on = _follow_up(body)
    result = await services.support.snooze_follow_up(
        supporter_id=body["user"]["id"], session_id=session_id, seen_due_on=due_on
    )
    await _redraw(client, body, build_follow_up_resolved(result))


async def _redraw(client: Any, body: dict[str, Any], message: dict[str, Any]) -> None:
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if channel and ts:
        await client.chat_update(channel=channel, ts=ts, **message)
