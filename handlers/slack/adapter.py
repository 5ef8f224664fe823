"""Slack implementations of the domain's Directory and Messenger ports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import METADATA_EVENT
from bot.errors import DeliveryError
from bot.ports import Member, OutgoingFile, OutgoingMessage, PostedMessage
from handlers.slack.pacing import PacedWebClient

# Files cannot carry message metadata; their name carries the outbox id instead ("x-pp17.png").
FILE_MARK = "-pp"
USERS_PAGE = 1000
MEMBERS_PAGE = 1000
# Errors that no retry can fix: the recipient is gone or the message itself is wrong.
_PERMANENT = {
    "channel_not_found",
    "user_not_found",
    "account_inactive",
    "user_disabled",
    "is_archived",
    "cannot_dm_bot",
    "not_in_channel",
    "invalid_blocks",
    "invalid_metadata_format",
    "msg_too_long",
    "no_text",
    "not_authed",
    "invalid_auth",
    "token_revoked",
    "missing_scope",
    "restricted_action",
}


def _active_human(user: dict[str, Any]) -> bool:
    return not (
        user.get("is_bot")
        or user.get("deleted")
        or user.get("is_restricted")
        or user.get("is_ultra_restricted")
        or user.get("is_app_user")
        or user.get("id") == "USLACKBOT"
    )


def member_from_user(user: dict[str, Any]) -> Member:
    """Map a Slack user object to a domain Member."""
    profile = user.get("profile") or {}
    return Member(
        id=user["id"],
        tz=user.get("tz") or None,
        real_name=user.get("real_name") or profile.get("real_name") or "",
        display_name=profile.get("display_name") or "",
        active_human=_active_human(user),
        is_bot=bool(user.get("is_bot") or user.get("is_app_user") or user.get("id") == "USLACKBOT"),
        locale=user.get("locale") or None,
    )


def delivery_error(exc: Exception) -> DeliveryError:
    """Classify a Web API failure as retryable (with any Retry-After) or permanent."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error", "")) if exc.response.data else ""
        if status == 429:
            retry_after = float(
                exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", 1))
            )
            return DeliveryError("rate limited by Slack", retryable=True, retry_after=max(retry_after, 1.0))
        if status >= 500:
            return DeliveryError(f"Slack answered HTTP {status}", retryable=True)
        return DeliveryError(f"Slack refused: {error or status}", retryable=error not in _PERMANENT)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return DeliveryError(f"cannot reach Slack: {type(exc).__name__}", retryable=True)
    # A timeout or a dropped connection after the request left: Slack may have posted it.
    return DeliveryError(f"no answer from Slack: {type(exc).__name__}", retryable=True, uncertain=True)


class SlackDirectory:
    """Workspace members and channel membership from the Web API."""

    def __init__(
        self, client: AsyncWebClient, *, on_members: Callable[[list[Member]], None] | None = None
    ) -> None:
        self.client = client
        # Told each page of members read (their locales are remembered for writing to them).
        self.on_members = on_members

    async def list_members(self) -> list[Member]:
        """Every user in the workspace, paginated."""
        members: list[Member] = []
        cursor: str | None = None
        while True:
            # users.list is Tier 2 (20/min): the largest page Slack serves keeps a 20,000-person
            # workspace to 20 calls (about a minute) instead of 100 (five minutes at 200 a page).
            page = await self.client.users_list(limit=USERS_PAGE, cursor=cursor, include_locale=True)
            users: list[dict[str, Any]] = page.get("members", [])
            found = [member_from_user(u) for u in users]
            if self.on_members is not None:
                self.on_members(found)
            members.extend(found)
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return members

    async def channel_members(self, channel_id: str) -> set[str]:
        """User ids in a channel, paginated and live."""
        found: set[str] = set()
        cursor: str | None = None
        while True:
            page = await self.client.conversations_members(
                channel=channel_id, limit=MEMBERS_PAGE, cursor=cursor
            )
            found.update(page.get("members", []))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return found


class SlackMessenger:
    """Posting and reconciling messages through the Web API."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        # A paced client already waits for chat.postMessage's turn; the outbox must not book twice.
        self.paced = isinstance(client, PacedWebClient)

    def is_person(self, address: str) -> bool:
        """A Slack user id (U… or, on Enterprise Grid, W…) rather than a conversation id."""
        return address.startswith(("U", "W"))

    async def open_dm(self, user_id: str) -> str:
        """The DM channel id with a user, translating failures into DeliveryError."""
        try:
            response = await self.client.conversations_open(users=user_id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            raise delivery_error(exc) from exc
        return str(response["channel"]["id"])

    async def post(self, channel: str, message: OutgoingMessage) -> PostedMessage:
        """Post a message, translating failures into DeliveryError."""
        try:
            response = await self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks,
                metadata=message.metadata,
                unfurl_links=False,
                unfurl_media=False,
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            raise delivery_error(exc) from exc
        return PostedMessage(conversation=str(response["channel"]), ref=str(response["ts"]))

    async def update(self, channel: str, ts: str, message: OutgoingMessage) -> PostedMessage:
        """Replace an earlier message (chat.update, Tier 3), translating failures into DeliveryError."""
        try:
            response = await self.client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks or []
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            raise delivery_error(exc) from exc
        return PostedMessage(conversation=str(response["channel"]), ref=str(response["ts"]))

    async def find_posted(self, channel: str, *, since: datetime, outbox_id: int) -> str | None:
        """Look through the channel's recent history for our message or file carrying this outbox id."""
        try:
            return await self._find_posted(channel, since=since, outbox_id=outbox_id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            raise delivery_error(exc) from exc

    async def _find_posted(self, channel: str, *, since: datetime, outbox_id: int) -> str | None:
        # `since` is our clock, not Slack's: rather than trust two clocks to agree, read the newest
        # messages (a bot's DM holds few) and stop once they are clearly older than the claim.
        cursor: str | None = None
        for _page in range(5):
            page = await self.client.conversations_history(
                channel=channel, include_all_metadata=True, limit=200, cursor=cursor
            )
            messages: list[dict[str, Any]] = page.get("messages", [])
            for msg in messages:
                if _carries(msg, outbox_id):
                    return str(msg["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            oldest = min((float(m["ts"]) for m in messages), default=0.0)
            if not cursor or oldest < since.timestamp() - 86_400:
                return None
        return None

    async def upload_file(self, channel: str, file: OutgoingFile, *, comment: str, outbox_id: int) -> None:
        """Share a file in a channel (files_upload_v2: get URL, upload, complete)."""
        try:
            await self.client.files_upload_v2(
                channel=channel,
                file=file.content,
                filename=marked_filename(file.filename, outbox_id),
                title=file.title,
                alt_txt=file.alt_text,
                initial_comment=comment,
            )
        except (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError) as exc:
            raise delivery_error(exc) from exc


def marked_filename(filename: str, outbox_id: int) -> str:
    """The file's name with the outbox id before its extension."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        return f"{filename}{FILE_MARK}{outbox_id}"
    return f"{stem}{FILE_MARK}{outbox_id}.{ext}"


def _carries(msg: dict[str, Any], outbox_id: int) -> bool:
    """Whether a history message is the one sent for this outbox row (by metadata or file name)."""
    meta = msg.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    if meta.get("event_type") == METADATA_EVENT and payload.get("outbox_id") == outbox_id:
        return True
    mark = f"{FILE_MARK}{outbox_id}"
    names = (str(f.get("name") or "") for f in msg.get("files") or [])
    return any((name.rpartition(".")[0] or name).endswith(mark) for name in names)
