"""A whole round logged at DEBUG — Bolt's and slack_sdk's request dumps included — never shows
the bot token, the signing secret or PEERPULSE_SECRET."""

from __future__ import annotations

import logging

import pytest

from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import app_home_opened, slash_command
from handlers.slack.simulation.slack_api import DEFAULT_TOKEN, FakeSlack
from handlers.slack.simulation.workspace import Workspace
from tests.conftest import PEERPULSE_SECRET, SIGNING_SECRET
from tests.support import eventually

SECRETS = {"bot token": DEFAULT_TOKEN, "signing secret": SIGNING_SECRET, "PEERPULSE_SECRET": PEERPULSE_SECRET}


def _logged_text(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(r) for r in records)


async def test_a_whole_round_at_debug_level_logs_no_secret(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # The client's logger takes its level when the client is built (handlers/slack/app.py); LOG_LEVEL=DEBUG
    # sets it at start in production, here the runtime already exists.
    caplog.set_level(logging.DEBUG, logger="slack_sdk.web.async_base_client")
    coordinator = workspace.coordinators()[0]
    humans = [u.id for u in workspace.active_humans()]

    await people.send_pulse(coordinator)
    await eventually(lambda: all(people.pulse_message(u) for u in humans), timeout=20)
    for user in humans[:6]:
        await people.answer_pulse(user, lambda _q, options: options[-1])
    slack.fail("chat.update", status=500, times=3)  # an error path, with its traceback
    await people.answer_pulse(humans[6], lambda _q, options: options[0])
    slack.fail("chat.postEphemeral", error="invalid_auth")
    await people.command(humans[7], "/pulse", "status")  # refused, and the refusal fails too
    await people.command(coordinator, "/pulse", "status")
    await people.event(app_home_opened(humans[8]), event_id="Ev0SECRETS01")
    # A forged request (wrong secret) and a stale one.
    forged = slash_command("/pulse", "send", user_id=coordinator)
    assert (await people.sender.send(people.events_url, *forged, signing_secret="not-the-secret-0123456789"))[
        0
    ] == 401
    await eventually(lambda: slack.calls_to("views.publish"))
    await runtime.services.drain()

    text = _logged_text(caplog.records)
    assert "DEBUG" in text and "chat.postMessage" in text  # slack_sdk's request log was captured
    for name, secret in SECRETS.items():
        assert secret not in text, f"the {name} appears in the logs"
