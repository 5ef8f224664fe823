"""Global middleware: a request Slack delivers twice is handled once.

Slack retries an event it thinks went unanswered (with `X-Slack-Retry-Num`), and proxies or
Socket Mode reconnects can deliver an interaction twice. A repeat carries the same identity as the
original, so the first delivery records that identity and later ones are acked and skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.idempotency import first_delivery
from bot.services import Services
from handlers.slack.blocks.pulse import ANSWER_ACTION_PATTERN

log = logging.getLogger(__name__)

# Interactions Slack sends once per user gesture; each gesture gets its own trigger_id / action_ts.
_INTERACTIONS = {"block_actions", "view_submission", "view_closed", "shortcut", "message_action"}
# Listeners that record the request identity in their own transaction (found in
# context["request_identity"]), so the busiest click pays for one commit, not two.
_RECORDED_BY_LISTENER = ANSWER_ACTION_PATTERN


def _digest(parts: object) -> str:
    raw = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def request_identity(body: Any) -> str | None:
    """What makes this request 'the same one' when delivered again, or None if not deduplicated.

    Events: the event id (Slack keeps it across retries). Interactions: type, user, what was
    acted on, and the per-gesture trigger_id / action_ts / view hash — a second click or a
    resubmitted form is a new gesture with new values, a redelivery is not.
    """
    if not isinstance(body, Mapping):
        return None
    kind = body.get("type")
    if kind == "event_callback":
        event_id = _text(body.get("event_id"))
        return f"event:{_digest(event_id)}" if event_id else None
    if "command" in body:
        # Slack never retries a command, but a replayed request (signature still fresh) is refused.
        trigger = _text(body.get("trigger_id"))
        if trigger is None:
            return None
        return f"command:{_digest([body.get('command'), body.get('user_id'), trigger])}"
    if kind not in _INTERACTIONS:
        return None
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, Mapping) else None
    actions = body.get("actions")
    acted = [
        [a.get("action_id"), a.get("block_id"), a.get("action_ts")]
        for a in (actions if isinstance(actions, list) else [])
        if isinstance(a, Mapping)
    ]
    view = body.get("view")
    view_id = [view.get("id"), view.get("hash")] if isinstance(view, Mapping) else None
    trigger = _text(body.get("trigger_id"))
    if trigger is None and not any(_text(a[2]) for a in acted):
        # Nothing tells one gesture from another; better to handle a repeat than drop a new one.
        return None
    return f"{kind}:{_digest([kind, user_id, acted, view_id, trigger])}"


def _recorded_by_listener(body: Mapping[str, Any]) -> bool:
    actions = body.get("actions")
    if body.get("type") != "block_actions" or not isinstance(actions, list) or len(actions) != 1:
        return False
    action = actions[0]
    return isinstance(action, Mapping) and bool(_RECORDED_BY_LISTENER.match(str(action.get("action_id"))))


async def skip_repeated_requests(
    body: Any,
    context: dict[str, Any],
    request: AsyncBoltRequest,
    next: Callable[[], Awaitable[None]],
) -> BoltResponse | None:
    """Ack and skip a request already handled; let everything else through."""
    key = request_identity(body)
    if key is None:
        await next()
        return None
    if _recorded_by_listener(body):
        context["request_identity"] = key
        await next()
        return None
    services: Services = context["services"]
    try:
        first = await first_delivery(services.db, key=key, now=services.clock.now())
    except (SQLAlchemyError, OSError) as exc:
        # Without the database nothing can be stored twice anyway; the listener answers politely.
        log.warning("cannot record request identity (%s); handling it anyway", type(exc).__name__)
        first = True
    if not first:
        retry = ",".join(request.headers.get("x-slack-retry-num") or ["-"])
        log.info("ignoring a repeated %s delivery (retry %s)", key.partition(":")[0], retry)
        return BoltResponse(status=200, body="")
    await next()
    return None
