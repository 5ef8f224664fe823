"""Settings: read once from the environment, validated, frozen."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///peerpulse.db"
# SIGTERM's default bound for sends and request work in flight (deploy files' stop timeouts exceed it).
SHUTDOWN_GRACE_SECONDS = 10.0
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+psycopg")
_PLACEHOLDER = re.compile(r"^(|changeme|change-me|xoxb-your.*|your.*|todo|placeholder|secret|x+)$", re.I)


class PlatformSettings(Protocol):
    """A platform plug-in's own settings (its credentials and endpoints), opaque to the core."""

    def secrets(self) -> Sequence[str]:
        """The values no log may show."""
        ...

    def redacted(self) -> dict[str, object]:
        """These settings safe to log."""
        ...


@dataclass(frozen=True)
class Settings:
    """Everything the running app needs to know about its environment."""

    peerpulse_secret: str
    # Opaque platform addresses of the coordinators' and the supporters' channels.
    coordinator_channel: str
    supporters_channel: str
    # Which installed chat platform plug-in serves this process (entry point group peerpulse.platforms).
    platform: str = "slack"
    # That platform's own settings, loaded by its plug-in (bot.platform.load_configuration).
    platform_settings: PlatformSettings | None = None
    database_url: str = DEFAULT_DATABASE_URL
    pulse_audience_channel: str | None = None
    pulse_schedule: str = "0 10 * * tue"
    pulse_window_days: int = 3
    questions_per_round: int = 6
    digest_schedule: str = "0 9 * * mon"
    digest_timezone: str = "UTC"
    # Whose clock a person's pulse follows when the platform does not say (Slack's directory does;
    # not every platform's does).
    default_timezone: str = "UTC"
    # The language for channel posts and for people whose platform language PeerPulse does not speak.
    default_language: str = "en"
    min_group_size: int = 5
    retention_days: int = 365
    # Whether a person's own pulse DM shows what they tapped (and the support pointer after a hard
    # answer) while the round is open. Off where Slack keeps edit history (legal hold): the last
    # pre-close version of the DM would keep each person's answers beside their name.
    pulse_shows_choices: bool = True
    training_valid_days: int = 180
    workspace_rate: float = 10.0
    port: int = 3000
    # How long SIGTERM lets sends and request work in flight finish before abandoning them.
    shutdown_grace: float = SHUTDOWN_GRACE_SECONDS
    support_resources_path: Path | None = None
    # Callers presenting it (Authorization: Bearer ...) get readiness details; others only a status.
    health_token: str | None = None

    def redacted(self) -> dict[str, object]:
        """Settings safe to log: every secret replaced by a marker."""
        secret_fields = {"peerpulse_secret", "health_token"}
        shown: dict[str, object] = {
            name: ("***" if name in secret_fields and value else value)
            for name, value in self.__dict__.items()
            if name != "platform_settings"
        }
        if self.platform_settings is not None:
            shown.update(self.platform_settings.redacted())
        return shown


def require_setting(env: Mapping[str, str], name: str, *, secret: bool = False) -> str:
    """The named setting's value, or ConfigError when it is unset (or, for a secret, a placeholder)."""
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set; see .env.example")
    if secret and _PLACEHOLDER.match(value):
        raise ConfigError(f"{name} still holds a placeholder value; set the real secret")
    return value


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _float(env: Mapping[str, str], name: str, default: float, *, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _cron(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        raise ConfigError(f"{name} is not a valid cron expression ({value!r}): {exc}") from None
    return value


def _timezone(env: Mapping[str, str], name: str, default: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = env.get(name, "").strip() or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name} is not a known time zone: {value!r}") from None
    return value


def _language(env: Mapping[str, str]) -> str:
    from bot.i18n import SOURCE_LANGUAGE, languages

    value = env.get("DEFAULT_LANGUAGE", "").strip().lower() or SOURCE_LANGUAGE
    if value not in languages():
        raise ConfigError(f"DEFAULT_LANGUAGE must be one of {', '.join(languages())}, got {value!r}")
    return value


def _database_url(env: Mapping[str, str]) -> str:
    url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    # People paste the URL their host gives them; map it to the async driver we ship.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        url = "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    try:
        driver = make_url(url).drivername
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is not a database URL; expected postgresql://user:password@host/db"
            " or sqlite:///path/to/peerpulse.db"
        ) from None
    if driver not in SUPPORTED_DRIVERS:
        raise ConfigError(
            f"DATABASE_URL uses {driver!r}, which PeerPulse does not support;"
            " use postgresql://user:password@host/db or sqlite:///path/to/peerpulse.db"
        )
    return url


def platform_name(env: Mapping[str, str]) -> str:
    """The chat platform this process serves (PLATFORM; Slack unless set)."""
    return env.get("PLATFORM", "").strip().lower() or "slack"


def load_settings(env: Mapping[str, str], *, serving: bool = True) -> Settings:
    """Build the core's Settings from an environment mapping, or raise ConfigError naming the bad setting.

    `serving=False` (migrate, export) lets the channels be unset. The platform's own settings are
    its plug-in's to load: bot.platform.load_configuration does both.
    """
    if serving:
        coordinators = require_setting(env, "COORDINATOR_CHANNEL")
        supporters = require_setting(env, "SUPPORTERS_CHANNEL")
    else:
        coordinators = env.get("COORDINATOR_CHANNEL", "")
        supporters = env.get("SUPPORTERS_CHANNEL", "")
    secret = require_setting(env, "PEERPULSE_SECRET", secret=True)
    if len(secret) < 16:
        raise ConfigError("PEERPULSE_SECRET must be at least 16 characters (use a random 32-byte value)")
    resources = env.get("SUPPORT_RESOURCES_FILE", "").strip()
    return Settings(
        peerpulse_secret=secret,
        coordinator_channel=coordinators,
        supporters_channel=supporters,
        platform=platform_name(env),
        database_url=_database_url(env),
        pulse_audience_channel=env.get("PULSE_AUDIENCE_CHANNEL", "").strip() or None,
        pulse_schedule=_cron(env, "PULSE_SCHEDULE", "0 10 * * tue"),
        pulse_window_days=_int(env, "PULSE_WINDOW_DAYS", 3, low=1, high=14),
        questions_per_round=_int(env, "QUESTIONS_PER_ROUND", 6, low=4, high=6),
        digest_schedule=_cron(env, "DIGEST_SCHEDULE", "0 9 * * mon"),
        digest_timezone=_timezone(env, "DIGEST_TIMEZONE", "UTC"),
        default_timezone=_timezone(env, "DEFAULT_TIMEZONE", "UTC"),
        default_language=_language(env),
        min_group_size=_int(env, "MIN_GROUP_SIZE", 5, low=2, high=100),
        retention_days=_int(env, "RETENTION_DAYS", 365, low=7, high=3650),
        pulse_shows_choices=_flag(env, "PULSE_SHOWS_CHOICES", True),
        training_valid_days=_int(env, "TRAINING_VALID_DAYS", 180, low=7, high=1095),
        workspace_rate=_float(env, "WORKSPACE_RATE", 10.0, low=0.1, high=1000.0),
        port=_int(env, "PORT", 3000, low=1, high=65535),
        shutdown_grace=_float(env, "SHUTDOWN_GRACE_SECONDS", SHUTDOWN_GRACE_SECONDS, low=0.5, high=300.0),
        support_resources_path=Path(resources) if resources else None,
        health_token=env.get("HEALTH_TOKEN", "").strip() or None,
    )
