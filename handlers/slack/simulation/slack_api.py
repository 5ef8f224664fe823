"""A real local HTTP server that plays Slack's Web API, for tests and the demo.

It runs aiohttp on its own event loop in a daemon thread, so it serves both async tests (on their
own loop) and plain scripts. State lives behind one threading.Lock.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import hashlib
import itertools
import json
import math
import mimetypes
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from zoneinfo import ZoneInfo

from aiohttp import web

from handlers.slack.simulation.workspace import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    Channel,
    User,
    Workspace,
    dm_channel_id,
)

DEFAULT_TOKEN = "xoxb-test-token"
# An app-level token (Socket Mode): it may call apps.connections.open and nothing else.
DEFAULT_APP_TOKEN = "xapp-1-A0PEERPULSE-test-token"
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
TRIGGER_TTL = 3.0
BOT_SCOPES = (
    "chat:write,chat:write.public,commands,im:write,im:history,users:read,channels:read,"
    "groups:read,groups:history,channels:history,files:write,team:read"
)
JSON_FIELDS = ("blocks", "attachments", "view", "metadata", "files", "user_auth_blocks")
MAX_BLOCKS_MESSAGE = 50
MAX_BLOCKS_VIEW = 100
MAX_TEXT = 40_000
# files.getUploadURLExternal answers `alt_txt_too_large` above this many characters of alt text.
ALT_TXT_LIMIT = 1000

# Slack's Web API rate limits, as the fake plays them. Source: Slack's docs "Rate limits"
# (https://docs.slack.dev/apis/web-api/rate-limits) and the "Rate limits" line of each method's
# reference page (https://docs.slack.dev/reference/methods/<method>). Limits apply per method, per app,
# per workspace: Tier 1 "1+ per minute", Tier 2 "20+", Tier 3 "50+", Tier 4 "100+", "short bursts
# tolerated"; chat.postMessage is special ("about 1 per second per channel", "plus a workspace-wide
# limit"), and so is auth.test. Where the docs are vague the fake takes the cautious reading:
# - "N+ per minute" is held to exactly N per minute (a token bucket refilling at N/60 per second);
# - "short bursts" are BURST_SECONDS worth of a tier's budget at once (Tier 3: 8 calls), no more;
# - Special-tier methods other than chat.postMessage (auth.test, api.test) are held to Tier 3;
# - conversations.history/replies: Tier 3, as for internal (customer-built) apps such as PeerPulse;
#   commercially distributed non-Marketplace apps created after 2025-05-29 get 1 per minute there;
# - chat.postMessage's workspace-wide limit is not published: DEFAULT_POST_RATE per second (the
#   app's default WORKSPACE_RATE), with a one-second burst; per channel, 1 per second.
# - response_url: at most RESPONSE_URL_USES posts within RESPONSE_URL_TTL seconds, not tiered.
TIER_PER_MINUTE: dict[int, float] = {1: 1.0, 2: 20.0, 3: 50.0, 4: 100.0}
BURST_SECONDS = 10.0
METHOD_TIERS: dict[str, int] = {
    "api.test": 3,
    "apps.connections.open": 1,
    "auth.test": 3,
    "team.info": 3,
    "users.list": 2,
    "users.info": 4,
    "conversations.members": 4,
    "conversations.info": 3,
    "conversations.open": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "chat.update": 3,
    "chat.delete": 3,
    "chat.postEphemeral": 4,
    "views.open": 4,
    "views.push": 4,
    "views.update": 4,
    "views.publish": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
}
DEFAULT_POST_RATE = 10.0
RESPONSE_URL_USES = 5
RESPONSE_URL_TTL = 30 * 60.0

# fmt: off
_TZ_LABELS = {
    "PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time",
    "EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time",
    "GMT": "Greenwich Mean Time", "BST": "British Summer Time",
    "CET": "Central European Time", "CEST": "Central European Summer Time",
    "IST": "India Standard Time", "JST": "Japan Standard Time",
    "AEST": "Australian Eastern Standard Time", "AEDT": "Australian Eastern Daylight Time",
}
# fmt: on


@dataclass(frozen=True)
class Call:
    """One request the fake answered; `at` is time.monotonic() on arrival."""

    method: str
    args: dict[str, Any]
    at: float
    status: int
    error: str | None = None


@dataclass
class Message:
    """A message stored in a channel's history."""

    channel: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None
    thread_ts: str | None = None
    reply_broadcast: bool = False
    user: str = BOT_USER_ID
    bot_id: str | None = BOT_ID
    files: list[dict[str, Any]] | None = None
    edited_ts: str | None = None


@dataclass(frozen=True)
class Ephemeral:
    """An ephemeral message shown to one user in a channel."""

    channel: str
    user: str
    message_ts: str
    text: str = ""
    blocks: list[dict[str, Any]] | None = None


@dataclass
class OpenedView:
    """A modal or home view the app opened, pushed or published (latest content)."""

    id: str
    view: dict[str, Any]
    method: str
    user_id: str | None
    trigger_id: str | None
    hash: str
    external_id: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class UploadedFile:
    """A file uploaded with files_upload_v2 and shared (or not) to a channel."""

    id: str
    filename: str
    title: str
    content: bytes
    channel_id: str | None
    initial_comment: str | None = None
    thread_ts: str | None = None
    alt_txt: str | None = None


@dataclass(frozen=True)
class ResponsePost:
    """A JSON body the app POSTed to a response_url issued by the fake."""

    url: str
    body: dict[str, Any]
    at: float


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class _ResponseUrl:
    issued_at: float
    channel: str | None
    message_ts: str | None
    uses: int = 0


@dataclass
class _Fault:
    method: str
    status: int
    retry_after: int
    error: str | None
    delay: float | None
    remaining: int


@dataclass
class _Trigger:
    issued_at: float
    user_id: str | None
    used: bool = False


@dataclass
class _PendingUpload:
    file_id: str
    filename: str
    length: int
    content: bytes | None = None
    alt_txt: str | None = None


class SlackError(Exception):
    """An `ok: false` answer (raised inside handlers)."""

    def __init__(self, error: str, *, status: int = 200, headers: dict[str, str] | None = None):
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}


def _user_for_dm(channel_id: str) -> str:
    return "U" + channel_id[1:]


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes")


def _int_arg(args: dict[str, Any], name: str, default: int) -> int:
    try:
        return int(args.get(name) or default)
    except (TypeError, ValueError):
        raise SlackError("invalid_arguments") from None


def _encode_cursor(kind: str, offset: int) -> str:
    return base64.b64encode(f"{kind}:{offset}".encode()).decode()


def _decode_cursor(kind: str, cursor: str) -> int:
    try:
        prefix, _, offset = base64.b64decode(cursor, validate=True).decode().partition(":")
        if prefix != kind:
            raise ValueError(prefix)
        return int(offset)
    except (ValueError, binascii.Error):
        raise SlackError("invalid_cursor") from None


def _paginate(
    items: list[Any], args: dict[str, Any], *, kind: str, default_limit: int, max_limit: int
) -> tuple[list[Any], str]:
    """Slice items by Slack's cursor/limit; return the page and the next cursor ('' at the end)."""
    limit = min(_int_arg(args, "limit", default_limit), max_limit) or default_limit
    cursor = str(args.get("cursor") or "")
    start = _decode_cursor(kind, cursor) if cursor else 0
    page = items[start : start + limit]
    end = start + len(page)
    return page, (_encode_cursor(kind, end) if end < len(items) else "")


def _tz_label(tz: str) -> str:
    abbrev = datetime.now(UTC).astimezone(ZoneInfo(tz)).tzname() or tz
    return _TZ_LABELS.get(abbrev, abbrev)


def user_json(user: User, ws: Workspace, *, include_locale: bool = False) -> dict[str, Any]:
    """A user object shaped like users.info / users.list members (`locale` only when asked for)."""
    first, _, last = user.real_name.partition(" ")
    avatar = hashlib.sha1(user.id.encode()).hexdigest()[:12]  # noqa: S324 - not security
    profile: dict[str, Any] = {
        "title": "",
        "phone": "",
        "skype": "",
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.display_name,
        "display_name_normalized": user.display_name,
        "fields": None,
        "status_text": "",
        "status_emoji": "",
        "status_expiration": 0,
        "avatar_hash": avatar,
        "first_name": first,
        "last_name": last,
        "image_48": f"https://avatars.example/{avatar}_48.png",
        "image_192": f"https://avatars.example/{avatar}_192.png",
        "team": ws.team_id,
    }
    if user.is_bot:
        profile.update(
            bot_id=BOT_ID if user.id == BOT_USER_ID else "B" + user.id[1:],
            api_app_id=APP_ID if user.id == BOT_USER_ID else "A" + user.id[1:],
            always_active=True,
        )
    else:
        profile["email"] = f"{user.name}@{ws.domain}.example"
    data: dict[str, Any] = {
        "id": user.id,
        "team_id": ws.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "profile": profile,
        "is_bot": user.is_bot,
        "is_app_user": user.is_app_user,
        "updated": 1_700_000_000,
    }
    if user.deleted:
        # Slack drops tz and role flags from deactivated users' objects.
        return data
    data.update(
        color="9f69e7",
        real_name=user.real_name,
        tz=user.tz,
        tz_label=_tz_label(user.tz),
        tz_offset=user.tz_offset,
        is_admin=False,
        is_owner=False,
        is_primary_owner=False,
        is_restricted=user.is_restricted,
        is_ultra_restricted=user.is_ultra_restricted,
        is_email_confirmed=not user.is_bot,
        who_can_share_contact_card="EVERYONE",
    )
    if include_locale:
        data["locale"] = user.locale
    return data


class FakeSlack:
    """Slack's Web API on 127.0.0.1, backed by a Workspace, with rate limits and fault injection."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        token: str | Iterable[str] = DEFAULT_TOKEN,
        app_token: str = DEFAULT_APP_TOKEN,
        workspace_rate: float | None = DEFAULT_POST_RATE,
        per_channel_rate: float = 1.0,
        tiers: bool = True,
        tier_scale: float = 1.0,
        port: int = 0,
    ) -> None:
        """Slack's limits are on by default; `tiers=False` (say why at the call site) lifts the tiers."""
        # tier_scale multiplies every tier's rate (a test may run Slack's limits 10x faster, as long as
        # the app's pacer is scaled the same way); workspace_rate=None lifts chat.postMessage's
        # workspace limit and per_channel_rate=0 its per-channel one.
        self.workspace = workspace
        self.tiers = tiers
        self.tier_scale = tier_scale
        self.tokens = {token} if isinstance(token, str) else set(token)
        self.app_tokens = {app_token}
        self.workspace_rate = workspace_rate
        self.per_channel_rate = per_channel_rate
        self._port = port
        self._lock = threading.Lock()
        self._lifecycle = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._closing: asyncio.Event | None = None
        self._startup_error: BaseException | None = None
        self._restart_handle: asyncio.TimerHandle | None = None
        self._restart_task: asyncio.Task[None] | None = None
        self._counter = itertools.count(1)
        self._methods = self._handlers()
        self._init_state()

    def _init_state(self) -> None:
        self._calls: list[Call] = []
        self._ratelimited = 0
        self._faults: deque[_Fault] = deque()
        self._history: dict[str, dict[str, Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._opened_dms: set[str] = set()
        self._mpims: dict[str, Channel] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._views: dict[str, OpenedView] = {}
        self._home_views: dict[str, str] = {}
        self._uploads: dict[str, _PendingUpload] = {}
        self._upload_keys: dict[str, str] = {}
        self._files: list[UploadedFile] = []
        self._responses: list[ResponsePost] = []
        self._response_keys: dict[str, _ResponseUrl] = {}
        self._tier_buckets: dict[str, _Bucket] = {}
        self._last_ts_us = 0
        self._channel_last_post: dict[str, float] = {}
        capacity = max(1.0, self.workspace_rate or 0.0)
        self._bucket_tokens = capacity
        self._bucket_at = time.monotonic()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Start serving in a background thread (idempotent); return once listening."""
        with self._lifecycle:
            if self._thread is not None:
                return self
            ready = threading.Event()
            self._startup_error = None
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._run, args=(ready,), name="fake-slack", daemon=True)
            self._thread.start()
            ready.wait(timeout=10)
            if self._startup_error is not None or not ready.is_set():
                self._thread.join(timeout=5)
                self._thread = None
                raise RuntimeError("fake Slack failed to start") from self._startup_error
        return self

    def stop(self) -> None:
        """Stop serving and join the thread (idempotent)."""
        with self._lifecycle:
            thread, loop = self._thread, self._loop
            if thread is None or loop is None:
                return
            future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            future.result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            self._thread = None
            self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound TCP port (0 before start)."""
        return self._port

    @property
    def origin(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self._port}"

    @property
    def url(self) -> str:
        """The Web API base URL for AsyncWebClient(base_url=...)."""
        return f"{self.origin}/api/"

    def _run(self, ready: threading.Event) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._startup())
        except BaseException as exc:
            self._startup_error = exc
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _startup(self) -> None:
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/v1/{key}", self._handle_upload)
        app.router.add_post("/response/{key}", self._handle_response_url)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5, handler_cancellation=True)
        await self._runner.setup()
        await self._bind()

    async def _bind(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, "127.0.0.1", self._port, reuse_address=True)
        await self._site.start()
        self._port = self._site.port

    async def _shutdown(self) -> None:
        if self._closing is not None:
            self._closing.set()
        if self._restart_handle is not None:
            self._restart_handle.cancel()
            self._restart_handle = None
        if self._restart_task is not None:
            with contextlib.suppress(OSError):
                await self._restart_task
            self._restart_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._site = None

    def refuse_connections(self, seconds: float) -> None:
        """Close the listening socket for `seconds` (connections are refused), then listen again."""
        loop = self._loop
        if loop is None:
            raise RuntimeError("fake Slack is not running")
        asyncio.run_coroutine_threadsafe(self._pause_listening(seconds), loop).result(timeout=5)

    async def _pause_listening(self, seconds: float) -> None:
        if self._site is not None:
            await self._site.stop()
            self._site = None
        loop = asyncio.get_running_loop()

        def restart() -> None:
            self._restart_handle = None
            self._restart_task = loop.create_task(self._bind())

        self._restart_handle = loop.call_later(seconds, restart)

    # ------------------------------------------------------------------ configuration

    def fail(
        self,
        method: str,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: int = 1,
        error: str | None = None,
        delay: float | None = None,
    ) -> None:
        """Make the next `times` calls of `method` ("*" = any) fail; nothing is stored.

        error=... answers HTTP 200 ok:false with that error; otherwise HTTP `status` (429 with
        Retry-After). delay=seconds waits before answering. status=200 with no error answers
        normally after the delay (a slow but successful call: stored at once, answered late, so a
        caller that times out cannot tell whether it worked).
        """
        with self._lock:
            self._faults.append(_Fault(method, status, retry_after, error, delay, times))

    def slow_down(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Delay the next `times` calls of `method`, then answer them normally."""
        self.fail(method, status=200, times=times, delay=seconds)

    def person_writes(self, user_id: str, text: str) -> Message:
        """A person types a message in their DM with the bot: kept in its history, as Slack keeps it."""
        with self._lock:
            channel_id = dm_channel_id(user_id)
            self._channel_members(channel_id)
            self._opened_dms.add(channel_id)
            msg = Message(channel=channel_id, ts=self._next_ts(), text=text, user=user_id, bot_id=None)
            self._history.setdefault(channel_id, {})[msg.ts] = msg
            return dataclasses.replace(msg)

    def add_member(self, channel_id: str, user_id: str) -> None:
        """Add a user to a workspace channel while the server runs (e.g. a new coordinator)."""
        with self._lock:
            self.workspace.add_member(channel_id, user_id)

    def remove_member(self, channel_id: str, user_id: str) -> None:
        """Remove a user from a workspace channel while the server runs."""
        with self._lock:
            self.workspace.remove_member(channel_id, user_id)

    def faults_left(self) -> int:
        """Calls still to be failed or slowed by queued faults (0 once each has been met)."""
        with self._lock:
            return sum(f.remaining for f in self._faults)

    def clear_faults(self) -> None:
        """Drop queued faults."""
        with self._lock:
            self._faults.clear()

    def reset(self) -> None:
        """Forget all recorded calls, messages, views, files and faults."""
        with self._lock:
            self._init_state()

    # ------------------------------------------------------------------ inspection

    @property
    def calls(self) -> list[Call]:
        """Every request answered so far, in order of answer."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """Calls of one Web API method."""
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def redraws(self) -> int:
        """Messages edited so far: chat.update and response_url posts that Slack accepted."""
        with self._lock:
            return sum(
                1 for c in self._calls if c.method in ("chat.update", "response_url") and c.status == 200
            )

    def reset_calls(self) -> None:
        """Forget recorded calls and the 429 count."""
        with self._lock:
            self._calls.clear()
            self._ratelimited = 0

    @property
    def ratelimited_count(self) -> int:
        """How many requests were answered with HTTP 429 (rate limits and injected)."""
        with self._lock:
            return self._ratelimited

    def messages(self, channel_or_user_id: str) -> list[Message]:
        """Messages in a channel, oldest first; a user id means the bot's DM with that user."""
        channel = self._storage_channel(channel_or_user_id)
        with self._lock:
            return [dataclasses.replace(m) for m in self._history.get(channel, {}).values()]

    def dm_messages(self, user_id: str) -> list[Message]:
        """Messages in the bot's DM with a user, oldest first (theirs too, if they wrote to the bot)."""
        return self.messages(dm_channel_id(user_id))

    def all_messages(self) -> list[Message]:
        """Every stored message across channels, ordered by ts."""
        with self._lock:
            found = [dataclasses.replace(m) for h in self._history.values() for m in h.values()]
        return sorted(found, key=lambda m: float(m.ts))

    def ephemerals(self, user_id: str) -> list[Ephemeral]:
        """Ephemeral messages shown to a user, oldest first."""
        with self._lock:
            return [e for e in self._ephemerals if e.user == user_id]

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The latest App Home view published for a user, or None."""
        with self._lock:
            view_id = self._home_views.get(user_id)
            return dict(self._views[view_id].view) if view_id else None

    def opened_views(self) -> list[OpenedView]:
        """Modals opened or pushed, in order, with their latest content."""
        with self._lock:
            return [
                dataclasses.replace(v)
                for v in self._views.values()
                if v.method in ("views.open", "views.push")
            ]

    def uploaded_files(self, channel_id: str | None = None) -> list[UploadedFile]:
        """Files shared to a channel (a user id means its DM), or all files when None."""
        channel = self._storage_channel(channel_id) if channel_id else None
        with self._lock:
            return [f for f in self._files if channel is None or f.channel_id == channel]

    def responses(self, url: str | None = None) -> list[ResponsePost]:
        """Bodies POSTed to response_urls issued by new_response_url (optionally one url)."""
        with self._lock:
            return [r for r in self._responses if url is None or r.url == url]

    def new_trigger_id(self, user_id: str | None = None, *, age: float = 0.0) -> str:
        """Issue a trigger_id valid for 3 s from now (or already `age` seconds old)."""
        with self._lock:
            n = next(self._counter)
            digest = hashlib.sha256(f"trigger:{n}".encode()).hexdigest()[:32]
            trigger = f"{1_700_000_000_000 + n}.{4_242_424_242}.{digest}"
            self._triggers[trigger] = _Trigger(time.monotonic() - age, user_id)
            return trigger

    def new_response_url(
        self, channel: str | None = None, message_ts: str | None = None, *, age: float = 0.0
    ) -> str:
        """Issue a response_url for the message at channel/message_ts (if any); POSTs are kept."""
        # Like Slack's, it takes RESPONSE_URL_USES posts within RESPONSE_URL_TTL seconds; a post with
        # replace_original edits (delete_original deletes) the message it was issued for.
        with self._lock:
            key = hashlib.sha256(f"response:{next(self._counter)}".encode()).hexdigest()[:24]
            self._response_keys[key] = _ResponseUrl(time.monotonic() - age, channel, message_ts)
        return f"{self.origin}/response/{key}"

    # ------------------------------------------------------------------ HTTP plumbing

    async def _read_args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = json.loads(await request.read() or b"{}")
                except ValueError:
                    raise SlackError("invalid_json") from None
                if isinstance(body, dict):
                    args.update(body)
            elif request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                form = await request.post()
                for key, part in form.items():
                    args[key] = part.file.read() if isinstance(part, web.FileField) else part
        for key in JSON_FIELDS:
            value = args.get(key)
            if isinstance(value, str) and value[:1] in ("[", "{"):
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(value)
        return args

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method in (method, "*"):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when the server is stopping."""
        assert self._closing is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), timeout=seconds)

    def _fault_response(self, fault: _Fault) -> tuple[int, dict[str, Any], dict[str, str]]:
        if fault.error is not None:
            return 200, {"ok": False, "error": fault.error}, {}
        if fault.status == 429:
            headers = {"Retry-After": str(max(1, fault.retry_after))}
            return 429, {"ok": False, "error": "ratelimited"}, headers
        errors = {500: "internal_error", 502: "bad_gateway", 503: "service_unavailable"}
        return fault.status, {"ok": False, "error": errors.get(fault.status, "fatal_error")}, {}

    def _record(self, method: str, args: dict[str, Any], at: float, status: int, error: str | None) -> None:
        with self._lock:
            self._calls.append(Call(method, args, at, status, error))
            if status == 429:
                self._ratelimited += 1

    async def _handle_api(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        method = request.match_info["method"]
        try:
            args = await self._read_args(request)
        except SlackError as exc:
            self._record(method, {}, at, 200, exc.error)
            return web.json_response({"ok": False, "error": exc.error})
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
        token = token or (str(args.pop("token")) if args.get("token") else None)
        args.pop("token", None)

        headers: dict[str, str] = {}
        fault = self._take_fault(method)
        if fault is not None and fault.status == 200 and fault.error is None:
            # Like Slack, do the work first and answer late: a client that gives up waiting
            # cannot know whether its message was posted.
            status, body, headers = self._dispatch(method, args, token)
            self._record(method, args, at, status, None if body.get("ok") else body.get("error"))
            await self._sleep(fault.delay or 0.0)
            return web.json_response(body, status=status, headers=headers)
        if fault is not None and fault.delay:
            await self._sleep(fault.delay)
        if fault is not None:
            status, body, headers = self._fault_response(fault)
        else:
            status, body, headers = self._dispatch(method, args, token)
        self._record(method, args, at, status, None if body.get("ok") else body.get("error"))
        return web.json_response(body, status=status, headers=headers)

    def _dispatch(
        self, method: str, args: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        handler = self._methods.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}, {}
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        # Bot tokens cannot open Socket Mode connections, and app-level tokens can do nothing else.
        if (token in self.tokens and method in APP_TOKEN_METHODS) or (
            token in self.app_tokens and method not in APP_TOKEN_METHODS
        ):
            return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
        if token not in self.tokens | self.app_tokens:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        try:
            with self._lock:
                self._check_tier(method)
                body = handler(args)
        except SlackError as exc:
            return exc.status, {"ok": False, "error": exc.error}, exc.headers
        headers = {"X-OAuth-Scopes": BOT_SCOPES} if method == "auth.test" else {}
        return 200, {"ok": True, **body}, headers

    async def _handle_upload(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        key = request.match_info["key"]
        if request.content_type == "multipart/form-data":
            form = await request.post()
            parts = [v for v in form.values() if isinstance(v, web.FileField)]
            content = parts[0].file.read() if parts else b""
        else:
            content = await request.read()
        fault = self._take_fault("upload")
        if fault is not None and fault.delay:
            await self._sleep(fault.delay)
        if fault is not None and not (fault.status == 200 and fault.error is None):
            status = 200 if fault.error else fault.status
            self._record("upload", {"key": key, "size": len(content)}, at, status, fault.error)
            return web.Response(status=status, text=fault.error or "error")
        with self._lock:
            file_id = self._upload_keys.get(key)
            upload = self._uploads.get(file_id) if file_id else None
            if upload is not None:
                upload.content = content
            else:
                file_id = None
        status = 200 if file_id else 404
        self._record("upload", {"file_id": file_id, "size": len(content)}, at, status, None)
        text = f"OK - {len(content)}" if file_id else "not found"
        return web.Response(status=status, text=text, content_type="text/plain")

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        key = request.match_info["key"]
        body = await request.json() if request.content_type == "application/json" else {}
        url = f"{self.origin}/response/{key}"
        fault = self._take_fault("response_url")
        if fault is not None and fault.delay:
            # slow_down("response_url", ...): this post lands late, after any that came behind it.
            await self._sleep(fault.delay)
        with self._lock:
            status, text = self._use_response_url(key, body, at)
            if status == 200:
                self._responses.append(ResponsePost(url, body, at))
        self._record("response_url", {"url": url, **body}, at, status, None if status == 200 else text)
        return web.Response(status=status, text=text)

    def _use_response_url(self, key: str, body: dict[str, Any], at: float) -> tuple[int, str]:
        issued = self._response_keys.get(key)
        if issued is None:
            return 404, "no_service"
        if at - issued.issued_at > RESPONSE_URL_TTL:
            return 404, "expired_url"
        if issued.uses >= RESPONSE_URL_USES:
            return 404, "used_url"
        issued.uses += 1
        source = self._history.get(issued.channel or "", {}).get(issued.message_ts or "")
        if source is None:
            return 200, "ok"
        if _flag(body.get("delete_original", False)):
            del self._history[source.channel][source.ts]
        elif _flag(body.get("replace_original", False)):
            try:
                content = self._message_content(body, require=True)
            except SlackError as exc:
                return 400, exc.error
            content.pop("metadata", None)
            source.text = content.get("text", "")
            source.blocks = content.get("blocks")
            source.attachments = content.get("attachments")
            source.edited_ts = self._next_ts()
        return 200, "ok"

    # ------------------------------------------------------------------ shared helpers

    def _handlers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "api.test": lambda args: {"args": args},
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "team.info": self._team_info,
            "users.list": self._users_list,
            "users.info": self._users_info,
            "conversations.members": self._conversations_members,
            "conversations.info": self._conversations_info,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    def _storage_channel(self, channel_or_user_id: str) -> str:
        if channel_or_user_id[:1] in ("U", "W"):
            return dm_channel_id(channel_or_user_id)
        return channel_or_user_id

    def _next_ts(self) -> str:
        now_us = int(time.time() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 100)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        n = next(self._counter)
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        digits = ""
        while n:
            n, rem = divmod(n, 36)
            digits = alphabet[rem] + digits
        return prefix + digits.rjust(10, "0")

    def _user(self, user_id: Any) -> User:
        user = self.workspace.users.get(str(user_id or ""))
        if user is None:
            raise SlackError("user_not_found")
        return user

    def _human_for_dm(self, channel_id: str) -> User | None:
        user = self.workspace.users.get(_user_for_dm(channel_id))
        return user if user is not None and not user.is_bot else None

    def _channel_members(self, channel_id: str) -> list[str]:
        """Members of a channel the bot can see; raises like Slack for unknown/private ones."""
        if channel_id.startswith("D"):
            user = self._human_for_dm(channel_id)
            if user is None:
                raise SlackError("channel_not_found")
            return [user.id, BOT_USER_ID]
        channel = self.workspace.channels.get(channel_id) or self._mpims.get(channel_id)
        if channel is None or (channel.is_private and BOT_USER_ID not in channel.members):
            raise SlackError("channel_not_found")
        return list(channel.members)

    def _post_channel(self, raw: Any) -> str:
        """Resolve chat.postMessage's `channel`: user id -> DM, #name -> id, else a known id."""
        value = str(raw or "")
        if not value:
            raise SlackError("channel_not_found")
        if value[:1] in ("U", "W"):
            user = self.workspace.users.get(value)
            if user is None or user.is_bot:
                raise SlackError("channel_not_found")
            value = dm_channel_id(value)
            self._opened_dms.add(value)
        elif value.startswith("#"):
            found = [c.id for c in self.workspace.channels.values() if c.name == value[1:]]
            if not found:
                raise SlackError("channel_not_found")
            value = found[0]
        self._channel_members(value)
        return value

    def _readable_channel(self, raw: Any) -> str:
        """A channel id the bot may read history of (private: member; public: member)."""
        channel_id = str(raw or "")
        members = self._channel_members(channel_id)
        if not channel_id.startswith("D") and BOT_USER_ID not in members:
            raise SlackError("not_in_channel")
        return channel_id

    def _channel_json(self, channel_id: str, *, num_members: bool) -> dict[str, Any]:
        if channel_id.startswith("D"):
            user = self._human_for_dm(channel_id)
            assert user is not None
            return {
                "id": channel_id,
                "created": 1_700_000_000,
                "is_im": True,
                "is_org_shared": False,
                "user": user.id,
                "is_user_deleted": user.deleted,
                "priority": 0,
                "is_open": channel_id in self._opened_dms,
            }
        channel = self.workspace.channels.get(channel_id) or self._mpims[channel_id]
        is_mpim = channel_id in self._mpims
        data: dict[str, Any] = {
            "id": channel.id,
            "name": channel.name,
            "is_channel": not channel.is_private,
            "is_group": channel.is_private and not is_mpim,
            "is_im": False,
            "is_mpim": is_mpim,
            "is_private": channel.is_private,
            "created": 1_700_000_000,
            "is_archived": False,
            "is_general": False,
            "is_shared": False,
            "is_org_shared": False,
            "is_member": BOT_USER_ID in channel.members,
            "creator": channel.members[0] if channel.members else "",
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "context_team_id": self.workspace.team_id,
        }
        if num_members:
            data["num_members"] = len(channel.members)
        return data

    def _message_json(self, msg: Message, *, include_metadata: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": "message",
            "text": msg.text,
            "user": msg.user,
            "ts": msg.ts,
            "team": self.workspace.team_id,
        }
        if msg.bot_id:
            data.update(
                bot_id=msg.bot_id,
                app_id=APP_ID,
                bot_profile={
                    "id": msg.bot_id,
                    "app_id": APP_ID,
                    "name": "PeerPulse",
                    "deleted": False,
                    "team_id": self.workspace.team_id,
                },
            )
        if msg.blocks is not None:
            data["blocks"] = msg.blocks
        if msg.attachments is not None:
            data["attachments"] = msg.attachments
        if msg.files is not None:
            data.update(files=msg.files, upload=False, display_as_bot=False)
        if msg.thread_ts is not None:
            data["thread_ts"] = msg.thread_ts
            if msg.reply_broadcast:
                data["subtype"] = "thread_broadcast"
        if msg.edited_ts is not None:
            data["edited"] = {"user": msg.user, "ts": msg.edited_ts}
        if include_metadata and msg.metadata is not None:
            data["metadata"] = msg.metadata
        replies = [
            m for m in self._history.get(msg.channel, {}).values() if m.thread_ts == msg.ts and m.ts != msg.ts
        ]
        if replies:
            data.update(
                thread_ts=msg.ts,
                reply_count=len(replies),
                latest_reply=replies[-1].ts,
                reply_users=sorted({m.user for m in replies}),
            )
        return data

    def _find_message(self, args: dict[str, Any]) -> Message:
        channel = str(args.get("channel") or "")
        self._channel_members(channel)
        msg = self._history.get(channel, {}).get(str(args.get("ts") or ""))
        if msg is None:
            raise SlackError("message_not_found")
        return msg

    def _message_content(self, args: dict[str, Any], *, require: bool) -> dict[str, Any]:
        """Validate text/blocks/attachments/metadata like Slack; return the parts given."""
        text = args.get("text")
        blocks = args.get("blocks")
        attachments = args.get("attachments")
        metadata = args.get("metadata")
        if require and not (text or blocks or attachments):
            raise SlackError("no_text")
        if text is not None and len(str(text)) > MAX_TEXT:
            raise SlackError("msg_too_long")
        if blocks is not None and not (
            isinstance(blocks, list)
            and len(blocks) <= MAX_BLOCKS_MESSAGE
            and all(isinstance(b, dict) and "type" in b for b in blocks)
        ):
            raise SlackError("invalid_blocks")
        if attachments is not None and not isinstance(attachments, list):
            raise SlackError("invalid_attachments")
        if metadata is not None and not (
            isinstance(metadata, dict)
            and isinstance(metadata.get("event_type"), str)
            and isinstance(metadata.get("event_payload"), dict)
        ):
            raise SlackError("invalid_metadata_format")
        content: dict[str, Any] = {}
        if text is not None:
            content["text"] = str(text)
        for name, value in (
            ("blocks", blocks),
            ("attachments", attachments),
            ("metadata", metadata),
        ):
            if value is not None:
                content[name] = value
        return content

    def _check_tier(self, method: str) -> None:
        """Hold a tiered method to its budget (a token bucket per method); 429 + Retry-After beyond."""
        tier = METHOD_TIERS.get(method)
        if not self.tiers or tier is None:
            return
        rate = TIER_PER_MINUTE[tier] / 60.0 * self.tier_scale
        capacity = max(1.0, rate * BURST_SECONDS)
        now = time.monotonic()
        bucket = self._tier_buckets.setdefault(method, _Bucket(capacity, now))
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens < 1.0:
            retry_after = str(max(1, math.ceil((1.0 - bucket.tokens) / rate)))
            raise SlackError("ratelimited", status=429, headers={"Retry-After": retry_after})
        bucket.tokens -= 1.0

    def _check_rate(self, channel: str) -> None:
        """Per-channel and workspace-wide limits for chat.postMessage; consume on success."""
        now = time.monotonic()
        waits: list[float] = []
        last = self._channel_last_post.get(channel)
        interval = 1.0 / self.per_channel_rate if self.per_channel_rate > 0 else 0.0
        if last is not None and interval and now - last < interval - 0.05:
            waits.append(interval - (now - last))
        if self.workspace_rate:
            capacity = max(1.0, self.workspace_rate)
            self._bucket_tokens = min(
                capacity, self._bucket_tokens + (now - self._bucket_at) * self.workspace_rate
            )
            self._bucket_at = now
            if self._bucket_tokens < 1.0:
                waits.append((1.0 - self._bucket_tokens) / self.workspace_rate)
        if waits:
            retry_after = str(max(1, math.ceil(max(waits))))
            raise SlackError("ratelimited", status=429, headers={"Retry-After": retry_after})
        self._channel_last_post[channel] = now
        if self.workspace_rate:
            self._bucket_tokens -= 1.0

    def _take_trigger(self, trigger_id: Any) -> _Trigger:
        trigger = self._triggers.get(str(trigger_id or ""))
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("trigger_exchanged")
        if time.monotonic() - trigger.issued_at > TRIGGER_TTL:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def _view_arg(self, args: dict[str, Any], *, types: tuple[str, ...]) -> dict[str, Any]:
        view = args.get("view")
        if not isinstance(view, dict) or view.get("type") not in types:
            raise SlackError("invalid_arguments")
        blocks = view.get("blocks", [])
        if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS_VIEW:
            raise SlackError("invalid_arguments")
        return view

    def _view_json(self, record: OpenedView) -> dict[str, Any]:
        view = record.view
        return {
            "id": record.id,
            "team_id": self.workspace.team_id,
            "type": view.get("type"),
            "title": view.get("title"),
            "blocks": view.get("blocks", []),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": record.hash,
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": record.id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "external_id": record.external_id or "",
            "app_installed_team_id": self.workspace.team_id,
            "bot_id": BOT_ID,
        }

    def _new_hash(self) -> str:
        digest = hashlib.sha256(str(next(self._counter)).encode()).hexdigest()[:8]
        return f"{int(time.time())}.{digest}"

    def _store_view(
        self, view: dict[str, Any], *, method: str, user_id: str | None, trigger_id: str | None
    ) -> OpenedView:
        external_id = view.get("external_id") or None
        if external_id and any(v.external_id == external_id for v in self._views.values()):
            raise SlackError("duplicate_external_id")
        record = OpenedView(
            id=self._new_id("V"),
            view=view,
            method=method,
            user_id=user_id,
            trigger_id=trigger_id,
            hash=self._new_hash(),
            external_id=external_id,
        )
        record.history.append(view)
        self._views[record.id] = record
        return record

    # ------------------------------------------------------------------ Web API methods

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        # A real ticket is single-use and short-lived; nothing here connects to it.
        ticket = hashlib.sha256(f"ticket:{next(self._counter)}".encode()).hexdigest()[:16]
        return {"url": f"wss://wss-primary.slack.com/link/?ticket={ticket}&app_id={APP_ID}"}

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.workspace.domain}.slack.com/",
            "team": self.workspace.name,
            "user": "peerpulse",
            "team_id": self.workspace.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _team_info(self, args: dict[str, Any]) -> dict[str, Any]:
        ws = self.workspace
        return {
            "team": {
                "id": ws.team_id,
                "name": ws.name,
                "url": f"https://{ws.domain}.slack.com/",
                "domain": ws.domain,
                "email_domain": f"{ws.domain}.example",
                "icon": {"image_default": True},
                "avatar_base_url": "https://avatars.example/",
                "is_verified": False,
            }
        }

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        users = list(self.workspace.users.values())
        if not args.get("limit") and len(users) > 1000:
            raise SlackError("limit_required")
        page, next_cursor = _paginate(
            users, args, kind="user", default_limit=max(1, len(users)), max_limit=1000
        )
        return {
            "members": [
                user_json(u, self.workspace, include_locale=_flag(args.get("include_locale"))) for u in page
            ],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._user(args.get("user"))
        return {"user": user_json(user, self.workspace, include_locale=_flag(args.get("include_locale")))}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        members = self._channel_members(str(args.get("channel") or ""))
        page, next_cursor = _paginate(members, args, kind="member", default_limit=100, max_limit=1000)
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(args.get("channel") or "")
        self._channel_members(channel_id)
        return {
            "channel": self._channel_json(
                channel_id, num_members=_flag(args.get("include_num_members", False))
            )
        }

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            channel_id = str(args["channel"])
            self._channel_members(channel_id)
            return {"channel": {"id": channel_id}, "no_op": True, "already_open": True}
        user_ids = [u.strip() for u in str(args.get("users") or "").split(",") if u.strip()]
        if not user_ids:
            raise SlackError("users_list_not_supplied")
        users = [self._user(uid) for uid in user_ids]
        if any(u.is_bot for u in users):
            raise SlackError("cannot_dm_bot")
        if len(users) > 8:
            raise SlackError("too_many_users")
        if len(users) == 1:
            channel_id = dm_channel_id(users[0].id)
        else:
            key = ",".join(sorted(user_ids)).encode()
            channel_id = "G" + hashlib.sha256(key).hexdigest()[:10].upper()
            self._mpims.setdefault(
                channel_id,
                Channel(
                    channel_id,
                    "mpdm-" + "--".join(u.name for u in users) + "-1",
                    True,
                    [*user_ids, BOT_USER_ID],
                ),
            )
        already = channel_id in self._opened_dms
        self._opened_dms.add(channel_id)
        channel: dict[str, Any] = {"id": channel_id}
        if _flag(args.get("return_im", False)):
            channel = self._channel_json(channel_id, num_members=False)
        return {"no_op": already, "already_open": already, "channel": channel}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._readable_channel(args.get("channel"))
        try:
            oldest = float(args.get("oldest") or 0)
            latest = float(args.get("latest") or "inf")
        except ValueError:
            raise SlackError("invalid_ts_oldest") from None
        inclusive = _flag(args.get("inclusive", False))
        with_metadata = _flag(args.get("include_all_metadata", False))

        def in_range(ts: float) -> bool:
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        messages = [
            m
            for m in self._history.get(channel_id, {}).values()
            if in_range(float(m.ts)) and (m.thread_ts in (None, m.ts) or m.reply_broadcast)
        ]
        messages.reverse()
        page, next_cursor = _paginate(messages, args, kind="history", default_limit=100, max_limit=999)
        return {
            "messages": [self._message_json(m, include_metadata=with_metadata) for m in page],
            "has_more": bool(next_cursor),
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._readable_channel(args.get("channel"))
        ts = str(args.get("ts") or "")
        history = self._history.get(channel_id, {})
        if ts not in history:
            raise SlackError("thread_not_found")
        root = history[ts].thread_ts or ts
        thread = [m for m in history.values() if m.ts == root or m.thread_ts == root]
        with_metadata = _flag(args.get("include_all_metadata", False))
        page, next_cursor = _paginate(thread, args, kind="replies", default_limit=1000, max_limit=1000)
        return {
            "messages": [self._message_json(m, include_metadata=with_metadata) for m in page],
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._post_channel(args.get("channel"))
        content = self._message_content(args, require=True)
        self._check_rate(channel_id)
        thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
        msg = Message(
            channel=channel_id,
            ts=self._next_ts(),
            thread_ts=thread_ts,
            reply_broadcast=bool(thread_ts) and _flag(args.get("reply_broadcast", False)),
            **content,
        )
        self._history.setdefault(channel_id, {})[msg.ts] = msg
        return {"channel": channel_id, "ts": msg.ts, "message": self._message_json(msg)}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        msg = self._find_message(args)
        if msg.user != BOT_USER_ID:
            raise SlackError("cant_update_message")
        content = self._message_content(args, require=False)
        for name, value in content.items():
            setattr(msg, name, value)
        msg.edited_ts = self._next_ts()
        return {
            "channel": msg.channel,
            "ts": msg.ts,
            "text": msg.text,
            "message": self._message_json(msg),
        }

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._user(args.get("user"))
        raw = str(args.get("channel") or "")
        channel_id = dm_channel_id(raw) if raw[:1] in ("U", "W") else raw
        if user.id not in self._channel_members(channel_id):
            raise SlackError("user_not_in_channel")
        content = self._message_content(args, require=True)
        ephemeral = Ephemeral(
            channel=channel_id,
            user=user.id,
            message_ts=self._next_ts(),
            text=content.get("text", ""),
            blocks=content.get("blocks"),
        )
        self._ephemerals.append(ephemeral)
        return {"message_ts": ephemeral.message_ts}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        msg = self._find_message(args)
        if msg.user != BOT_USER_ID:
            raise SlackError("cant_delete_message")
        del self._history[msg.channel][msg.ts]
        return {"channel": msg.channel, "ts": msg.ts}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args, types=("modal",))
        trigger = self._take_trigger(args.get("trigger_id"))
        record = self._store_view(
            view,
            method="views.open",
            user_id=trigger.user_id,
            trigger_id=str(args["trigger_id"]),
        )
        return {"view": self._view_json(record)}

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args, types=("modal",))
        trigger = self._take_trigger(args.get("trigger_id"))
        record = self._store_view(
            view,
            method="views.push",
            user_id=trigger.user_id,
            trigger_id=str(args["trigger_id"]),
        )
        return {"view": self._view_json(record)}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args, types=("modal", "home"))
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if view_id:
            record = self._views.get(str(view_id))
        elif external_id:
            record = next((v for v in self._views.values() if v.external_id == external_id), None)
        else:
            raise SlackError("invalid_arguments")
        if record is None:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != record.hash:
            raise SlackError("hash_conflict")
        record.view = view
        record.history.append(view)
        record.hash = self._new_hash()
        return {"view": self._view_json(record)}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._user(args.get("user_id"))
        view = self._view_arg(args, types=("home",))
        view_id = self._home_views.get(user.id)
        if view_id is None:
            record = self._store_view(view, method="views.publish", user_id=user.id, trigger_id=None)
            self._home_views[user.id] = record.id
        else:
            record = self._views[view_id]
            if args.get("hash") and args["hash"] != record.hash:
                raise SlackError("hash_conflict")
            record.view = view
            record.history.append(view)
            record.hash = self._new_hash()
        return {"view": self._view_json(record)}

    def _files_get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = str(args.get("filename") or "")
        length = _int_arg(args, "length", 0)
        if not filename or length <= 0:
            raise SlackError("invalid_arguments")
        alt_txt = str(args["alt_txt"]) if args.get("alt_txt") else None
        if alt_txt is not None and len(alt_txt) > ALT_TXT_LIMIT:
            raise SlackError("alt_txt_too_large")
        file_id = self._new_id("F")
        key = hashlib.sha256(f"upload:{file_id}".encode()).hexdigest()[:24]
        self._uploads[file_id] = _PendingUpload(file_id, filename, length, alt_txt=alt_txt)
        self._upload_keys[key] = file_id
        return {"upload_url": f"{self.origin}/upload/v1/{key}", "file_id": file_id}

    def _files_complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        items = args.get("files")
        if not isinstance(items, list) or not items:
            raise SlackError("invalid_arguments")
        pending: list[tuple[_PendingUpload, str]] = []
        for item in items:
            upload = self._uploads.get(str(item.get("id") if isinstance(item, dict) else ""))
            if upload is None or upload.content is None:
                raise SlackError("file_not_found")
            pending.append((upload, str(item.get("title") or upload.filename)))
        channels = [str(args["channel_id"])] if args.get("channel_id") else []
        channels += [c for c in str(args.get("channels") or "").split(",") if c]
        for channel_id in channels:
            self._post_channel(channel_id)
        thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
        comment = str(args["initial_comment"]) if args.get("initial_comment") else None

        created = int(time.time())
        files_json: list[dict[str, Any]] = []
        for upload, title in pending:
            content = upload.content or b""
            mimetype = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
            files_json.append(
                {
                    "id": upload.file_id,
                    "created": created,
                    "timestamp": created,
                    "name": upload.filename,
                    "title": title,
                    "mimetype": mimetype,
                    "filetype": upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "",
                    "user": BOT_USER_ID,
                    "size": len(content),
                    "is_public": any(c.startswith("C") for c in channels),
                    "url_private": f"{self.origin}/files/{upload.file_id}/{upload.filename}",
                    "permalink": f"https://{self.workspace.domain}.slack.com/files/{upload.file_id}",
                    **({"alt_txt": upload.alt_txt} if upload.alt_txt else {}),
                }
            )
            targets: list[str | None] = [*channels] if channels else [None]
            for target in targets:
                self._files.append(
                    UploadedFile(
                        id=upload.file_id,
                        filename=upload.filename,
                        title=title,
                        content=content,
                        channel_id=target,
                        initial_comment=comment,
                        thread_ts=thread_ts,
                        alt_txt=upload.alt_txt,
                    )
                )
            del self._uploads[upload.file_id]
        for channel_id in channels:
            # Sharing a file posts a message carrying it, as Slack does.
            msg = Message(
                channel=channel_id,
                ts=self._next_ts(),
                text=comment or "",
                thread_ts=thread_ts,
                files=files_json,
            )
            self._history.setdefault(channel_id, {})[msg.ts] = msg
        return {"files": files_json}
