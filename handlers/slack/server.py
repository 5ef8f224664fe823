"""Slack's HTTP endpoint: POST /slack/events, signature-checked before Bolt reads a byte."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from yarl import URL

from bot.config import Settings
from handlers.slack.blocks.pulse import ANSWER_ACTION_PATTERN, ANSWER_ACTION_PREFIX
from handlers.slack.settings import slack_settings

log = logging.getLogger(__name__)
FORM = "application/x-www-form-urlencoded"


# Fields Bolt dereferences before any listener runs, with the JSON types Slack always gives them.
_OBJECT_FIELDS = ("user", "team", "channel", "container", "enterprise", "message", "view", "state", "event")
_STRING_FIELDS = ("type", "trigger_id", "response_url", "api_app_id", "event_id")
# Ids Bolt's authorization reads (top level, or as the `id` of an object field); Slack sends strings.
_ID_FIELDS = ("team_id", "user_id", "enterprise_id", "channel_id")
_ID_OBJECTS = ("user", "team", "enterprise", "channel")


def _has_slack_shape(payload: object) -> bool:
    """Whether a payload has the types Slack's own payloads have wherever Bolt looks."""
    if not isinstance(payload, dict):
        return False
    if any(payload.get(f) is not None and not isinstance(payload[f], dict) for f in _OBJECT_FIELDS):
        return False
    if any(f in payload and not isinstance(payload[f], str) for f in _STRING_FIELDS):
        return False
    if any(payload.get(f) is not None and not isinstance(payload[f], str) for f in _ID_FIELDS):
        return False
    if any(
        isinstance(payload.get(f), dict)
        and payload[f].get("id") is not None
        and not isinstance(payload[f]["id"], str)
        for f in _ID_OBJECTS
    ):
        return False
    kind = payload.get("type")
    if kind == "block_actions":
        actions = payload.get("actions")
        return (
            isinstance(actions, list)
            and len(actions) > 0
            and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)
        )
    if kind in {"view_submission", "view_closed"}:
        return isinstance(payload.get("view"), dict) and isinstance(payload["view"].get("callback_id"), str)
    if kind == "event_callback":
        return isinstance(payload.get("event"), dict) and isinstance(payload["event"].get("type"), str)
    return True


def interaction_payload(form_body: str) -> str | None:
    """The JSON an interaction carries in its form-encoded `payload` field (None for a command).

    Bolt would decode the envelope with urllib, in pure Python: 0.57 ms for a 13 KB click with
    its message, more than everything else Bolt does for it. yarl (aiohttp's URL library) has a
    C decoder that takes 0.07 ms, and Bolt takes the decoded JSON as the body just the same.
    """
    return URL.build(query_string=form_body, encoded=True).query.get("payload")


def answer_click_body(payload: str) -> dict[str, Any] | None:
    """The decoded payload when it is one pulse answer click shaped like Slack's, else None."""
    if f'"{ANSWER_ACTION_PREFIX}_' not in payload:
        return None  # most requests are no answer click: not worth decoding twice
    try:
        body = json.loads(payload)
    except ValueError:
        return None  # Bolt's path answers it, as it answers any malformed payload
    if not _has_slack_shape(body) or body.get("type") != "block_actions" or len(body["actions"]) != 1:
        return None
    return body if ANSWER_ACTION_PATTERN.match(body["actions"][0]["action_id"]) else None


def slack_routes(
    app: AsyncApp,
    settings: Settings,
    *,
    answer_click: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
) -> list[web.RouteDef]:
    """POST /slack/events: every signed request Slack sends, handed to the Bolt app.

    `answer_click` (handlers/slack/actions/pulse_answer.py) takes the pulse answer clicks instead,
    the one request that comes in thousands a minute; it returns once the click may be acked.
    """

    verifier = SignatureVerifier(slack_settings(settings).signing_secret)

    async def slack_events(request: web.Request) -> web.Response:
        body = await request.text()
        # Verified here, before Bolt parses anything, so a forged body can't even reach the parser.
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not (
            timestamp.isdigit()
            and signature
            and verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
        ):
            return web.json_response({"error": "invalid signature or stale request"}, status=401)
        payload = interaction_payload(body) if request.content_type == FORM else None
        click = answer_click_body(payload) if payload is not None and answer_click is not None else None
        if click is not None and answer_click is not None:
            await answer_click(click)
            # What Bolt answers for a bare ack().
            return web.Response(status=200, body=b"", content_type="text/plain")
        headers: dict[str, str | Sequence[str]] = dict(request.headers)
        if payload is not None:
            body, headers["Content-Type"] = payload, "application/json"
        try:
            # Parsed by Bolt (a second time only for another button on a pulse DM); the shape
            # check below reads Bolt's own result.
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=headers)
            if not _has_slack_shape(bolt_request.body):
                return web.json_response({"error": "the payload is not shaped like Slack's"}, status=400)
            response = await app.async_dispatch(bolt_request)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError):
            # Bolt reads the payload's fields before any listener runs (e.g. `actions: null`); a
            # signed body of the wrong shape is the sender's error, answered as one, never a 500.
            log.warning("signed request with a malformed payload", exc_info=True)
            return web.json_response({"error": "the payload is malformed"}, status=400)
        return await to_aiohttp_response(response)

    return [web.post("/slack/events", slack_events)]
