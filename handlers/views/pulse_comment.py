"""Submitting the pulse comment modal: safety net first, then the scrubbed, unlinked answer."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.errors import PeerPulseError
from bot.privacy import detect_risk
from bot.services import Services
from handlers.actions.pulse_answer import refresh_pulse_message
from handlers.blocks.pulse import COMMENT_BLOCK, COMMENT_INPUT, decode_answer
from handlers.blocks.safety import build_safety_message
from handlers.payloads import team_of
from handlers.replies import answers_privately
from handlers.views.forms import REFUSED, SubmittedView, show_errors, submit_form


@answers_privately
async def handle_pulse_comment_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Validate, store and confirm a free-text pulse answer."""
    services: Services = context["services"]
    view = SubmittedView(body, action_id=COMMENT_INPUT)
    meta = view.metadata_fields()
    try:
        answer = decode_answer(json.dumps({k: meta[k] for k in ("r", "q", "b", "t")}))
    except (ValueError, KeyError):
        await show_errors(
            ack, {COMMENT_BLOCK: "This form is out of date; please reopen it from the pulse DM."}
        )
        return
    text = view.input(COMMENT_BLOCK).get("value") or ""
    if not isinstance(text, str) or len(text) > 1000:
        await show_errors(ack, {COMMENT_BLOCK: "Please keep it under 1,000 characters."})
        return
    user_id = body["user"]["id"]
    team_id = team_of(body, services)
    # Shown inside the still-open form, so what the person typed is not lost.
    progress = await submit_form(
        ack,
        lambda: services.surveys.record_answer(
            team_id=team_id,
            user_id=user_id,
            round_id=answer["r"],
            question_id=answer["q"],
            ballot=answer["b"],
            tag=answer["t"],
            text=text,
        ),
        fallback_block=COMMENT_BLOCK,
        field_blocks={},  # one input: whatever the domain objects to is shown on it
        catching=(PeerPulseError, DBAPIError, PoolTimeout, ConnectionError),
    )
    if progress is REFUSED:
        return
    await ack()
    risk = detect_risk(text)
    if risk is not None:
        # Sent straight to the author's DM, never through the outbox, so nothing records who wrote it.
        await client.chat_postMessage(channel=user_id, **build_safety_message(risk.kind, services.settings))
    if meta.get("ch") and meta.get("ts"):
        body = {**body, "container": {"channel_id": meta["ch"], "message_ts": meta["ts"]}}
        await refresh_pulse_message(
            client,
            services,
            body=body,
            ballot=answer["b"],
            tag=answer["t"],
            progress=progress,
        )
