"""Assemble and run the whole application: storage, the chat platform, leader-only work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlmodel import col, select

from bot import checks, jobs
from bot.actions import ActionService
from bot.ballots import Ballots
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.delivery import Outbox
from bot.digest import DigestService
from bot.errors import ConfigError
from bot.feedback import FeedbackService
from bot.health import STUCK_AFTER, Health, outbox_waiting_without_progress
from bot.home import HomeService
from bot.leader import LeaderElection
from bot.platform import Platform, load_platform
from bot.policies import PolicyService
from bot.questions import load_question_bank
from bot.roles import SYSTEM, Roles
from bot.scheduler import build_scheduler
from bot.services import Services
from bot.support import SupportService
from bot.surveys import SurveyService
from bot.updates import UpdateService
from bot.web import build_web_app
from storage.db import Database, migrate
from storage.models import OutboxMessage
from storage.queries import outbox_waiting

log = logging.getLogger(__name__)
HEALTH_TIMEOUT = 3.0


def _summary(exc: BaseException) -> str:
    """The exception's type and first line (Slack's errors run over several)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def build_services(settings: Settings, *, db: Database, clock: Clock, platform: Platform) -> Services:
    """Every service, wired to the platform; no I/O happens here."""
    directory = platform.directory
    messenger = platform.outbox_messenger
    outbox = Outbox(
        db,
        messenger,
        pacer=platform.pacer,
        clock=clock,
        renderers={},
        concurrency=platform.outbox_concurrency,
        batch_size=20,
    )
    roles = Roles(
        directory,
        coordinator_channel=settings.coordinator_channel,
        supporters_channel=settings.supporters_channel,
    )
    bank = load_question_bank()
    support = SupportService(
        db=db, settings=settings, directory=directory, roles=roles, outbox=outbox, clock=clock
    )
    actions = ActionService(db=db, settings=settings, clock=clock, bank=bank, roles=roles, outbox=outbox)
    surveys = SurveyService(
        db=db,
        settings=settings,
        directory=directory,
        outbox=outbox,
        clock=clock,
        bank=bank,
        roles=roles,
        names=support.member_names,
    )
    policies = PolicyService(db=db, settings=settings, clock=clock, outbox=outbox, roles=roles)
    updates = UpdateService(
        db=db, settings=settings, clock=clock, outbox=outbox, surveys=surveys, actions=actions, roles=roles
    )
    ballots = Ballots(surveys=surveys, updates=updates, secret=settings.peerpulse_secret, clock=clock)
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
            policies=policies,
        ),
        policies=policies,
        updates=updates,
        ballots=ballots,
        home=HomeService(
            db=db,
            settings=settings,
            roles=roles,
            surveys=surveys,
            ballots=ballots,
            support=support,
            actions=actions,
            policies=policies,
        ),
    )
    platform.wire(services)
    return services


class Runtime:
    """The running process: the platform's requests, plus the scheduler and outbox when leading."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        scheduler_enabled: bool = True,
        platform: Platform | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.scheduler_enabled = scheduler_enabled
        self.db = Database(settings.database_url)
        self.platform = platform or load_platform(settings)
        self.services = build_services(settings, db=self.db, clock=self.clock, platform=self.platform)
        self._stop = asyncio.Event()
        self._leading = asyncio.Event()
        self._stopped = False
        self._tasks: list[asyncio.Task[None]] = []
        self._outbox_stop: asyncio.Event | None = None
        self._outbox_task: asyncio.Task[None] | None = None
        self._scheduler: Any = None
        self._scheduler_task: asyncio.Task[None] | None = None
        self._recheck_task: asyncio.Task[None] | None = None
        self._logged_problems: dict[str, str] = {}
        self._stop_deadline: float | None = None
        self._stalled_since: datetime | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self.health = Health()
        self.election = LeaderElection(self.db, on_elected=self._lead, on_deposed=self._follow)
        # How often failed start-up checks (channels) are tried again, so fixing one needs no restart.
        self.recheck_interval = 60.0
        # How long SIGTERM waits for sends in flight before abandoning them (they are reconciled
        # from Slack's history on the next start, so nothing is sent twice); systemd/compose/k8s
        # stop timeouts exceed the default.
        self.shutdown_grace = settings.shutdown_grace

    async def prepare(self) -> None:
        """Migrate the database and identify the workspace (what every command needs first)."""
        await asyncio.to_thread(migrate, self.settings.database_url)
        identity = await self.platform.connect()
        self.services.team_id = identity.team_id
        self.services.roles.bot_user_id = identity.bot_user_id

    async def startup_checks(self) -> None:
        """What `python -m bot check` verifies: the database must work; the rest only makes us not ready."""
        database = await asyncio.to_thread(checks.check_database, self.settings.database_url)
        if not database.ok:
            raise ConfigError(database.detail + (f"; {database.fix}" if database.fix else ""))
        resources = checks.check_resources(self.settings)
        if not resources.ok:
            log.warning("start-up check: %s", resources.line())
        failed = 0
        for verdict in await self.platform.check():
            if verdict.ok:
                self.health.clear(verdict.item)
            elif verdict.warning:
                log.warning("start-up check: %s", verdict.line())
            else:
                failed += 1
                self.health.problem(verdict.item, verdict.line())
        if failed and self._recheck_task is None:
            self._recheck_task = asyncio.create_task(self._recheck_until_fixed())

    async def _recheck_until_fixed(self) -> None:
        try:
            while not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), timeout=self.recheck_interval)
                if self._stop.is_set():
                    return
                try:
                    problems = [v for v in await self.platform.check() if not v.ok and not v.warning]
                except Exception as exc:
                    # Slack may be briefly unreachable; the checks run again next interval.
                    log.warning("re-checking the channels failed (%s)", type(exc).__name__)
                    continue
                for item in ("COORDINATOR_CHANNEL", "SUPPORTERS_CHANNEL", "PULSE_AUDIENCE_CHANNEL"):
                    if item not in {v.item for v in problems}:
                        self.health.clear(item)
                for verdict in problems:
                    self.health.problem(verdict.item, verdict.line())
                if not problems:
                    return
        finally:
            self._recheck_task = None

    async def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Whether this process can do its work now, with the details (reasons) for the log/token."""
        problems = self.health.problems()
        backlog: dict[str, int] = {}
        database = "ok"
        try:
            # Bounded: a database that black-holes packets must not hang the load balancer's check.
            backlog = await asyncio.wait_for(self.services.outbox.backlog(), timeout=HEALTH_TIMEOUT)
        except Exception as exc:
            # Readiness reports trouble; it never raises it.
            database = "unreachable"
            problems["database"] = f"unreachable ({type(exc).__name__})"
        if not self.election.campaigned:
            problems.setdefault("leader election", "has not completed its first round yet")
        elif self.election.last_error is not None:
            problems.setdefault("leader election", self.election.last_error)
        if self.services.leadership.is_leader:
            if self._outbox_task is None or self._outbox_task.done():
                problems.setdefault("outbox", "the delivery worker is not running")
            if self.scheduler_enabled and (self._scheduler is None or not self._scheduler.running):
                problems.setdefault("scheduler", "not running")
            if database == "ok" and "outbox" not in problems:
                stuck = await self._outbox_stuck()
                if stuck is not None:
                    problems["outbox"] = stuck
        # Problems the loops report are logged by Health; log the ones found here, once each.
        found = {k: v for k, v in problems.items() if k not in self.health.problems()}
        for name in found.keys() - self._logged_problems.keys():
            log.warning("not ready: %s: %s", name, found[name])
        self._logged_problems = found
        details: dict[str, Any] = {
            "problems": problems,
            "database": database,
            "leader": self.services.leadership.is_leader,
            "outbox_backlog": backlog.get("pending", 0) + backlog.get("sending", 0),
            "outbox_failed": backlog.get("failed", 0),
        }
        return not problems, details

    async def _outbox_stuck(self) -> str | None:
        """Why the outbox looks stuck: work waiting, and nothing sent, for STUCK_AFTER; else None."""
        now = self.clock.now()
        try:
            waiting = await asyncio.wait_for(
                outbox_waiting_without_progress(self.db, now=now), timeout=HEALTH_TIMEOUT
            )
        except Exception as exc:
            return f"cannot be inspected ({type(exc).__name__})"
        if not waiting:
            self._stalled_since = None
            return None
        # Retries move each message's next attempt forward, so how long is measured here.
        self._stalled_since = self._stalled_since or now
        if now - self._stalled_since < STUCK_AFTER:
            return None
        minutes = int(STUCK_AFTER.total_seconds() // 60)
        return f"{waiting} message(s) waiting and nothing sent for over {minutes} minutes; see the log"

    async def post_digest_now(self, *, within: float = 120.0) -> tuple[bool, str]:
        """Post the digest and deliver it before returning (`python -m bot digest --now`).

        Returns whether it reached Slack and one line saying what happened (or what failed).
        """
        try:
            await self.prepare()
            key = f"cli:{self.clock.now().isoformat()}"
            # The operator's CLI: whoever runs it holds the database and the token, so no role applies.
            report = await self.services.digests.post(team_id=self.services.team_id, key=key, by=SYSTEM)
            if report is None:
                return True, "digest was already posted"
            deadline = asyncio.get_running_loop().time() + within
            waiting = 1
            while asyncio.get_running_loop().time() < deadline:
                await self.services.outbox.run_once()
                async with self.db.session() as session:
                    waiting = await outbox_waiting(session=session, dedupe_prefix=f"{key}:")
                if not waiting:
                    break
                await asyncio.sleep(0.2)
            async with self.db.session() as session:
                failed = list(
                    await session.exec(
                        select(OutboxMessage).where(
                            col(OutboxMessage.dedupe_key).startswith(f"{key}:"),
                            col(OutboxMessage.status) == "failed",
                        )
                    )
                )
            if failed:
                error = failed[0].last_error or "unknown error"
                return False, (
                    f"Slack refused the digest ({error}); check that PeerPulse is in COORDINATOR_CHANNEL"
                    " (`python -m bot check`), then run this again"
                )
            if waiting:
                return False, (
                    f"the digest was not delivered within {within:.0f}s (Slack slow or unreachable);"
                    " a running PeerPulse will keep trying, or run this again"
                )
            return True, "digest posted to the coordinators' channel"
        finally:
            await self.platform.close()
            await self.db.dispose()

    async def start(self, *, host: str = "0.0.0.0", port: int | None = None) -> None:  # noqa: S104
        """Migrate, identify the workspace, check the channels, start serving, campaign for leadership."""
        try:
            await self._start(host=host, port=port)
        except BaseException:
            # Whatever stopped the start, nothing is left open ("Unclosed client session").
            await self.stop()
            raise

    async def _start(self, *, host: str, port: int | None) -> None:
        await self.prepare()
        jobs.bind(self.services)
        await self.startup_checks()
        arrival = await self.platform.start()
        if arrival == "http":
            self._runner = web.AppRunner(
                build_web_app(
                    self.platform.routes(), health_token=self.settings.health_token, readiness=self.readiness
                ),
                access_log=None,
                # Requests in flight at SIGTERM get this long to finish, not aiohttp's 60 s.
                shutdown_timeout=self.shutdown_grace,
            )
            await self._runner.setup()
            site = web.TCPSite(self._runner, host, self.settings.port if port is None else port)
            await site.start()
            server = getattr(site, "_server", None)
            sockets = getattr(server, "sockets", None) or []
            self.port = sockets[0].getsockname()[1] if sockets else port
        self._tasks.append(asyncio.create_task(self.election.run(self._stop)))
        log.info(
            "PeerPulse started for team %s (%s)%s",
            self.services.team_id,
            arrival if arrival != "http" else f"http :{self.port}",
            "" if not self.health.problems() else "; NOT READY until the problems above are fixed",
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
        self._outbox_stop = asyncio.Event()
        self._outbox_task = asyncio.create_task(self._run_outbox(self._outbox_stop))
        if self.scheduler_enabled:
            self._scheduler_task = asyncio.create_task(self._start_scheduler(self._outbox_stop))
        self._leading.set()

    async def _run_outbox(self, stop: asyncio.Event) -> None:
        """Reconcile what a previous process left in flight, then deliver; a failure is retried."""
        delay = 1.0
        while not stop.is_set():
            try:
                await self.services.outbox.reconcile()
            except Exception as exc:
                # Sending before the leftovers are settled could post one twice: wait, try again,
                # and say why in the log and in readiness meanwhile.
                self.health.problem(
                    "outbox",
                    f"settling messages left in flight failed ({_summary(exc)}); retrying",
                )
                log.debug("outbox reconciliation failed", exc_info=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                delay = min(delay * 2, 30.0)
                continue
            self.health.clear("outbox")
            await self.services.outbox.run_forever(stop, idle_poll=0.5)
            return

    async def _start_scheduler(self, stop: asyncio.Event) -> None:
        """Start the scheduler, retrying while its job store (the database) is unavailable."""
        delay = 1.0
        while not stop.is_set():
            try:
                scheduler = build_scheduler(self.settings)
                scheduler.start()
            except Exception as exc:
                self.health.problem("scheduler", f"cannot start ({_summary(exc)}); retrying")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                delay = min(delay * 2, 30.0)
                continue
            self._scheduler = scheduler
            self.health.clear("scheduler")
            return

    async def _follow(self) -> None:
        self.services.leadership.is_leader = False
        self._leading.clear()
        if self._outbox_stop is not None:
            self._outbox_stop.set()
        if self._scheduler_task is not None:
            await self._scheduler_task
            self._scheduler_task = None
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._outbox_task is not None:
            try:
                # Sends already handed to the platform get a bounded time to finish, and rows not yet
                # handed over go back to the queue; the leadership lock is held until then, so whoever
                # leads next settles only what was really in flight (from Slack's history).
                await asyncio.wait_for(asyncio.shield(self._outbox_task), timeout=self._grace_left())
            except TimeoutError:
                log.warning(
                    "abandoning sends still in flight; the next leader settles them from Slack's history"
                )
                self._outbox_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._outbox_task
            self._outbox_task = None
        # Leader-only work's problems are the next leader's to report, not this follower's.
        self.health.clear("outbox")
        self.health.clear("scheduler")

    def _grace_left(self) -> float:
        """Seconds left before the shutdown deadline (the full grace when not shutting down)."""
        if self._stop_deadline is None:
            return self.shutdown_grace
        return max(0.5, self._stop_deadline - asyncio.get_running_loop().time())

    async def serve_forever(self) -> None:
        """Block until stop() is called."""
        await self._stop.wait()

    async def stop(self) -> None:
        """Stop serving, hand back leadership, close connections (idempotent, bounded in time)."""
        if self._stopped:
            return
        self._stopped = True
        # One deadline for the whole shutdown, so its stages cannot add up past the grace period.
        self._stop_deadline = asyncio.get_running_loop().time() + self.shutdown_grace
        self._stop.set()
        # Stop taking requests first, so nothing new starts while the rest winds down.
        await self.platform.stop()
        if self._runner is not None:
            await self._runner.cleanup()
        for task in self._tasks:
            await task
        self._tasks.clear()
        if self._recheck_task is not None:
            self._recheck_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recheck_task
        try:
            await asyncio.wait_for(self.services.drain(), timeout=self._grace_left())
        except TimeoutError:
            log.warning("abandoning request work still running at the shutdown deadline")
            for task in list(self.services.background):
                task.cancel()
        jobs.bind(None)
        await self.platform.close()
        await self.db.dispose()
        log.info("PeerPulse stopped")
