"""Submitting /feedback: field errors in the modal, or stored anonymously with a thank-you."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.errors import InvalidInput
from bot.services import Services
from handlers.blocks.feedback import CATEGORY_BLOCK, CATEGORY_INPUT, TEXT_BLOCK, TEXT_INPUT, THANK_YOU
from handlers.blocks.safety import build_safety_message
from handlers.replies import answers_privately

_FIELD_BLOCKS = {"category": CATEGORY_BLOCK, "text": TEXT_BLOCK}


@answers_privately
async def handle_feedback_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Store the feedback without its author; errors go back next to the field."""
    services: Services = context["services"]
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    selected = (values.get(CATEGORY_BLOCK, {}).get(CATEGORY_INPUT, {}) or {}).get("selected_option") or {}
    text = (values.get(TEXT_BLOCK, {}).get(TEXT_INPUT, {}) or {}).get("value") or ""
    try:
        receipt = await services.feedback.submit(
            team_id=(body.get("team") or {}).get("id") or services.team_id,
            category=str(selected.get("value") or ""),
            text=text if isinstance(text, str) else "",
        )
    except InvalidInput as exc:
        await ack(
            response_action="errors",
            errors={_FIELD_BLOCKS.get(k, TEXT_BLOCK): v for k, v in exc.fields.items()}
            or {TEXT_BLOCK: str(exc)},
        )
        return
    await ack()
    user_id = body["user"]["id"]
    if receipt.risk is not None:
        # Straight to the author's DM, never through the outbox: nothing records who wrote it.
        await client.chat_postMessage(
            channel=user_id, **build_safety_message(receipt.risk.kind, services.settings)
        )
    await client.chat_postMessage(channel=user_id, text=THANK_YOU)
