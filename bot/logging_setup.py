"""Logging for `python -m bot run`: secrets are redacted from every record, whoever logs it."""

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


def secrets_of(settings: Settings) -> list[str]:
    """The values that must never reach a log (tokens, signing secret, HMAC key, DB password)."""
    values = [
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.peerpulse_secret,
        settings.slack_app_token,
        make_url(settings.database_url).password,
    ]
    return [v for v in values if isinstance(v, str) and v]


def install_redaction(settings: Settings, *, logger: logging.Logger | None = None) -> RedactSecrets:
    """Attach the redacting filter to every handler of `logger` (the root logger by default)."""
    target = logger or logging.getLogger()
    redactor = RedactSecrets(secrets_of(settings))
    for handler in target.handlers:
        handler.addFilter(redactor)
    return redactor
