"""Assemble and run the whole application: storage, Slack clients, listeners, leader-only work."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot import jobs
from bot.actions import ActionService
from bot.app import build_app, build_client, pacer_for
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.delivery import Outbox
from bot.digest import DigestService
from bot.errors import ConfigError
from bot.feedback import FeedbackService
from bot.leader import LeaderElection
from bot.policies import PolicyService
from bot.questions import load_question_bank
from bot.roles import Roles
from bot.scheduler import build_scheduler
from bot.server import build_web_app
from bot.services import Services
from bot.support import SupportService
from bot.surveys import SurveyService
from bot.updates import UpdateService
from handlers.blocks.digest import build_digest_messages
from handlers.blocks.updates import build_update_message
from handlers.renderers import make_renderers
from handlers.slack_adapter import SlackDirectory, SlackMessenger
from storage.db import Database, migrate
from storage.queries import outbox_waiting

log = logging.getLogger(__name__)


def build_services(
    settings: Settings, *, db: Database, clock: Clock, client: Any, outbox_client: Any
) -> Services:
    """Every service, wired; no I/O happens here."""
    directory = SlackDirectory(client)
    messenger = SlackMessenger(outbox_client)
    # Enough sends in flight to keep the workspace rate busy while each waits ~50 ms for Slack.
    outbox = Outbox(db, messenger, pacer=pacer_for(settings), clock=clock, renderers={}, concurrency=64)
    roles = Roles(
        directory,
        coordinator_channel=settings.coordinator_channel,
        supporters_channel=settings.supporters_channel,
    )
    bank = load_question_bank()
    support = SupportService(
        db=db, settings=settings, directory=directory, roles=roles, outbox=outbox, clock=clock
    )
    actions = ActionService(db=db, settings=settings, clock=clock, bank=bank)
    surveys = SurveyService(
        db=db,
        settings=settings,
        directory=directory,
        outbox=outbox,
        clock=clock,
        bank=bank,
        names=support.member_names,
    )
    policies = PolicyService(db=db, settings=settings, clock=clock, outbox=outbox)
    services = Services(
        settings=settings,
        db=db,
        clock=clock,
        directory=directory,
        messenger=messenger,
        roles=roles,
        outbox=outbox,
        surveys=surveys,
        support=support,
        feedback=FeedbackService(db=db, clock=clock, names=support.member_names),
        actions=actions,
        digests=DigestService(
            db=db,
            settings=settings,
            clock=clock,
            bank=bank,
            roles=roles,
            support=support,
            actions=actions,
            outbox=outbox,
            # Interactive client (with 429 retries) for the chart upload.
            messenger=SlackMessenger(client),
            policies=policies,
        ),
        policies=policies,
        updates=UpdateService(
            db=db, settings=settings, clock=clock, outbox=outbox, surveys=surveys, actions=actions
        ),
    )
    outbox.renderers.update(make_renderers(services))
    services.digests.render = build_digest_messages
    services.updates.render = build_update_message
    return services


class Runtime:
    """The running process: HTTP (or Socket Mode), plus the scheduler and outbox when leading."""

    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, scheduler_enabled: bool = True
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.scheduler_enabled = scheduler_enabled
        self.db = Database(settings.database_url)
        self.client = build_client(settings)
        self.outbox_client = build_client(settings, for_outbox=True)
        self.services = build_services(
            settings, db=self.db, clock=self.clock, client=self.client, outbox_client=self.outbox_client
        )
        self.app: AsyncApp = build_app(self.services, client=self.client)
        self._stop = asyncio.Event()
        self._leading = asyncio.Event()
        self._stopped = False
        self._http: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._outbox_stop: asyncio.Event | None = None
        self._outbox_task: asyncio.Task[None] | None = None
        self._scheduler: Any = None
        self._runner: web.AppRunner | None = None
        self._socket_handler: Any = None
        self.port: int | None = None
        self.election = LeaderElection(self.db, on_elected=self._lead, on_deposed=self._follow)

    async def prepare(self) -> None:
        """Migrate the database and identify the workspace (what every command needs first)."""
        if self._http is None:
            # One pooled HTTP session for every Slack call, instead of a new connection per call.
            # slack_sdk applies its own timeout only to sessions it creates, so this one carries it
            # (aiohttp's default would let a hung Slack call stall a send for five minutes).
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.client.timeout))
            self.client.session = self._http
            self.outbox_client.session = self._http
        await asyncio.to_thread(migrate, self.settings.database_url)
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            raise ConfigError(
                f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}); check the token"
            ) from None
        self.services.team_id = str(auth["team_id"])
        self.services.roles.bot_user_id = str(auth.get("user_id") or "") or None

    async def post_digest_now(self, *, within: float = 120.0) -> bool:
        """Post the digest and deliver it before returning (`python -m bot digest --now`)."""
        await self.prepare()
        key = f"cli:{self.clock.now().isoformat()}"
        report = await self.services.digests.post(team_id=self.services.team_id, key=key)
        deadline = asyncio.get_running_loop().time() + within
        while asyncio.get_running_loop().time() < deadline:
            await self.services.outbox.run_once()
            async with self.db.session() as session:
                waiting = await outbox_waiting(session=session, dedupe_prefix=f"{key}:")
            if not waiting:
                break
            await asyncio.sleep(0.2)
        await self._close_http()
        await self.db.dispose()
        return report is not None

    async def _close_http(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def start(self, *, host: str = "0.0.0.0", port: int | None = None) -> None:  # noqa: S104
        """Migrate, identify the workspace, start serving, and campaign for leadership."""
        await self.prepare()
        jobs.bind(self.services)
        if self.settings.socket_mode:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            self._socket_handler = AsyncSocketModeHandler(self.app, self.settings.slack_app_token)
            await self._socket_handler.connect_async()
        else:
            self._runner = web.AppRunner(build_web_app(self.app, self.services), access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, host, self.settings.port if port is None else port)
            await site.start()
            server = getattr(site, "_server", None)
            sockets = getattr(server, "sockets", None) or []
            self.port = sockets[0].getsockname()[1] if sockets else port
        self._tasks.append(asyncio.create_task(self.election.run(self._stop)))
        log.info(
            "PeerPulse started for team %s (%s)",
            self.services.team_id,
            "socket mode" if self.settings.socket_mode else f"http :{self.port}",
        )

    @property
    def url(self) -> str:
        """Base URL of the HTTP server."""
        return f"http://127.0.0.1:{self.port}"

    async def wait_until_leader(self) -> None:
        """Wait for this process to lead (tests, the demo)."""
        await self._leading.wait()

    async def _lead(self) -> None:
        self.services.leadership.is_leader = True
        await self.services.outbox.reconcile()
        self._outbox_stop = asyncio.Event()
        self._outbox_task = asyncio.create_task(
            self.services.outbox.run_forever(self._outbox_stop, idle_poll=0.5)
        )
        if self.scheduler_enabled:
            self._scheduler = build_scheduler(self.settings)
            self._scheduler.start()
        self._leading.set()

    async def _follow(self) -> None:
        self.services.leadership.is_leader = False
        self._leading.clear()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._outbox_stop is not None and self._outbox_task is not None:
            self._outbox_stop.set()
            await self._outbox_task
            self._outbox_task = None

    async def serve_forever(self) -> None:
        """Block until stop() is called."""
        await self._stop.wait()

    async def stop(self) -> None:
        """Stop serving, hand back leadership, close connections (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        for task in self._tasks:
            await task
        self._tasks.clear()
        await self.services.drain()
        if self._socket_handler is not None:
            await self._socket_handler.close_async()
        if self._runner is not None:
            await self._runner.cleanup()
        jobs.bind(None)
        await self._close_http()
        await self.db.dispose()
