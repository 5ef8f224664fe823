"""Microsoft Teams as a PeerPulse platform: the Bot Connector for sending, `POST /api/messages` for requests."""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp
from aiohttp import web

from bot.checks import Verdict, first_line
from bot.config import Settings
from bot.digest import DigestView
from bot.errors import ConfigError, DeliveryError
from bot.platform import Identity
from bot.services import Services
from handlers.teams.adapter import TeamsDirectory, TeamsMessenger
from handlers.teams.addresses import AddressBook
from handlers.teams.auth import BotConnectorAuth
from handlers.teams.cards.digest import digest_view_cards
from handlers.teams.connector import ConnectorClient
from handlers.teams.context import TeamsContext
from handlers.teams.ids import person_id
from handlers.teams.names import DisplayNames
from handlers.teams.pacing import TeamsPacer
from handlers.teams.policy_renderers import make_policy_renderers
from handlers.teams.render import make_renderers
from handlers.teams.server import teams_routes
from handlers.teams.settings import teams_settings
from handlers.teams.support_renderers import make_support_renderers

# A connector call that takes longer than this is given up (and retried by the outbox).
CONNECTOR_TIMEOUT = aiohttp.ClientTimeout(total=30)


class TeamsPlatform:
    """One Microsoft 365 tenant's Teams, reached as one bot (app registration)."""

    name = "teams"
    # 47 sends a second, each answered in ~20 ms: a few in flight keep the tenant's rate busy, and
    # each card is built just before its turn instead of twenty at once.
    outbox_concurrency = 8

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.teams = teams_settings(settings)
        self.pacer = TeamsPacer()
        self.client = ConnectorClient(
            session=None,
            service_url=self.teams.service_url,
            token_url=self.teams.token_endpoint,
            app_id=self.teams.app_id,
            app_password=self.teams.app_password,
            pacer=self.pacer,
        )
        self.addresses = AddressBook()
        self.addresses.team_id = self.teams.tenant_id
        self.names = DisplayNames()
        self.directory = TeamsDirectory(
            self.client,
            people_roster=self.teams.people_team,
            time_zones=self.addresses.time_zones,
            names=self.names,
        )
        # A name not seen in a roster yet is looked up in the people roster (at most every few minutes).
        self.names.people = lambda: self.directory.roster(self.teams.people_team)
        self.client.outgoing = self.names.mention
        self.outbox_messenger = TeamsMessenger(
            self.client, tenant_id=self.teams.tenant_id, addresses=self.addresses
        )
        self.context: TeamsContext | None = None
        self.auth: BotConnectorAuth | None = None
        self._http: aiohttp.ClientSession | None = None

    def wire(self, services: Services) -> None:
        """The outbox's renderers (text until the Adaptive Cards land) and the listeners' context."""
        self.addresses.bind(services.db)
        services.outbox.renderers.update(make_renderers(services))
        services.outbox.renderers.update(make_support_renderers(services))
        services.outbox.renderers.update(make_policy_renderers(services))
        services.outbox.splitters[DigestView.kind] = lambda view: len(digest_view_cards(view))
        self.context = TeamsContext(
            services=services,
            addresses=self.addresses,
            client=self.client,
            tenant_id=self.teams.tenant_id,
            names=self.names,
        )

    def _open_session(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=CONNECTOR_TIMEOUT)
            self.client.session = self._http
            self.auth = BotConnectorAuth(
                app_id=self.teams.app_id, openid_metadata_url=self.teams.openid_metadata, session=self._http
            )
        return self._http

    async def connect(self) -> Identity:
        """Open the HTTP session and prove the credentials by getting a Bot Connector token."""
        self._open_session()
        verdict = await self._check_credentials()
        if not verdict.ok:
            raise ConfigError(f"{verdict.detail}; {verdict.fix}" if verdict.fix else verdict.detail)
        return Identity(team_id=self.teams.tenant_id, bot_user_id=person_id(f"28:{self.teams.app_id}"))

    async def _check_credentials(self) -> Verdict:
        try:
            await self.client.access_token()
        except DeliveryError as exc:
            if exc.retryable:
                return Verdict("TEAMS_TOKEN_URL", False, f"cannot get a Bot Connector token ({exc})")
            return Verdict(
                "TEAMS_APP_PASSWORD",
                False,
                "Microsoft refused TEAMS_APP_ID / TEAMS_APP_PASSWORD",
                "copy the app (client) id and a current client secret from the bot's Entra app registration",
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Verdict("TEAMS_TOKEN_URL", False, self._unreachable(exc))
        return Verdict("TEAMS_APP_PASSWORD", True, f"accepted for app {self.teams.app_id}")

    async def check(self) -> list[Verdict]:
        """The role and people rosters can be read (the bot is installed in those teams)."""
        verdicts = []
        rosters = [
            ("COORDINATOR_CHANNEL", self.settings.coordinator_channel),
            ("SUPPORTERS_CHANNEL", self.settings.supporters_channel),
            ("TEAMS_PEOPLE_TEAM", self.teams.people_team),
        ]
        for item, roster in rosters:
            try:
                members = await self.directory.channel_members(roster)
            except DeliveryError as exc:
                verdicts.append(
                    Verdict(
                        item,
                        False,
                        f"cannot read the roster of {roster} ({exc})",
                        "install PeerPulse in that team",
                    )
                )
                continue
            verdicts.append(Verdict(item, True, f"{len(members)} member(s)"))
        return verdicts

    async def preflight(self) -> list[Verdict]:
        """The credentials, then each roster."""
        self._open_session()
        credentials = await self._check_credentials()
        return [credentials] if not credentials.ok else [credentials, *await self.check()]

    def describe_error(self, exc: BaseException) -> str | None:
        """Teams unreachable, or refusing the credentials, in one line."""
        if isinstance(exc, aiohttp.ClientError | TimeoutError):
            return self._unreachable(exc)
        if isinstance(exc, DeliveryError):
            return f"Teams refused a request ({exc}); run `python -m bot check`"
        return None

    def _unreachable(self, exc: BaseException) -> str:
        return (
            f"cannot reach Microsoft at {self.teams.token_endpoint} ({type(exc).__name__}: {first_line(exc)});"
            " check the network or proxy"
        )

    def routes(self) -> Sequence[web.RouteDef]:
        """POST /api/messages, behind the Bot Connector's token check."""
        return teams_routes(self._context, self._auth)

    def _context(self) -> TeamsContext:
        assert self.context is not None, "wire() comes first"
        return self.context

    def _auth(self) -> BotConnectorAuth:
        assert self.auth is not None, "connect() comes first"
        return self.auth

    async def start(self) -> str:
        """Requests come over HTTP, to POST /api/messages."""
        return "http"

    async def stop(self) -> None:
        """Nothing to stop: the HTTP server is the runtime's."""

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._http is not None:
            await self._http.close()
            self._http = None
            self.client.session = None
