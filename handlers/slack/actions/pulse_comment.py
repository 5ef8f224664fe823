"""The pulse's "Add a comment" button: open the free-text modal at once."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from bot.errors import InvalidInput
from bot.i18n import _
from bot.services import Services
from handlers.slack.blocks.help import build_support_line
from handlers.slack.blocks.pulse import build_comment_modal, decode_answer
from handlers.slack.open_view import open_view
from handlers.slack.replies import answers_privately
from handlers.slack.warmup import warm_member_names


@answers_privately
async def handle_pulse_comment_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Open the comment modal (trigger ids expire in 3 s, so nothing slow comes first)."""
    await ack()
    services: Services = context["services"]
    try:
        answer = decode_answer(body["actions"][0]["value"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise InvalidInput(_("That button isn't one of PeerPulse's.")) from None
    question = services.surveys.bank.get(answer["q"])
    if question is None or question.kind != "text":
        raise InvalidInput(_("That question is no longer part of the survey."))
    container = body.get("container") or {}
    # The click's own response_url rides along: the submission redraws the DM with it (one use of
    # its five) instead of spending the workspace's Tier 3 chat.update budget.
    metadata = json.dumps(
        {
            **answer,
            "ch": container.get("channel_id"),
            "ts": container.get("message_ts"),
            "ru": body.get("response_url"),
        },
        separators=(",", ":"),
    )
    await open_view(
        client,
        trigger_id=body["trigger_id"],
        view=build_comment_modal(
            private_metadata=metadata,
            question=question,
            min_group_size=services.settings.min_group_size,
            support_line=build_support_line(services.settings),
        ),
    )
    # Fetch and index the directory while the person types, so scrubbing names at submission is quick.
    services.spawn(warm_member_names(services))
