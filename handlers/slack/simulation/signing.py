"""Build request bodies exactly as Slack sends them to an app, sign them, and send them."""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import json
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode

import aiohttp

from handlers.slack.simulation.workspace import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    dm_channel_id,
)

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Slack still sends the deprecated verification token; Bolt ignores it when signing is used.
VERIFICATION_TOKEN = "verification-token-unused"
# Nothing listens there (tests make no network calls): a response_url a test did not issue on the
# fake is refused at once, as an expired one would be.
DEFAULT_RESPONSE_URL = "http://127.0.0.1:9/response/unset"

_sequence = itertools.count(1)


def sign_request(body: bytes, signing_secret: str, *, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers for a body (timestamp defaults to now)."""
    ts = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(ts).encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def fake_trigger_id() -> str:
    """A well-formed trigger_id that no fake Slack issued (views.open will refuse it)."""
    n = next(_sequence)
    digest = hashlib.sha256(str(n).encode()).hexdigest()[:32]
    return f"{1_600_000_000_000 + n}.{4_242_424_242}.{digest}"


def _user_name(user_id: str) -> str:
    return f"user-{user_id.lower()}"


def _form_payload(payload: Mapping[str, Any]) -> tuple[bytes, str]:
    return urlencode({"payload": json.dumps(payload)}).encode(), FORM


def slash_command(
    command: str,
    text: str = "",
    *,
    user_id: str,
    team_id: str = TEAM_ID,
    channel_id: str | None = None,
    channel_name: str = "directmessage",
    trigger_id: str | None = None,
    response_url: str = DEFAULT_RESPONSE_URL,
    user_name: str | None = None,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
) -> tuple[bytes, str]:
    """A slash-command POST body; channel defaults to the user's DM with the app."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id or dm_channel_id(user_id),
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name or _user_name(user_id),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or fake_trigger_id(),
    }
    return urlencode(fields).encode(), FORM


def block_actions(
    *,
    user_id: str,
    action_id: str,
    value: str | None = None,
    block_id: str = "actions",
    team_id: str = TEAM_ID,
    channel_id: str | None = None,
    message_ts: str | None = None,
    trigger_id: str | None = None,
    message: Mapping[str, Any] | None = None,
    container: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    response_url: str = DEFAULT_RESPONSE_URL,
    action_type: str = "button",
    action_fields: Mapping[str, Any] | None = None,
    state_values: Mapping[str, Any] | None = None,
) -> tuple[bytes, str]:
    """A block_actions payload: a click in a message (message_ts) or in a view (view=...)."""
    action_ts = f"{time.time():.6f}"
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": action_type,
        "action_ts": action_ts,
    }
    if action_type == "button":
        action["text"] = {"type": "plain_text", "text": value or action_id, "emoji": True}
    if value is not None:
        action["value"] = value
    action.update(action_fields or {})

    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {
            "id": user_id,
            "username": _user_name(user_id),
            "name": _user_name(user_id),
            "team_id": team_id,
        },
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or fake_trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": dict(state_values or {})},
        "actions": [action],
    }
    if view is not None:
        payload["view"] = dict(view)
        payload["container"] = dict(
            container
            or {
                "type": "view",
                "view_id": view.get("id", ""),
            }
        )
    else:
        channel = channel_id or dm_channel_id(user_id)
        ts = message_ts or f"{time.time():.6f}"
        payload["container"] = dict(
            container
            or {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": False,
            }
        )
        payload["channel"] = {"id": channel, "name": "directmessage"}
        payload["message"] = dict(
            message
            or {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "app_id": APP_ID,
                "ts": ts,
                "team": team_id,
                "text": "",
                "blocks": [],
            }
        )
        payload["response_url"] = response_url
    return _form_payload(payload)


def view_submission(
    *,
    user_id: str,
    callback_id: str,
    state_values: Mapping[str, Any],
    team_id: str = TEAM_ID,
    private_metadata: str = "",
    view_id: str | None = None,
    trigger_id: str | None = None,
    external_id: str = "",
    blocks: list[dict[str, Any]] | None = None,
    title: str = "PeerPulse",
    response_urls: list[dict[str, Any]] | None = None,
) -> tuple[bytes, str]:
    """A view_submission payload; state_values is {block_id: {action_id: {type, ...}}}."""
    vid = view_id or f"V{next(_sequence):010d}"
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": {
            "id": user_id,
            "username": _user_name(user_id),
            "name": _user_name(user_id),
            "team_id": team_id,
        },
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or fake_trigger_id(),
        "view": {
            "id": vid,
            "team_id": team_id,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": dict(state_values)},
            "hash": f"{int(time.time())}.abcdef12",
            "title": {"type": "plain_text", "text": title, "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": vid,
            "app_id": APP_ID,
            "external_id": external_id,
            "app_installed_team_id": team_id,
            "bot_id": BOT_ID,
        },
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _form_payload(payload)


def event_callback(
    event: Mapping[str, Any],
    *,
    team_id: str = TEAM_ID,
    event_id: str | None = None,
    event_time: int | None = None,
) -> tuple[bytes, str]:
    """An Events API envelope around one event (JSON body)."""
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_sequence):010d}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{next(_sequence):016x}",
    }
    return json.dumps(envelope).encode(), JSON


def app_home_opened(
    user_id: str,
    *,
    tab: str = "home",
    view: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An app_home_opened event (wrap it with event_callback)."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": dm_channel_id(user_id),
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = dict(view)
    return event


def direct_message(user_id: str, text: str, *, ts: str | None = None, bot: bool = False) -> dict[str, Any]:
    """A message.im event: a message posted in the DM between the bot and a user (wrap it with
    event_callback). bot=True is the echo Slack also sends for the bot's own posts there."""
    stamp = ts or f"{time.time():.6f}"
    event: dict[str, Any] = {
        "type": "message",
        "channel": dm_channel_id(user_id),
        "user": BOT_USER_ID if bot else user_id,
        "text": text,
        "ts": stamp,
        "event_ts": stamp,
        "channel_type": "im",
        "team": TEAM_ID,
    }
    if bot:
        event |= {"bot_id": BOT_ID, "app_id": APP_ID}
    else:
        event["client_msg_id"] = f"{next(_sequence):08x}-0000-4000-8000-{next(_sequence):012x}"
        event["blocks"] = [
            {
                "type": "rich_text",
                "block_id": f"b{next(_sequence):05d}",
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
            }
        ]
    return event


def url_verification(challenge: str) -> tuple[bytes, str]:
    """The url_verification handshake Slack sends when the request URL is saved."""
    body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    return json.dumps(body).encode(), JSON


def state_text(value: str | None) -> dict[str, Any]:
    """State value of a plain_text_input."""
    return {"type": "plain_text_input", "value": value}


def state_number(value: str | None) -> dict[str, Any]:
    """State value of a number_input (Slack sends the number as a string)."""
    return {"type": "number_input", "value": value}


def state_select(value: str | None, text: str | None = None) -> dict[str, Any]:
    """State value of a static_select (None = nothing chosen)."""
    option = None
    if value is not None:
        option = {
            "text": {"type": "plain_text", "text": text or value, "emoji": True},
            "value": value,
        }
    return {"type": "static_select", "selected_option": option}


def state_radio(value: str | None, text: str | None = None) -> dict[str, Any]:
    """State value of radio_buttons."""
    return {**state_select(value, text), "type": "radio_buttons"}


def state_checkboxes(values: list[str]) -> dict[str, Any]:
    """State value of checkboxes."""
    options = [{"text": {"type": "plain_text", "text": v, "emoji": True}, "value": v} for v in values]
    return {"type": "checkboxes", "selected_options": options}


def state_date(value: str | None) -> dict[str, Any]:
    """State value of a datepicker ('YYYY-MM-DD')."""
    return {"type": "datepicker", "selected_date": value}


def state_conversation(channel_id: str | None) -> dict[str, Any]:
    """State value of a conversations_select."""
    return {"type": "conversations_select", "selected_conversation": channel_id}


class SlackSender:
    """Sends signed requests to an app the way Slack does (one aiohttp session, reused)."""

    def __init__(self, *, timeout: float = 10.0) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(
        self,
        url: str,
        body: bytes,
        content_type: str,
        *,
        signing_secret: str,
        timestamp: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """POST a signed body; return (status, parsed JSON or text)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        all_headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **sign_request(body, signing_secret, timestamp=timestamp),
            **(headers or {}),
        }
        # A stream, not raw bytes: hostile bodies pass aiohttp's 1 MB warning line (a ResourceWarning).
        async with self._session.post(url, data=io.BytesIO(body), headers=all_headers) as response:
            text = await response.text()
            if response.content_type == JSON and text:
                return response.status, json.loads(text)
            return response.status, text
