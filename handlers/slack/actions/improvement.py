"""Digest buttons: adopt a suggestion, update or close an action. Coordinators only; modals first."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Literal, cast

from bot.actions import Direction, ListedStatus
from bot.errors import InvalidInput
from bot.i18n import _
from bot.measures import numeric_constructs
from bot.playbook import load_practices
from bot.services import Services
from handlers.slack.blocks.digest import build_actions_page_blocks
from handlers.slack.blocks.improvement import (
    build_adopt_modal,
    build_close_modal,
    build_history_modal,
    build_update_modal,
)
from handlers.slack.open_view import open_view
from handlers.slack.payloads import team_of
from handlers.slack.replies import answers_privately
from storage.digest_models import ImprovementAction


@answers_privately
async def handle_digest_adopt_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the adopt modal, prefilled from the suggestion."""
    await ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    # Refused before the modal opens, so nobody fills in a form they can't submit; adopt checks again.
    await services.roles.require_coordinator(user_id)
    try:
        value = json.loads(body["actions"][0]["value"])
        practice, construct, title = str(value["p"]), str(value["c"]), str(value.get("t", ""))
    except (ValueError, KeyError, IndexError, TypeError):
        raise InvalidInput(_("That button isn't one of PeerPulse's.")) from None
    # The digest spoke the channel's language; the form speaks the clicker's. What they save is
    # their own title, stored as typed (user data, never translated again).
    shipped = next((p for p in load_practices() if p.id == practice), None)
    if shipped is not None:
        title = _(shipped.title)
    await open_view(
        client,
        trigger_id=body["trigger_id"],
        view=build_adopt_modal(
            private_metadata=json.dumps({"p": practice}, separators=(",", ":")),
            title=title,
            owner_id=user_id,
            due_on=services.clock.now().date() + timedelta(days=30),
            construct=construct,
            constructs=numeric_constructs(services.surveys.bank),
        ),
    )


async def _action_for(body: dict[str, Any], services: Services) -> ImprovementAction:
    action_id = str((body.get("actions") or [{}])[0].get("value") or "")
    team_id = team_of(body, services)
    return await services.actions.get(team_id=team_id, action_id=action_id, by=body["user"]["id"])


@answers_privately
async def handle_action_update_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the update modal for an action."""
    await ack()
    services: Services = context["services"]
    action = await _action_for(body, services)
    history = await services.actions.history(
        team_id=action.team_id, action_id=action.id, by=body["user"]["id"]
    )
    await open_view(
        client,
        trigger_id=body["trigger_id"],
        view=build_update_modal(
            action_id=action.id, title=action.title, due_on=action.due_on, history=history
        ),
    )


@answers_privately
async def handle_action_close_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the close modal for an action."""
    await ack()
    services: Services = context["services"]
    action = await _action_for(body, services)
    await open_view(
        client, trigger_id=body["trigger_id"], view=build_close_modal(action_id=action.id, title=action.title)
    )


def _page_request(body: dict[str, Any]) -> tuple[ListedStatus, Direction, str | None]:
    """Which list, which way and from where a paging button asks for; refused if not ours."""
    try:
        value = json.loads((body.get("actions") or [{}])[0].get("value") or "")
        status, direction, cursor = value["s"], value["d"], value["c"]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise InvalidInput(_("That button isn't one of PeerPulse's.")) from None
    if status not in ("open", "closed") or direction not in ("next", "prev"):
        raise InvalidInput(_("That button isn't one of PeerPulse's."))
    if cursor is not None and not isinstance(cursor, str):
        raise InvalidInput(_("That button isn't one of PeerPulse's."))
    return cast(ListedStatus, status), cast(Direction, direction), cursor


async def _redraw(
    services: Services,
    respond: Callable[..., Awaitable[Any]],
    *,
    team_id: str,
    user_id: str,
    status: Literal["open", "closed"],
    direction: Literal["next", "prev"] = "next",
    cursor: str | None = None,
    notice: str = "",
) -> None:
    page = await services.actions.page(
        team_id=team_id, by=user_id, status=status, cursor=cursor, direction=direction
    )
    await respond(
        replace_original=True,
        response_type="ephemeral",
        text=_("Open improvement actions") if status == "open" else _("Closed improvement actions"),
        blocks=build_actions_page_blocks(page, today=services.clock.now().date(), notice=notice),
    )


@answers_privately
async def handle_actions_page_action(
    ack: Callable[..., Awaitable[None]],
    body: dict[str, Any],
    client: Any,
    respond: Callable[..., Awaitable[Any]],
    context: dict[str, Any],
) -> None:
    """Show the next or previous page of actions, or the other list (open / closed), in place."""
    await ack()
    services: Services = context["services"]
    status, direction, cursor = _page_request(body)
    await _redraw(
        services,
        respond,
        team_id=team_of(body, services),
        user_id=body["user"]["id"],
        status=status,
        direction=direction,
        cursor=cursor,
    )


@answers_privately
async def handle_action_reopen_action(
    ack: Callable[..., Awaitable[None]],
    body: dict[str, Any],
    client: Any,
    respond: Callable[..., Awaitable[Any]],
    context: dict[str, Any],
) -> None:
    """Reopen a closed action (Slack asked to confirm), then redraw the closed list."""
    await ack()
    services: Services = context["services"]
    team_id, user_id = team_of(body, services), body["user"]["id"]
    action = await services.actions.reopen(team_id=team_id, action_id=_clicked_id(body), by=user_id)
    await _redraw(
        services,
        respond,
        team_id=team_id,
        user_id=user_id,
        status="closed",
        notice=_("Reopened “{title}”.").format(title=action.title),
    )


@answers_privately
async def handle_action_delete_action(
    ack: Callable[..., Awaitable[None]],
    body: dict[str, Any],
    client: Any,
    respond: Callable[..., Awaitable[Any]],
    context: dict[str, Any],
) -> None:
    """Delete an action (Slack asked to confirm), then redraw the list it was in."""
    await ack()
    services: Services = context["services"]
    team_id, user_id = team_of(body, services), body["user"]["id"]
    action = await services.actions.get(team_id=team_id, action_id=_clicked_id(body), by=user_id)
    listed: Literal["open", "closed"] = "closed" if action.status == "closed" else "open"
    await services.actions.delete(team_id=team_id, action_id=action.id, reason="", by=user_id)
    await _redraw(
        services,
        respond,
        team_id=team_id,
        user_id=user_id,
        status=listed,
        notice=_("Deleted “{title}”.").format(title=action.title),
    )


@answers_privately
async def handle_action_history_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open a read-only modal with everything done to an action."""
    await ack()
    services: Services = context["services"]
    action = await _action_for(body, services)
    events = await services.actions.history(
        team_id=action.team_id, action_id=action.id, by=body["user"]["id"]
    )
    await open_view(
        client, trigger_id=body["trigger_id"], view=build_history_modal(title=action.title, events=events)
    )


def _clicked_id(body: dict[str, Any]) -> str:
    return str((body.get("actions") or [{}])[0].get("value") or "")
