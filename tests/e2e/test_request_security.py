"""Requests Slack did not sign (or signed too long ago) are refused with 401 and change nothing."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from sqlalchemy import MetaData, func, select

from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import block_actions, sign_request, slash_command
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import Workspace, build_workspace
from tests.conftest import SIGNING_SECRET
from tests.support import eventually

Body = tuple[bytes, str]
Attack = Callable[["Attacker", Body], Awaitable[int]]


@pytest.fixture
def workspace() -> Workspace:
    """A small workspace: these tests are about the HTTP door, not the fan-out."""
    return build_workspace(employees=8)


class Attacker:
    """Posts to the app's Slack endpoint with whatever headers it likes."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.session = session

    async def post(self, body: bytes, content_type: str, headers: dict[str, str]) -> int:
        """POST raw bytes; return the HTTP status."""
        async with self.session.post(
            self.url, data=body, headers={"Content-Type": content_type, **headers}
        ) as r:
            await r.read()
            return r.status


@pytest.fixture
async def attacker(runtime: Runtime) -> AsyncIterator[Attacker]:
    """Someone who can reach the app's HTTP endpoint but does not know the signing secret."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield Attacker(runtime.url + "/slack/events", session)


async def _forged_signature(attacker: Attacker, body: Body) -> int:
    return await attacker.post(*body, sign_request(body[0], "not-the-signing-secret"))


async def _tampered_after_signing(attacker: Attacker, body: Body) -> int:
    # Signed correctly, then rewritten in transit to act as someone else.
    headers = sign_request(body[0], SIGNING_SECRET)
    user = re.search(rb"U[0-9A-Z]{10}", body[0])
    assert user is not None
    tampered = body[0].replace(user.group(), b"U" + user.group()[:0:-1])
    assert tampered != body[0]
    return await attacker.post(tampered, body[1], headers)


async def _stale_timestamp(attacker: Attacker, body: Body) -> int:
    # A genuine signature, replayed six minutes later: outside Slack's five-minute window.
    return await attacker.post(
        *body, sign_request(body[0], SIGNING_SECRET, timestamp=int(time.time()) - 6 * 60)
    )


async def _missing_signature(attacker: Attacker, body: Body) -> int:
    headers = sign_request(body[0], SIGNING_SECRET)
    del headers["X-Slack-Signature"]
    return await attacker.post(*body, headers)


async def _missing_timestamp(attacker: Attacker, body: Body) -> int:
    headers = sign_request(body[0], SIGNING_SECRET)
    del headers["X-Slack-Request-Timestamp"]
    return await attacker.post(*body, headers)


ATTACKS: dict[str, Attack] = {
    "forged-signature": _forged_signature,
    "body-tampered-after-signing": _tampered_after_signing,
    "timestamp-older-than-5-minutes": _stale_timestamp,
    "missing-signature-header": _missing_signature,
    "missing-timestamp-header": _missing_timestamp,
}


async def _row_counts(runtime: Runtime) -> dict[str, int]:
    """Rows in every table the real database holds."""

    def count(conn: Any) -> dict[str, int]:
        meta = MetaData()
        meta.reflect(conn)
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in meta.sorted_tables
        }

    async with runtime.db.engine.connect() as conn:
        return await conn.run_sync(count)


async def _settled(runtime: Runtime) -> None:
    """Wait for work the app started after acking (a barrier, not a sleep)."""
    await runtime.services.drain()


def _coordinator(workspace: Workspace) -> str:
    return workspace.coordinators()[0]


def _pulse_send(slack: FakeSlack, user_id: str) -> Body:
    return slash_command(
        "/pulse",
        "send",
        user_id=user_id,
        trigger_id=slack.new_trigger_id(user_id),
        response_url=slack.new_response_url(),
    )


async def _open_round_and_wait(people: People, workspace: Workspace) -> None:
    status, _ = await people.send_pulse(_coordinator(workspace))
    assert status == 200
    humans = [u.id for u in workspace.active_humans()]
    await eventually(lambda: all(people.pulse_message(u) for u in humans))


def _click_first_answer(people: People, user_id: str) -> tuple[Body, Message]:
    message = people.pulse_message(user_id)
    assert message is not None
    button = next(iter(people.answer_buttons(message).values()))[2]
    body = block_actions(
        user_id=user_id,
        action_id=button.action_id,
        block_id=button.block_id,
        value=button.value,
        channel_id=message.channel,
        message_ts=message.ts,
        message={"ts": message.ts, "text": message.text, "blocks": message.blocks or []},
    )
    return body, message


async def test_unsigned_pulse_send_is_refused_and_opens_nothing(
    attacker: Attacker, runtime: Runtime, slack: FakeSlack, workspace: Workspace
) -> None:
    before_rows, before_calls = await _row_counts(runtime), len(slack.calls)

    body = _pulse_send(slack, _coordinator(workspace))
    statuses = {name: await attack(attacker, body) for name, attack in ATTACKS.items()}
    await _settled(runtime)

    assert statuses == dict.fromkeys(ATTACKS, 401)
    assert await _row_counts(runtime) == before_rows
    assert slack.calls[before_calls:] == []
    assert slack.responses() == []


async def test_unsigned_answer_click_is_refused_and_stores_nothing(
    attacker: Attacker, runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    await _open_round_and_wait(people, workspace)
    user = workspace.active_humans()[0].id
    body, message = _click_first_answer(people, user)
    before_rows, before_calls = await _row_counts(runtime), len(slack.calls)

    statuses = {name: await attack(attacker, body) for name, attack in ATTACKS.items()}
    await _settled(runtime)

    assert statuses == dict.fromkeys(ATTACKS, 401)
    assert await _row_counts(runtime) == before_rows
    assert slack.calls[before_calls:] == []
    assert people.pulse_message(user) == message  # the DM was not redrawn


async def test_garbage_body_with_a_forged_signature_is_refused_with_401(
    attacker: Attacker, runtime: Runtime, slack: FakeSlack
) -> None:
    before_rows, before_calls = await _row_counts(runtime), len(slack.calls)
    body = b"payload=%5B1%2C2%2C3%5D"  # payload=[1,2,3]: not even an object

    status = await attacker.post(
        body, "application/x-www-form-urlencoded", sign_request(body, "wrong-secret")
    )
    await _settled(runtime)

    assert status == 401
    assert await _row_counts(runtime) == before_rows
    assert slack.calls[before_calls:] == []


async def test_correctly_signed_pulse_send_asks_to_confirm_and_opens_nothing_yet(
    attacker: Attacker, runtime: Runtime, slack: FakeSlack, workspace: Workspace
) -> None:
    before = await _row_counts(runtime)
    body = _pulse_send(slack, _coordinator(workspace))

    status = await attacker.post(*body, sign_request(body[0], SIGNING_SECRET))
    await _settled(runtime)

    assert status == 200
    after = await _row_counts(runtime)
    # The command is accepted and answered with the confirmation; only "Send it" opens the round.
    assert after["survey_round"] == before["survey_round"]
    assert after["outbox_message"] == before["outbox_message"]
    [reply] = slack.responses()
    assert "Send it" in str(reply.body["blocks"])


async def test_correctly_signed_click_within_the_window_is_stored(
    attacker: Attacker, runtime: Runtime, people: People, workspace: Workspace
) -> None:
    await _open_round_and_wait(people, workspace)
    user = workspace.active_humans()[0].id
    body, _ = _click_first_answer(people, user)
    before = await _row_counts(runtime)

    # Four minutes old is still inside Slack's five-minute window.
    status = await attacker.post(
        *body, sign_request(body[0], SIGNING_SECRET, timestamp=int(time.time()) - 4 * 60)
    )
    await _settled(runtime)
    # Participation waits for a batch of k (bot/answers.py); forced out, it is one row.
    await runtime.services.surveys.answers.flush_participation(force=True)

    assert status == 200
    after = await _row_counts(runtime)
    assert after["survey_answer"] == before["survey_answer"] + 1
    assert after["round_participation"] == before["round_participation"] + 1
