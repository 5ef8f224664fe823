"""The redaction filter `python -m bot run` installs: secrets never leave in a log line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.logging_setup import REDACTED, RedactSecrets, install_redaction, secrets_of
from handlers.slack.settings import SlackSettings

SLACK = SlackSettings(
    bot_token="xoxb-1111-2222-abcdefABCDEF",
    signing_secret="0123456789abcdef0123456789abcdef",
    app_token="xapp-1-A111-222-abcdef",
)
SETTINGS = Settings(
    peerpulse_secret="a-long-random-peerpulse-secret-value",
    coordinator_channel="G1",
    supporters_channel="G2",
    platform_settings=SLACK,
    health_token="a-health-token-for-operators",
    database_url="postgresql+psycopg://peerpulse:s3cr3t-db-password@db.internal:5432/peerpulse",
)


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A private logger writing formatted lines, tracebacks included, to a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("tests.redaction")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    install_redaction(SETTINGS, logger=logger)
    yield logger, stream
    logger.handlers = []


def test_every_secret_is_known_to_the_filter() -> None:
    assert set(secrets_of(SETTINGS)) == {
        SLACK.bot_token,
        SLACK.signing_secret,
        SETTINGS.peerpulse_secret,
        SLACK.app_token,
        SETTINGS.health_token,
        "s3cr3t-db-password",
    }


def test_secrets_in_messages_arguments_and_tracebacks_are_redacted(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.debug("headers: {'Authorization': 'Bearer %s'}", SLACK.bot_token)
    logger.info("verifying with %s", SLACK.signing_secret)
    logger.warning(f"key {SETTINGS.peerpulse_secret} and url {SETTINGS.database_url}")
    try:
        raise RuntimeError(f"socket mode refused {SLACK.app_token}")
    except RuntimeError:
        logger.exception("connecting failed")
    logger.info("stack", stack_info=True, extra={"note": SETTINGS.peerpulse_secret})
    text = stream.getvalue()
    for secret in secrets_of(SETTINGS):
        assert secret not in text
    assert text.count(REDACTED) >= 5
    assert "RuntimeError: socket mode refused [redacted]" in text
    assert "Bearer [redacted]" in text


def test_anything_shaped_like_a_slack_token_is_redacted_even_if_not_ours(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.info("someone pasted xoxp-9999-8888-7777-deadbeef and xapp-2-B22-33-ff0099 into a channel")
    text = stream.getvalue()
    assert "xoxp-9999" not in text and "xapp-2-B22" not in text


def test_ordinary_lines_are_left_alone(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.info("opened pulse round %s for %d people", "abc123", 40)
    assert stream.getvalue() == "INFO tests.redaction: opened pulse round abc123 for 40 people\n"


def test_short_values_are_not_treated_as_secrets() -> None:
    # A value this short would blank out ordinary words; configuration refuses such secrets anyway.
    redactor = RedactSecrets(["abc", ""])
    assert redactor.redact("abc def") == "abc def"
