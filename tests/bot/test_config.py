"""Settings validation and the CLI's refusal to start with missing or placeholder secrets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from bot.platform import load_configuration
from handlers.slack.settings import SlackSettings, slack_settings

REPO = Path(__file__).resolve().parents[2]
GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1234-5678-abcdef",
    "SLACK_SIGNING_SECRET": "8f7e6d5c4b3a29180716253443526170",
    "PEERPULSE_SECRET": "b2c4e6f8a0b2c4e6f8a0b2c4e6f8a0b2",
    "COORDINATOR_CHANNEL": "G0COORD",
    "SUPPORTERS_CHANNEL": "G0SUPPORT",
}


def test_defaults_follow_the_operating_contract() -> None:
    settings = load_settings(GOOD)
    assert settings.database_url == "sqlite+aiosqlite:///peerpulse.db"
    assert (settings.pulse_schedule, settings.digest_schedule) == ("0 10 * * tue", "0 9 * * mon")
    assert (settings.min_group_size, settings.retention_days, settings.port) == (5, 365, 3000)
    assert settings.pulse_shows_choices is True
    assert load_settings({**GOOD, "PULSE_SHOWS_CHOICES": "off"}).pulse_shows_choices is False


def test_the_core_settings_carry_no_platform_credential() -> None:
    settings = load_settings(GOOD)
    assert settings.platform == "slack" and settings.platform_settings is None
    for secret in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        assert GOOD[secret] not in repr(settings.__dict__)


def test_the_slack_plug_in_loads_its_own_settings() -> None:
    slack = slack_settings(load_configuration(GOOD))
    assert slack == SlackSettings(
        bot_token=GOOD["SLACK_BOT_TOKEN"], signing_secret=GOOD["SLACK_SIGNING_SECRET"]
    )
    assert slack.socket_mode is False
    with_app_token = slack_settings(load_configuration({**GOOD, "SLACK_APP_TOKEN": "xapp-1-abc"}))
    assert with_app_token.socket_mode is True


def test_an_unknown_platform_is_named_with_the_installed_ones() -> None:
    with pytest.raises(ConfigError, match=r"PLATFORM='nope'.*installed: slack"):
        load_configuration({**GOOD, "PLATFORM": "nope"})


@pytest.mark.parametrize("name", sorted(GOOD))
def test_a_missing_setting_is_named(name: str) -> None:
    env = {k: v for k, v in GOOD.items() if k != name}
    with pytest.raises(ConfigError, match=name):
        load_configuration(env)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxb-your-bot-token"),
        ("PEERPULSE_SECRET", "changeme"),
        ("SLACK_SIGNING_SECRET", "your-signing-secret"),
    ],
)
def test_a_placeholder_secret_is_refused(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_configuration({**GOOD, name: value})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PULSE_SCHEDULE", "every tuesday"),
        ("MIN_GROUP_SIZE", "one"),
        ("MIN_GROUP_SIZE", "1"),
        ("DIGEST_TIMEZONE", "Mars/Base"),
        ("PULSE_SHOWS_CHOICES", "sometimes"),
    ],
)
def test_an_invalid_value_is_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({**GOOD, name: value})


def test_plain_postgres_urls_get_the_async_driver() -> None:
    settings = load_settings({**GOOD, "DATABASE_URL": "postgres://pp@db/peerpulse"})
    assert settings.database_url == "postgresql+psycopg://pp@db/peerpulse"


def test_redacted_settings_hide_every_secret() -> None:
    shown = str(load_configuration({**GOOD, "SLACK_APP_TOKEN": "xapp-1-A111-222-abcdef"}).redacted())
    assert "slack_bot_token" in shown and "xapp-1-A111" not in shown
    for secret in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "PEERPULSE_SECRET"):
        assert GOOD[secret] not in shown


def test_run_without_secrets_stops_with_one_line_naming_the_setting(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["peerpulse: SLACK_BOT_TOKEN is not set; see .env.example"]
