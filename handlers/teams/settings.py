"""Teams' own settings: the bot's Microsoft app registration, its tenant and Microsoft's endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.config import Settings, require_setting
from bot.errors import ConfigError

# The global Bot Connector: proactive messages to someone never heard from go here first; a person's
# own (regional) serviceUrl, learnt from their activities, replaces it for them.
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
DEFAULT_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
# Single-tenant bots ask their own tenant's authority for Bot Connector tokens.
AUTHORITY_TEMPLATE = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"


@dataclass(frozen=True)
class TeamsSettings:
    """How PeerPulse reaches one Microsoft 365 tenant's Teams and knows a request came from Microsoft."""

    app_id: str
    app_password: str
    tenant_id: str
    # The team (or channel) everyone surveyed belongs to: Teams gives bots no tenant-wide member list.
    people_team: str = ""
    service_url: str = DEFAULT_SERVICE_URL
    # Overrides for a sovereign cloud, a proxy, or the local fake Teams the demo and tests run.
    openid_metadata_url: str | None = None
    token_url: str | None = None

    @property
    def openid_metadata(self) -> str:
        """Where the Bot Connector's signing keys are announced."""
        return self.openid_metadata_url or DEFAULT_OPENID_METADATA_URL

    @property
    def token_endpoint(self) -> str:
        """Where the bot asks for Bot Connector tokens (client credentials)."""
        return self.token_url or AUTHORITY_TEMPLATE.format(tenant=self.tenant_id)

    def secrets(self) -> list[str]:
        """The values no log may show."""
        return [self.app_password] if self.app_password else []

    def redacted(self) -> dict[str, object]:
        """These settings safe to log: the app password replaced by a marker."""
        return {
            "teams_app_id": self.app_id,
            "teams_app_password": "***" if self.app_password else "",
            "teams_tenant_id": self.tenant_id,
            "teams_people_team": self.people_team,
            "teams_service_url": self.service_url,
            "teams_openid_metadata_url": self.openid_metadata_url,
            "teams_token_url": self.token_url,
        }


def _url(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if not value.startswith(("https://", "http://")):
        raise ConfigError(f"{name} must be an http(s) URL, got {value!r}")
    return value


def load_teams_settings(env: Mapping[str, str], *, serving: bool = True) -> TeamsSettings:
    """Teams' settings from the environment, or ConfigError naming the bad one (lenient when not serving)."""
    if serving:
        app_id = require_setting(env, "TEAMS_APP_ID")
        password = require_setting(env, "TEAMS_APP_PASSWORD", secret=True)
        tenant = require_setting(env, "TEAMS_TENANT_ID")
        if not (env.get("TEAMS_PEOPLE_TEAM", "").strip() or env.get("PULSE_AUDIENCE_CHANNEL", "").strip()):
            raise ConfigError(
                "TEAMS_PEOPLE_TEAM is not set: the id of the team everyone belongs to"
                " (or set PULSE_AUDIENCE_CHANNEL); see .env.example"
            )
    else:
        app_id = env.get("TEAMS_APP_ID", "").strip()
        password = env.get("TEAMS_APP_PASSWORD", "").strip()
        tenant = env.get("TEAMS_TENANT_ID", "").strip()
    return TeamsSettings(
        app_id=app_id,
        app_password=password,
        tenant_id=tenant,
        # The pulse audience's team is a roster everyone surveyed is in, when no other is named.
        people_team=env.get("TEAMS_PEOPLE_TEAM", "").strip() or env.get("PULSE_AUDIENCE_CHANNEL", "").strip(),
        service_url=_url(env, "TEAMS_SERVICE_URL") or DEFAULT_SERVICE_URL,
        openid_metadata_url=_url(env, "TEAMS_OPENID_METADATA_URL"),
        token_url=_url(env, "TEAMS_TOKEN_URL"),
    )


def teams_settings(settings: Settings) -> TeamsSettings:
    """The Teams settings a process was configured with, or ConfigError when it was not set up for Teams."""
    found = settings.platform_settings
    if not isinstance(found, TeamsSettings):
        raise ConfigError(
            "the Teams settings (TEAMS_APP_ID, TEAMS_APP_PASSWORD, TEAMS_TENANT_ID) were not loaded"
        )
    return found
