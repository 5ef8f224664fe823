"""Submitting /feedback: field errors in the modal, or stored anonymously and confirmed in the modal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.errors import PeerPulseError
from bot.services import Services
from handlers.slack.blocks.confirmations import build_feedback_received_view
from handlers.slack.blocks.feedback import CATEGORY_BLOCK, CATEGORY_INPUT, TEXT_BLOCK, TEXT_INPUT
from handlers.slack.payloads import team_of
from handlers.slack.replies import answers_privately
from handlers.slack.views.forms import REFUSED, SubmittedView, submit_form
from handlers.slack.views.safety_net import risk_in, send_safety_reply

_FIELD_BLOCKS = {"category": CATEGORY_BLOCK, "text": TEXT_BLOCK}


@answers_privately
async def handle_feedback_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Store the feedback without its author; errors go back next to the field; risk is always answered."""
    services: Services = context["services"]
    view = SubmittedView(body, action_id=TEXT_INPUT)
    text = view.text(TEXT_BLOCK) or ""
    # Judged on what was typed, before any check: feedback over the length limit still gets an answer.
    risk = risk_in(text)
    try:
        receipt = await submit_form(
            ack,
            lambda: services.feedback.submit(
                team_id=team_of(body, services),
                category=view.option(CATEGORY_BLOCK, CATEGORY_INPUT) or "",
                text=text,
            ),
            fallback_block=TEXT_BLOCK,
            field_blocks=_FIELD_BLOCKS,
            # A failure is answered in the modal too: a "something went wrong" DM would be a lasting
            # record that this person tried to send feedback.
            catching=(PeerPulseError, DBAPIError, PoolTimeout, ConnectionError),
        )
        if receipt is not REFUSED:
            # Confirmed in the modal itself: a thank-you DM would be a lasting record of who wrote when.
            await ack(response_action="update", view=build_feedback_received_view())
    finally:
        await send_safety_reply(client, user_id=body["user"]["id"], risk=risk, settings=services.settings)
