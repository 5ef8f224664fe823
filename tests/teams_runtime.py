"""A running PeerPulse with PLATFORM=teams against the fake Teams, for end-to-end and listener tests.

Registered by tests/e2e/conftest.py and tests/handlers/teams/conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.runtime import Runtime
from handlers.teams.settings import TeamsSettings
from handlers.teams.simulation.connector import FakeTeams
from handlers.teams.simulation.people import TeamsPeople
from handlers.teams.simulation.tenant import (
    APP_PASSWORD,
    COORDINATORS_TEAM_ID,
    EVERYONE_TEAM_ID,
    Team,
    Tenant,
    build_tenant,
)
from tests.conftest import HEALTH_TOKEN, PEERPULSE_SECRET

SUPPORTERS_TEAM_ID = "19:supporters00000000000000000000@thread.tacv2"


@pytest.fixture
def tenant() -> Tenant:
    """Four employees (the first a coordinator, the second a supporter) and a guest, all with the app."""
    tenant = build_tenant(employees=4, coordinators=1, guests=1)
    people = [u.id for u in tenant.people()]
    tenant.teams[SUPPORTERS_TEAM_ID] = Team(SUPPORTERS_TEAM_ID, "Peer supporters", members=people[1:2])
    return tenant


@pytest.fixture
def teams_fake(tenant: Tenant) -> Iterator[FakeTeams]:
    """The fake Teams for that tenant, its limits on."""
    with FakeTeams(tenant) as fake:
        yield fake


@pytest.fixture
def teams_settings(database_url: str, teams_fake: FakeTeams) -> Settings:
    """Settings for PLATFORM=teams, every Microsoft endpoint pointing at the fake."""
    return Settings(
        peerpulse_secret=PEERPULSE_SECRET,
        coordinator_channel=COORDINATORS_TEAM_ID,
        supporters_channel=SUPPORTERS_TEAM_ID,
        platform="teams",
        platform_settings=TeamsSettings(
            app_id=teams_fake.tenant.app_id,
            app_password=APP_PASSWORD,
            tenant_id=teams_fake.tenant.id,
            people_team=EVERYONE_TEAM_ID,
            # The global connector: only used for someone whose install was never heard of.
            service_url=teams_fake.service_url,
            openid_metadata_url=teams_fake.openid_metadata_url,
            token_url=teams_fake.token_url,
        ),
        database_url=database_url,
        port=0,
        health_token=HEALTH_TOKEN,
    )


@pytest.fixture
async def teams_runtime(teams_settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    """The real app with the platform the `teams` entry point names, serving HTTP, leading its outbox."""
    rt = Runtime(teams_settings, clock=clock, scheduler_enabled=False)
    await rt.start(host="127.0.0.1", port=0)
    await rt.wait_until_leader()
    yield rt
    await rt.stop()


@pytest.fixture
async def teams_people(teams_fake: FakeTeams, teams_runtime: Runtime) -> AsyncIterator[TeamsPeople]:
    """The tenant's people, talking to the running app through signed Bot Connector requests."""
    async with aiohttp.ClientSession() as session:
        yield TeamsPeople(teams_fake, session, bot_url=teams_runtime.url)
