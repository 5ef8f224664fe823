"""Microsoft's side of Teams on 127.0.0.1: a Bot Connector, its token stub and its signing keys.

Run in a background thread like the fake Slack, so tests and the demo talk real HTTP to it. The
connector needs a Bearer token from its own client-credentials endpoint, enforces the documented
rate limits (429 with Retry-After) and refuses a 1:1 conversation with a person who has not got the
app installed (403), as the real one does.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from handlers.teams.simulation.limits import PER_CONVERSATION, PER_TENANT, SlidingWindows
from handlers.teams.simulation.signing import TokenSigner
from handlers.teams.simulation.tenant import APP_PASSWORD, Tenant

BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
# Teams refuses a message over about 100 KB; inline data: images do not count towards it.
MAX_ACTIVITY_BYTES = 100 * 1024
MIN_PAGE, MAX_PAGE = 50, 500
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class SentActivity:
    """A message the bot sent, as the conversation now shows it."""

    id: str
    conversation: str
    text: str
    attachments: list[dict[str, Any]] = field(default_factory=list)
    updates: int = 0
    # The activity's `value` (data clients do not show), as sent.
    value: Any = None


@dataclass
class _Fault:
    operation: str
    status: int
    retry_after: int | None
    times: int
    # For a late answer: the call is handled at once and answered this many seconds later.
    delay: float = 0.0


class FakeTeams:
    """The Bot Connector, token endpoint and OpenID/JWKS endpoints for one tenant."""

    def __init__(
        self,
        tenant: Tenant,
        *,
        app_password: str = APP_PASSWORD,
        clock: Callable[[], float] = time.monotonic,
        limits: bool = True,
    ) -> None:
        """Limits are on by default; `clock` lets a test step through the hour-long window."""
        self.tenant = tenant
        self.app_password = app_password
        self.signer = TokenSigner()
        self.clock = clock
        self.limits = limits
        self._lock = threading.Lock()
        self._port = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._ids = itertools.count(1)
        self._access_tokens: dict[str, float] = {}
        self._faults: list[_Fault] = []
        self.personal: dict[str, str] = {}  # conversation id -> Teams user id
        self.activities: dict[str, dict[str, SentActivity]] = defaultdict(dict)
        self.rate_limited = 0
        self.requests: list[tuple[str, str]] = []  # (method, path) of every connector call
        self._tenant_window = SlidingWindows(PER_TENANT)
        self._windows: dict[tuple[str, str], SlidingWindows] = {}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Start serving in a background thread; return once listening."""
        ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="fake-teams", daemon=True)
        self._thread.start()
        if not ready.wait(timeout=10) or self._startup_error is not None:
            self._thread.join(timeout=5)
            self._thread = self._loop = None
            raise RuntimeError("fake Teams failed to start") from self._startup_error
        return self

    def stop(self) -> None:
        """Stop serving and join the thread (idempotent)."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread = self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self._port}"

    @property
    def service_url(self) -> str:
        """The connector's base URL, as activities carry it in `serviceUrl`."""
        return f"{self.origin}/"

    def regional_service_url(self, region: str) -> str:
        """A regional connector's base URL (as Teams gives each conversation the region serving it)."""
        return f"{self.origin}/{region}/"

    @property
    def token_url(self) -> str:
        """Where the bot asks for a connector token (client credentials)."""
        return f"{self.origin}/{self.tenant.id}/oauth2/v2.0/token"

    @property
    def openid_metadata_url(self) -> str:
        """The Bot Connector's OpenID metadata document."""
        return f"{self.origin}/v1/.well-known/openidconfiguration"

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
        app = web.Application(middlewares=[self._connector_gate])
        app.router.add_post("/{authority}/oauth2/v2.0/token", self._token)
        app.router.add_get("/v1/.well-known/openidconfiguration", self._openid)
        app.router.add_get("/v1/.well-known/keys", self._keys)
        # The global connector at /v3/…, and regional ones (as Teams' /amer/, /emea/…) under a prefix.
        for base in ("", "/{region}"):
            app.router.add_post(f"{base}/v3/conversations", self._create_conversation)
            app.router.add_post(f"{base}/v3/conversations/{{conversation}}/activities", self._send)
            app.router.add_put(
                f"{base}/v3/conversations/{{conversation}}/activities/{{activity}}", self._update
            )
            app.router.add_get(f"{base}/v3/conversations/{{conversation}}/pagedmembers", self._paged_members)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = site.port

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ test controls

    def fail(
        self, operation: str, *, status: int = 503, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Answer the next `times` calls of an operation (create, send, update, members, * = any) with `status`."""
        with self._lock:
            self._faults.append(_Fault(operation, status, retry_after, times))

    def answer_late(self, operation: str, seconds: float, *, times: int = 1) -> None:
        """Handle the next calls of an operation at once but answer them late (a caller that times
        out cannot tell that Teams delivered the message)."""
        with self._lock:
            self._faults.append(_Fault(operation, 200, None, times, delay=seconds))

    def rotate_keys(self) -> None:
        """Sign with a new key under a new kid from now on (the JWKS lists only the new one)."""
        self.signer = TokenSigner(kid=f"fake-teams-key-{secrets.token_hex(4)}")

    def uninstall(self, user_id: str) -> None:
        """The person removes (or blocks) the app: proactive messages to them now get 403."""
        self.tenant.users[user_id].installed = False

    def personal_conversation(self, user_id: str) -> str:
        """The 1:1 chat between the bot and a person, as Teams creates it when the app is installed."""
        conversation = "a:1" + user_id.removeprefix("29:1")
        with self._lock:
            self.personal[conversation] = user_id
        return conversation

    def authorization(self, activity: dict[str, Any], **claims: Any) -> str:
        """The Authorization header the Bot Connector sends with this activity (claims may override)."""
        token = self.signer.sign(app_id=self.tenant.app_id, service_url=str(activity["serviceUrl"]), **claims)
        return f"Bearer {token}"

    def sent_to(self, conversation: str) -> list[SentActivity]:
        """The bot's messages in a conversation, in order."""
        with self._lock:
            return list(self.activities.get(conversation, {}).values())

    # ------------------------------------------------------------------ auth and limits

    @web.middleware
    async def _connector_gate(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        if "/v3/" not in request.path:
            return await handler(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with self._lock:
            self.requests.append((request.method, request.path))
            expires = self._access_tokens.get(token)
            if expires is None or expires <= self.clock():
                return _error(401, "Unauthorized", "Authorization has been denied for this request.")
            fault = self._take_fault(_operation(request))
            if fault is not None and not fault.delay:
                return _error(fault.status, "ServiceError", "injected fault", retry_after=fault.retry_after)
            if self.limits:
                wait = self._tenant_window.admit(self.clock())
                if wait is not None:
                    self.rate_limited += 1
                    return _error(
                        429, "TooManyRequests", "Too many requests for the tenant.", retry_after=int(wait)
                    )
        response = await handler(request)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        return response

    def _take_fault(self, operation: str) -> _Fault | None:
        for fault in self._faults:
            if fault.operation in (operation, "*"):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _per_conversation(self, operation: str, conversation: str) -> web.Response | None:
        """429 when this bot has sent too much to one conversation (each operation counted apart)."""
        if not self.limits:
            return None
        window = self._windows.setdefault((operation, conversation), SlidingWindows(PER_CONVERSATION))
        wait = window.admit(self.clock())
        if wait is None:
            return None
        self.rate_limited += 1
        return _error(
            429, "TooManyRequests", "Too many requests in this conversation.", retry_after=int(wait)
        )

    # ------------------------------------------------------------------ identity

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        if form.get("client_id") != self.tenant.app_id or form.get("client_secret") != self.app_password:
            return web.json_response({"error": "invalid_client"}, status=401)
        if form.get("scope") != BOT_FRAMEWORK_SCOPE:
            return web.json_response({"error": "invalid_scope"}, status=400)
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._access_tokens[token] = self.clock() + 3600
        return web.json_response({"token_type": "Bearer", "expires_in": 3599, "access_token": token})

    async def _openid(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": "https://api.botframework.com",
                "authorization_endpoint": "https://invalid.botframework.com",
                "jwks_uri": f"{self.origin}/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [self.signer.jwk()]})

    # ------------------------------------------------------------------ connector

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await request.json()
        members = body.get("members") or []
        tenant = body.get("tenantId") or ((body.get("channelData") or {}).get("tenant") or {}).get("id")
        if body.get("isGroup") or len(members) != 1 or tenant != self.tenant.id:
            return _error(400, "BadSyntax", "A 1:1 conversation needs one member and the tenant id.")
        user = self.tenant.users.get(str(members[0].get("id")))
        if user is None:
            return _error(404, "NotFound", "The user is not in this tenant.")
        if not user.installed:
            return _error(403, "Forbidden", "The bot is not installed for this user.")
        conversation = "a:1" + user.id.removeprefix("29:1")
        with self._lock:
            refused = self._per_conversation("create", conversation)
            if refused is not None:
                return refused
            self.personal[conversation] = user.id
        return web.json_response({"id": conversation}, status=201)

    def _reachable(self, conversation: str) -> web.Response | None:
        user = self.personal.get(conversation)
        if user is None and conversation not in self.tenant.teams:
            return _error(404, "ConversationNotFound", "Conversation not found.")
        if user is not None and not self.tenant.users[user].installed:
            return _error(403, "Forbidden", "The bot is not part of the conversation roster.")
        return None

    async def _send(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        activity = await request.json()
        with self._lock:
            refused = self._reachable(conversation) or _too_big(activity)
            refused = refused or self._per_conversation("send", conversation)
            if refused is not None:
                return refused
            sent = SentActivity(
                id=f"1:{next(self._ids):012d}",
                conversation=conversation,
                text=str(activity.get("text") or ""),
                attachments=list(activity.get("attachments") or []),
                value=activity.get("value"),
            )
            self.activities[conversation][sent.id] = sent
        return web.json_response({"id": sent.id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        conversation, activity_id = request.match_info["conversation"], request.match_info["activity"]
        activity = await request.json()
        with self._lock:
            refused = self._reachable(conversation) or _too_big(activity)
            if refused is None and activity_id not in self.activities.get(conversation, {}):
                refused = _error(404, "ActivityNotFound", "Activity not found.")
            refused = refused or self._per_conversation("update", conversation)
            if refused is not None:
                return refused
            sent = self.activities[conversation][activity_id]
            sent.text = str(activity.get("text") or "")
            sent.attachments = list(activity.get("attachments") or [])
            sent.value = activity.get("value")
            sent.updates += 1
        return web.json_response({"id": activity_id})

    async def _paged_members(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        with self._lock:
            refused = self._reachable(conversation)
            if refused is not None:
                return refused
            roster = (
                [self.personal[conversation]]
                if conversation in self.personal
                else [m for m in self.tenant.teams[conversation].members if m in self.tenant.users]
            )
        size = min(MAX_PAGE, max(MIN_PAGE, int(request.query.get("pageSize") or MIN_PAGE)))
        token = request.query.get("continuationToken")
        start = int(base64.urlsafe_b64decode(token).decode()) if token else 0
        page = roster[start : start + size]
        body: dict[str, Any] = {"members": [self.tenant.users[m].account(self.tenant.id) for m in page]}
        if start + size < len(roster):
            body["continuationToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        return web.json_response(body)


def _operation(request: web.Request) -> str:
    if request.path.endswith("/pagedmembers"):
        return "members"
    if request.method == "PUT":
        return "update"
    return "send" if request.path.endswith("/activities") else "create"


def _too_big(activity: dict[str, Any]) -> web.Response | None:
    """413 for a message over Teams' size cap (inline data: images are not counted)."""
    counted = dict(activity)
    counted["attachments"] = [
        {k: v for k, v in a.items() if not (k == "contentUrl" and str(v).startswith("data:"))}
        for a in activity.get("attachments") or []
    ]
    if len(json.dumps(counted).encode()) > MAX_ACTIVITY_BYTES:
        return _error(413, "MessageSizeTooBig", "The activity is larger than Teams accepts.")
    return None


def _error(status: int, code: str, message: str, *, retry_after: int | None = None) -> web.Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)
