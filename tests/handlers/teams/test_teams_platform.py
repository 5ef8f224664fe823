"""The Teams platform's start-up: credentials proven with a token, rosters checked, failures in one line."""

from __future__ import annotations

import dataclasses

import aiohttp
import pytest

from bot.config import Settings
from bot.errors import ConfigError
from bot.platform import load_platform
from handlers.teams.ids import person_id
from handlers.teams.platform import TeamsPlatform
from handlers.teams.settings import TeamsSettings
from handlers.teams.simulation.connector import FakeTeams
from handlers.teams.simulation.tenant import COORDINATORS_TEAM_ID, EVERYONE_TEAM_ID

PEERPULSE_SECRET = "test-peerpulse-secret-0123456789abcdef"


def _settings(fake: FakeTeams, **changes: str) -> Settings:
    teams = TeamsSettings(
        app_id=fake.tenant.app_id,
        app_password=fake.app_password,
        tenant_id=fake.tenant.id,
        people_team=EVERYONE_TEAM_ID,
        service_url=fake.service_url,
        openid_metadata_url=fake.openid_metadata_url,
        token_url=fake.token_url,
    )
    return Settings(
        peerpulse_secret=PEERPULSE_SECRET,
        coordinator_channel=COORDINATORS_TEAM_ID,
        supporters_channel=COORDINATORS_TEAM_ID,
        platform="teams",
        platform_settings=dataclasses.replace(teams, **changes),
    )


async def test_the_entry_point_builds_a_teams_platform_that_connects_as_the_tenants_bot(
    fake_teams: FakeTeams,
) -> None:
    platform = load_platform(_settings(fake_teams))
    assert isinstance(platform, TeamsPlatform)
    try:
        identity = await platform.connect()
        assert identity.team_id == fake_teams.tenant.id
        assert identity.bot_user_id == person_id(fake_teams.tenant.bot_id)
        verdicts = await platform.preflight()
        assert [(v.item, v.ok) for v in verdicts] == [
            ("TEAMS_APP_PASSWORD", True),
            ("COORDINATOR_CHANNEL", True),
            ("SUPPORTERS_CHANNEL", True),
            ("TEAMS_PEOPLE_TEAM", True),
        ]
        assert await platform.start() == "http"
        assert [r.path for r in platform.routes()] == ["/api/messages"]
    finally:
        await platform.close()
        await platform.close()  # idempotent


async def test_a_refused_password_stops_the_start_naming_the_setting(fake_teams: FakeTeams) -> None:
    platform = TeamsPlatform(_settings(fake_teams, app_password="not-the-secret"))
    try:
        with pytest.raises(ConfigError, match="refused TEAMS_APP_ID / TEAMS_APP_PASSWORD"):
            await platform.connect()
        verdicts = await platform.preflight()
        assert [(v.item, v.ok) for v in verdicts] == [("TEAMS_APP_PASSWORD", False)]
    finally:
        await platform.close()


async def test_a_roster_the_bot_cannot_read_fails_its_check(fake_teams: FakeTeams) -> None:
    platform = TeamsPlatform(_settings(fake_teams, people_team="19:nowhere@thread.tacv2"))
    try:
        await platform.connect()
        failed = [v for v in await platform.check() if not v.ok]
        assert [v.item for v in failed] == ["TEAMS_PEOPLE_TEAM"]
        assert "19:nowhere@thread.tacv2" in failed[0].line()
    finally:
        await platform.close()


async def test_an_unreachable_microsoft_is_named_in_one_line(fake_teams: FakeTeams) -> None:
    settings = _settings(fake_teams)
    fake_teams.stop()
    platform = TeamsPlatform(settings)
    try:
        with pytest.raises(ConfigError, match="cannot reach Microsoft"):
            await platform.connect()
        line = platform.describe_error(aiohttp.ClientConnectionError("refused"))
        assert line is not None and "cannot reach Microsoft" in line
        assert platform.describe_error(ValueError("ours")) is None
    finally:
        await platform.close()
