"""The buttons of `/pulse send`, `/pulse cancel` and `/pulse close`: the domain decides who may click them."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.services import Services
from handlers.slack.blocks.rounds import (
    build_cancelled,
    build_closed_early,
    build_kept_open,
    build_not_sent,
    build_round_opened,
)
from handlers.slack.payloads import team_of
from handlers.slack.replies import user_message_for

log = logging.getLogger(__name__)
Respond = Callable[..., Awaitable[Any]]


def _value(body: dict[str, Any]) -> str:
    return str((body.get("actions") or [{}])[0].get("value") or "")


async def _replace(respond: Respond, message: dict[str, Any]) -> None:
    await respond(replace_original=True, response_type="ephemeral", **message)


async def _after_ack(work: Callable[[], Awaitable[dict[str, Any]]], *, respond: Respond, what: str) -> None:
    """Run the domain step after the ack and put its outcome (or a refusal) in the clicked message."""
    try:
        message = await work()
    except Exception as exc:
        # Not re-raised: this runs after the ack, so the reply below is the clicker's only answer.
        log.warning("%s failed: %s", what, type(exc).__name__)
        await respond(text=user_message_for(exc), response_type="ephemeral", replace_original=False)
        return
    await _replace(respond, message)


async def handle_round_send_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    """ "Send it": open the previewed round (once, however often it is clicked)."""
    await ack()
    services: Services = context["services"]
    user_id, token = body["user"]["id"], _value(body)

    async def work() -> dict[str, Any]:
        sent = await services.surveys.send_now(team_id=team_of(body, services), by=user_id, token=token)
        return build_round_opened(sent, zone=services.settings.default_timezone)

    # Opening reads the whole audience, which can take longer than Slack's 3-second window.
    services.spawn(_after_ack(work, respond=respond, what="sending a pulse round"))


async def handle_round_not_now_action(ack: Callable[..., Awaitable[None]], respond: Respond) -> None:
    """ "Not now": nothing is opened; the question is replaced so it cannot be clicked later by mistake."""
    await ack()
    await _replace(respond, build_not_sent())


async def handle_round_cancel_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    """ "Cancel this round": withdraw the round's unsent DMs, close the sent ones, delete its answers."""
    await ack()
    services: Services = context["services"]
    user_id, round_id = body["user"]["id"], _value(body)

    async def work() -> dict[str, Any]:
        report = await services.surveys.cancel_round(
            team_id=team_of(body, services), round_id=round_id, by=user_id
        )
        return build_cancelled(report)

    services.spawn(_after_ack(work, respond=respond, what="cancelling a pulse round"))


async def handle_round_close_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    """ "Close now": close the round through the scheduled close's own path."""
    await ack()
    services: Services = context["services"]
    user_id, round_id = body["user"]["id"], _value(body)

    async def work() -> dict[str, Any]:
        closed = await services.surveys.close_now(
            team_id=team_of(body, services), round_id=round_id, by=user_id
        )
        return build_closed_early(closed=closed)

    services.spawn(_after_ack(work, respond=respond, what="closing a pulse round"))


async def handle_round_keep_open_action(ack: Callable[..., Awaitable[None]], respond: Respond) -> None:
    """ "Keep it open": nothing changes."""
    await ack()
    await _replace(respond, build_kept_open())
