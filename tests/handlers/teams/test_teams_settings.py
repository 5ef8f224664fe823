"""Teams' settings: loaded by its plug-in from the environment, each missing one named, the secret hidden."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.errors import ConfigError
from bot.platform import load_configuration
from handlers.teams.settings import (
    DEFAULT_OPENID_METADATA_URL,
    DEFAULT_SERVICE_URL,
    load_teams_settings,
    teams_settings,
)

PASSWORD = "s3cr3t~teams-app-password-value"
GOOD = {
    "PLATFORM": "teams",
    "TEAMS_APP_ID": "00000000-0000-4000-8000-00000000beef",
    "TEAMS_APP_PASSWORD": PASSWORD,
    "TEAMS_TENANT_ID": "72f988bf-0000-4000-8000-00000000c0de",
    "TEAMS_PEOPLE_TEAM": "19:everyone@thread.tacv2",
    "PEERPULSE_SECRET": "a-long-enough-peerpulse-secret",
    "COORDINATOR_CHANNEL": "19:coordinators@thread.tacv2",
    "SUPPORTERS_CHANNEL": "19:supporters@thread.tacv2",
}


def test_platform_teams_loads_the_teams_settings_through_the_entry_point() -> None:
    settings = load_configuration(GOOD)
    teams = teams_settings(settings)
    assert settings.platform == "teams"
    assert (teams.app_id, teams.app_password, teams.tenant_id) == (
        GOOD["TEAMS_APP_ID"],
        PASSWORD,
        GOOD["TEAMS_TENANT_ID"],
    )
    # Production leaves Microsoft's endpoints alone.
    assert teams.service_url == DEFAULT_SERVICE_URL
    assert teams.openid_metadata == DEFAULT_OPENID_METADATA_URL
    assert teams.token_endpoint == (
        f"https://login.microsoftonline.com/{GOOD['TEAMS_TENANT_ID']}/oauth2/v2.0/token"
    )


def test_the_endpoints_can_point_at_a_local_fake() -> None:
    teams = load_teams_settings(
        {
            **GOOD,
            "TEAMS_SERVICE_URL": "http://127.0.0.1:9/",
            "TEAMS_OPENID_METADATA_URL": "http://127.0.0.1:9/v1/.well-known/openidconfiguration",
            "TEAMS_TOKEN_URL": "http://127.0.0.1:9/t/oauth2/v2.0/token",
        }
    )
    assert teams.service_url == "http://127.0.0.1:9/"
    assert teams.openid_metadata == "http://127.0.0.1:9/v1/.well-known/openidconfiguration"
    assert teams.token_endpoint == "http://127.0.0.1:9/t/oauth2/v2.0/token"


@pytest.mark.parametrize(
    "name", ["TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID", "TEAMS_PEOPLE_TEAM"]
)
def test_a_missing_setting_is_named(name: str) -> None:
    env = {k: v for k, v in GOOD.items() if k != name}
    with pytest.raises(ConfigError, match=name):
        load_configuration(env)


def test_the_pulse_audience_team_can_stand_in_for_the_people_team() -> None:
    env = {k: v for k, v in GOOD.items() if k != "TEAMS_PEOPLE_TEAM"}
    teams = teams_settings(load_configuration({**env, "PULSE_AUDIENCE_CHANNEL": "19:audience@thread.tacv2"}))
    assert teams.people_team == "19:audience@thread.tacv2"
    assert load_teams_settings(GOOD).people_team == GOOD["TEAMS_PEOPLE_TEAM"]


def test_a_placeholder_password_is_refused() -> None:
    with pytest.raises(ConfigError, match="TEAMS_APP_PASSWORD still holds a placeholder"):
        load_teams_settings({**GOOD, "TEAMS_APP_PASSWORD": "changeme"})


@pytest.mark.parametrize("name", ["TEAMS_SERVICE_URL", "TEAMS_OPENID_METADATA_URL", "TEAMS_TOKEN_URL"])
def test_an_endpoint_that_is_not_a_url_is_named(name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_teams_settings({**GOOD, name: "smba.trafficmanager.net/teams"})


def test_not_serving_lets_the_credentials_be_unset() -> None:
    teams = load_teams_settings({}, serving=False)
    assert teams.app_id == teams.app_password == teams.tenant_id == ""


def test_the_app_password_never_appears_in_redacted_settings() -> None:
    settings = load_configuration(GOOD)
    shown = settings.redacted()
    assert PASSWORD not in repr(shown)
    assert shown["teams_app_password"] == "***"
    assert shown["teams_app_id"] == GOOD["TEAMS_APP_ID"]
    assert settings.platform_settings is not None
    assert settings.platform_settings.secrets() == [PASSWORD]


def test_slack_settings_are_not_mistaken_for_teams() -> None:
    with pytest.raises(ConfigError, match="TEAMS_APP_ID"):
        teams_settings(Settings(peerpulse_secret="x" * 20, coordinator_channel="C", supporters_channel="S"))
