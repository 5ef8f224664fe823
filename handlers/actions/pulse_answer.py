"""A click on a pulse answer button: store it unlinkably, then show progress in the DM."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bot.answers import AnswerProgress
from bot.errors import InvalidInput
from bot.services import Services
from handlers.blocks.mrkdwn import escape
from handlers.blocks.pulse import build_pulse_blocks, decode_answer, pulse_fallback_text
from handlers.payloads import team_of
from handlers.replies import answers_privately

ACK_WITHIN_SECONDS = 2.0


@answers_privately
async def handle_pulse_answer_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Record the answer carried by the clicked button, ack, then refresh the DM."""
    services: Services = context["services"]
    try:
        answer = decode_answer(body["actions"][0]["value"])
    except (ValueError, KeyError, IndexError, TypeError):
        await ack()
        raise InvalidInput("That button isn't one of PeerPulse's; nothing was recorded.") from None
    recording = asyncio.ensure_future(
        services.surveys.record_answer(
            team_id=team_of(body, services),
            user_id=body["user"]["id"],
            round_id=answer["r"],
            question_id=answer["q"],
            ballot=answer["b"],
            tag=answer["t"],
            value=answer.get("v"),
            request_key=context.get("request_identity"),
        )
    )
    # Normally the answer is stored (a few ms) before the ack, so a click Slack shows as done is
    # durable and quick clicks apply in order. Under load the ack goes at 2 s regardless: past
    # Slack's 3 s the click would fail for the person although the answer is still being saved.
    await asyncio.wait({recording}, timeout=ACK_WITHIN_SECONDS)
    await ack()
    progress = await recording
    if progress.repeated:
        return
    await refresh_pulse_message(
        client,
        services,
        body=body,
        ballot=answer["b"],
        tag=answer["t"],
        progress=progress,
    )


async def refresh_pulse_message(
    client: Any,
    services: Services,
    *,
    body: dict[str, Any],
    ballot: str,
    tag: str,
    progress: AnswerProgress,
) -> None:
    """Redraw the pulse DM with the ballot's progress (never the chosen values)."""
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if not channel or not ts:
        return
    round_id, round_, answered = progress.round.id, progress.round, progress.answered
    questions = services.surveys.questions_of(round_)
    required = [q for q in questions if q.kind != "text"]
    # The same line as when the DM was first sent: both read as of the round's opening.
    since = await services.updates.since_last_time(team_id=round_.team_id, as_of=round_.opened_at)
    blocks = build_pulse_blocks(
        round_id=round_id,
        questions=questions,
        ballot=ballot,
        tag=tag,
        answered=answered,
        closes_at=round_.closes_at,
        since_last_time=escape(since) if since else None,
    )
    done = sum(1 for q in required if q.id in answered)
    await client.chat_update(
        channel=channel, ts=ts, text=pulse_fallback_text(done, len(required)), blocks=blocks
    )
