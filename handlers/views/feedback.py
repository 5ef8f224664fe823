"""Submitting /feedback: field errors in the modal, or stored anonymously with a thank-you."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.errors import InvalidInput
from bot.services import Services
from handlers.blocks.feedback import CATEGORY_BLOCK, CATEGORY_INPUT, TEXT_BLOCK, TEXT_INPUT, THANK_YOU
from handlers.blocks.safety import build_safety_message
from handlers.payloads import team_of
from handlers.replies import answers_privately
from handlers.views.forms import REFUSED, SubmittedView, submit_form

_FIELD_BLOCKS = {"category": CATEGORY_BLOCK, "text": TEXT_BLOCK}


@answers_privately
async def handle_feedback_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Store the feedback without its author; errors go back next to the field."""
    services: Services = context["services"]
    view = SubmittedView(body, action_id=TEXT_INPUT)
    receipt = await submit_form(
        ack,
        lambda: services.feedback.submit(
            team_id=team_of(body, services),
            category=view.option(CATEGORY_BLOCK, CATEGORY_INPUT) or "",
            text=view.text(TEXT_BLOCK) or "",
        ),
        fallback_block=TEXT_BLOCK,
        field_blocks=_FIELD_BLOCKS,
        catching=(InvalidInput,),
    )
    if receipt is REFUSED:
        return
    await ack()
    user_id = body["user"]["id"]
    if receipt.risk is not None:
        # Straight to the author's DM, never through the outbox: nothing records who wrote it.
        await client.chat_postMessage(
            channel=user_id, **build_safety_message(receipt.risk.kind, services.settings)
        )
    await client.chat_postMessage(channel=user_id, text=THANK_YOU)
