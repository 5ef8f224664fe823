"""Submitting the pulse comment modal: the scrubbed, unlinked answer, and the safety net whatever happens."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.errors import PeerPulseError
from bot.i18n import _
from bot.services import Services
from handlers.slack.actions.pulse_answer import refresh_pulse_message
from handlers.slack.blocks.confirmations import build_comment_saved_view
from handlers.slack.blocks.pulse import COMMENT_BLOCK, COMMENT_INPUT, decode_answer
from handlers.slack.payloads import team_of
from handlers.slack.replies import answers_privately
from handlers.slack.views.forms import REFUSED, SubmittedView, show_errors, submit_form
from handlers.slack.views.safety_net import risk_in, send_safety_reply

MAX_COMMENT_CHARS = 1000


@answers_privately
async def handle_pulse_comment_submission(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Validate, store and confirm a free-text pulse answer; answer risk even when the text is refused."""
    services: Services = context["services"]
    view = SubmittedView(body, action_id=COMMENT_INPUT)
    text = view.input(COMMENT_BLOCK).get("value") or ""
    # Judged on what was typed, before any check: a closed round or a long text still gets an answer.
    risk = risk_in(text)
    try:
        await _store_comment(ack, body, client, services, view, text)
    finally:
        await send_safety_reply(client, user_id=body["user"]["id"], risk=risk, settings=services.settings)


async def _store_comment(
    ack: Callable[..., Awaitable[None]],
    body: dict[str, Any],
    client: Any,
    services: Services,
    view: SubmittedView,
    text: Any,
) -> None:
    """Store the comment and turn the modal into a confirmation, or show why not in the modal."""
    meta = view.metadata_fields()
    try:
        answer = decode_answer(json.dumps({k: meta[k] for k in ("r", "q", "b", "t")}))
    except (ValueError, KeyError):
        await show_errors(
            ack, {COMMENT_BLOCK: _("This form is out of date; please reopen it from the pulse DM.")}
        )
        return
    if not isinstance(text, str) or len(text) > MAX_COMMENT_CHARS:
        await show_errors(
            ack, {COMMENT_BLOCK: _("Please keep it under {n:,} characters.").format(n=MAX_COMMENT_CHARS)}
        )
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
    # Confirmed in the modal itself: a confirmation message would stay in Slack as a record of who wrote.
    await ack(response_action="update", view=build_comment_saved_view(removed=not text.strip()))
    if meta.get("ch") and meta.get("ts"):
        container = {"channel_id": meta["ch"], "message_ts": meta["ts"]}
        body = {**body, "container": container, "response_url": meta.get("ru")}
        await refresh_pulse_message(
            client,
            services,
            body=body,
            ballot=answer["b"],
            tag=answer["t"],
            progress=progress,
        )
