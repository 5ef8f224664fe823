"""Logging for `python -m bot run`: no secret, and no library dump joining people to answers."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from sqlalchemy.engine import make_url

from bot.config import Settings

REDACTED = "[redacted]"
# Any Slack token, ours or not: bot, user, app-level, config and refresh tokens.
SLACK_TOKEN = re.compile(r"\bx(?:ox[abeprs]|app)-[A-Za-z0-9-]{6,}")


class RedactSecrets(logging.Filter):
    """Replaces known secret values and anything shaped like a Slack token in the final message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret containing another is replaced whole; short values are
        # too likely to be ordinary words to replace safely (config refuses them anyway).
        self._secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """The text with every secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return SLACK_TOKEN.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # Formatters cache the traceback text here; filling it first lets us clean it too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


# Libraries whose records below WARNING carry requests, responses or SQL with its parameters.
# (Our own code logs row ids and counts, never a user next to a ballot, an answer or text.)
CHATTY_LIBRARIES = ("slack_bolt", "slack_sdk", "sqlalchemy", "aiosqlite", "psycopg", "aiohttp", "asyncio")
# Library records allowed below WARNING: aiohttp's access log holds method, path and status only.
QUIET_ALLOWED = ("aiohttp.access",)
# Slack user (U…/W…) ids, as they appear in request bodies and API arguments.
USER_ID = re.compile(r"\b[UW][A-Z0-9]{8,}\b")
USER = "[user]"


class KeepPeopleOut(logging.Filter):
    """Drops libraries' DEBUG/INFO records and masks user ids in the rest."""

    # At DEBUG, slack_bolt and slack_sdk dump whole requests (the clicker's id beside the button's
    # ballot and answer, or a comment's text) and SQLAlchemy logs statement parameters (an
    # invitation key naming the person, then their answer row); at INFO SQLAlchemy still logs SQL.
    # Nothing in those records helps an operator that our own INFO lines don't say.

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a library's record below WARNING; user ids masked in a library's others."""
        name = record.name
        if name.partition(".")[0] not in CHATTY_LIBRARIES:
            return True
        if record.levelno < logging.WARNING and not name.startswith(QUIET_ALLOWED):
            return False
        message = record.getMessage()
        clean = USER_ID.sub(USER, message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = USER_ID.sub(USER, record.exc_text)
        return True


def secrets_of(settings: Settings) -> list[str]:
    """The values that must never reach a log (HMAC key, health token, DB password, platform credentials)."""
    values = [settings.peerpulse_secret, settings.health_token, make_url(settings.database_url).password]
    if settings.platform_settings is not None:
        values.extend(settings.platform_settings.secrets())
    return [v for v in values if isinstance(v, str) and v]


def install_redaction(settings: Settings, *, logger: logging.Logger | None = None) -> RedactSecrets:
    """Attach the redacting filters to every handler of `logger` (the root logger by default)."""
    target = logger or logging.getLogger()
    redactor = RedactSecrets(secrets_of(settings))
    people = KeepPeopleOut()
    for handler in target.handlers:
        handler.addFilter(people)
        handler.addFilter(redactor)
    return redactor
