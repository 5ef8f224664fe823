"""A log reader at LOG_LEVEL=DEBUG cannot tie a person to a ballot, an answer or a comment."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logging_setup import install_redaction
from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace, build_workspace
from tests.privacy.rounds import answer, open_round
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
def workspace() -> Workspace:
    """Eight employees."""
    return build_workspace(employees=8)


@pytest.fixture
def logs() -> Iterator[tuple[Lines, Lines]]:
    """Root at DEBUG with two handlers: one raw (the probe), then one as `python -m bot run` sets up."""
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


def _links(lines: list[str], users: list[str], secrets: set[str]) -> list[str]:
    """Lines naming a user together with a ballot, an answer button's value or comment text."""
    return [line for line in lines if any(u in line for u in users) and any(s in line for s in secrets)]


async def test_a_round_at_debug_logs_no_user_next_to_a_ballot_answer_or_comment(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, logs: tuple[Lines, Lines]
) -> None:
    raw, kept = logs
    holder = logging.Logger("holder")
    holder.handlers = [kept]
    install_redaction(runtime.settings, logger=holder)

    round_ = await open_round(runtime, people, workspace)
    users = [u.id for u in workspace.active_humans()]
    answered = await answer(people, slack, round_, users[:6], comment_every=2)
    await runtime.services.surveys.close_round(round_.id)

    # The redraw's marks too: the person's own choices and the pointer to support live only in their DM.
    marks = {"your answer:", "deal with this alone"}
    secrets = set(answered.ballots.values()) | set(answered.comments.values()) | {'"v":'} | marks
    assert _links(raw.lines, users, secrets), "the probe found nothing: DEBUG output was not captured"
    leaked = _links(kept.lines, users, secrets)
    assert leaked == [], leaked[:2]
    # Our own INFO lines still reach the operator.
    assert any("closed pulse round" in line for line in kept.lines)


async def test_writing_to_the_bot_at_debug_logs_nothing_of_what_was_written(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, logs: tuple[Lines, Lines]
) -> None:
    raw, kept = logs
    holder = logging.Logger("holder")
    holder.handlers = [kept]
    install_redaction(runtime.settings, logger=holder)

    written = {
        user.id: f"a note only this person wrote {n:02d}q7"
        for n, user in enumerate(workspace.active_humans()[:3])
    }
    for user_id, text in written.items():
        assert (await people.write_to_bot(user_id, text))[0] == 200
    for user_id in written:
        await eventually(lambda user_id=user_id: len(slack.dm_messages(user_id)) == 2)

    # DEBUG output was captured (the replies' requests), and not one line, even before the
    # redacting filters, carries what anyone wrote.
    assert any("chat.postMessage" in line for line in raw.lines), "the probe found nothing"
    leaked = [line for line in raw.lines + kept.lines if any(t in line for t in written.values())]
    assert leaked == [], leaked[:2]
