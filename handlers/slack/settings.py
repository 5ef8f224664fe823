"""Slack's own settings: the tokens, the signing secret and the Web API's address."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.config import Settings, require_setting
from bot.errors import ConfigError


@dataclass(frozen=True)
class SlackSettings:
    """How PeerPulse reaches one Slack workspace and knows a request came from Slack."""

    bot_token: str
    signing_secret: str
    # An app-level token (xapp-...) switches requests from HTTP to Socket Mode.
    app_token: str | None = None
    # Another Web API address (a proxy, or the local fake Slack the demo and tests run).
    api_url: str | None = None

    @property
    def socket_mode(self) -> bool:
        """Whether to connect through Socket Mode rather than serve HTTP."""
        return bool(self.app_token)

    def secrets(self) -> list[str]:
        """The values no log may show."""
        return [v for v in (self.bot_token, self.signing_secret, self.app_token) if v]

    def redacted(self) -> dict[str, object]:
        """These settings safe to log: every secret replaced by a marker."""
        return {
            "slack_bot_token": "***" if self.bot_token else "",
            "slack_signing_secret": "***" if self.signing_secret else "",
            "slack_app_token": "***" if self.app_token else None,
            "slack_api_url": self.api_url,
        }


def load_slack_settings(env: Mapping[str, str], *, serving: bool = True) -> SlackSettings:
    """Slack's settings from the environment, or ConfigError naming the bad one (lenient when not serving)."""
    if serving:
        token = require_setting(env, "SLACK_BOT_TOKEN", secret=True)
        signing = require_setting(env, "SLACK_SIGNING_SECRET", secret=True)
    else:
        token = env.get("SLACK_BOT_TOKEN", "").strip()
        signing = env.get("SLACK_SIGNING_SECRET", "").strip()
    return SlackSettings(
        bot_token=token,
        signing_secret=signing,
        app_token=env.get("SLACK_APP_TOKEN", "").strip() or None,
        api_url=env.get("SLACK_API_URL", "").strip() or None,
    )


def slack_settings(settings: Settings) -> SlackSettings:
    """The Slack settings a process was configured with, or ConfigError when it was not set up for Slack."""
    found = settings.platform_settings
    if not isinstance(found, SlackSettings):
        raise ConfigError("the Slack settings (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET) were not loaded")
    return found
