"""A log reader at LOG_LEVEL=DEBUG, on either platform: through a round answered and commented and a
risky message typed to the bot, no line ties a person to a ballot, an answer or a comment, and none
repeats what they typed."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logging_setup import install_redaction
from tests.e2e.scenarios.audit import dump
from tests.e2e.scenarios.chat import Chat, Option
from tests.support import eventually

# Loggers whose own level is fixed when a client or engine is built; set like LOG_LEVEL=DEBUG would.
DEBUG_LOGGERS = (
    "",
    "slack_bolt",
    "slack_sdk",
    "slack_sdk.web.async_base_client",
    "sqlalchemy",
    "aiohttp",
    "bot",
    "handlers",
)


class Lines(logging.Handler):
    """Keeps every record's final text (message and traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Store what a formatter would write."""
        self.lines.append(self.format(record))


@pytest.fixture
def logs() -> Iterator[tuple[Lines, Lines]]:
    """Root at DEBUG with two handlers: one raw (the probe), one filtered as `python -m bot run` sets up."""
    raw, kept = Lines(), Lines()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in DEBUG_LOGGERS}
    for name in DEBUG_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.addHandler(raw)
    root.addHandler(kept)
    yield raw, kept
    root.removeHandler(raw)
    root.removeHandler(kept)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


async def test_debug_logs_tie_no_one_to_an_answer_and_keep_nothing_typed(
    chat: Chat, logs: tuple[Lines, Lines]
) -> None:
    raw, kept = logs
    holder = logging.Logger("holder")
    holder.handlers = [kept]
    install_redaction(chat.runtime.settings, logger=holder)

    round_ = await chat.open_round_as(chat.coordinators()[0])
    comments = []
    for n, user in enumerate(chat.audience()):

        def choose(_question: str, options: list[Option], n: int = n) -> Option:
            return options[n % len(options)]

        await chat.answer(user, round_.id, choose)
        if n % 2:
            comments.append(f"Remark {n:02d}: zq{n:02d}debugmarker")
            await chat.write_comment(user, round_.id, comments[-1])
    ballots = {str(r["ballot"]) for r in (await dump(chat.runtime))["survey_answer"]}
    typed = "I want to kill myself, zqtypedmarker"
    writer = chat.employees()[0]
    await chat.say(writer, typed)
    await chat.runtime.services.surveys.close_round(round_.id)
    await eventually(lambda: any("closed pulse round" in line for line in kept.lines))

    people = [chat.person(u) for u in chat.audience()] + chat.audience()
    assert any(p in line for line in raw.lines for p in people), (
        "the probe saw no one: DEBUG was not captured"
    )
    secrets = ballots | set(comments) | {"your answer:", "deal with this alone"}
    assert any(s in line for line in raw.lines for s in secrets), "the probe saw no ballot or comment"
    leaked = [
        line for line in kept.lines if any(p in line for p in people) and any(s in line for s in secrets)
    ]
    assert leaked == [], leaked[:2]
    # What was typed is in no line at all, even before the filters.
    assert [line for line in raw.lines + kept.lines if "zqtypedmarker" in line] == []
