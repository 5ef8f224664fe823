"""An answer click is handled alike over HTTP (past Bolt's dispatch) and through Bolt (Socket Mode)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from slack_bolt.request.async_request import AsyncBoltRequest
from sqlmodel import func, select

from bot.runtime import Runtime
from handlers.slack.platform import SlackPlatform
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import block_actions
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace
from storage.models import SurveyAnswer
from tests.support import eventually


async def _answers(runtime: Runtime) -> int:
    async with runtime.db.session() as session:
        return int((await session.exec(select(func.count()).select_from(SurveyAnswer))).one())


async def test_an_answer_click_through_bolt_is_stored_and_redrawn_like_one_over_http(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    await people.send_pulse(workspace.coordinators()[0])
    user = workspace.active_humans()[2].id
    message = await eventually(lambda: people.pulse_message(user))
    first, second = list(people.answer_buttons(message).values())[:2]

    # Over HTTP: acked once stored, then redrawn through the click's response_url.
    before = slack.redraws()
    assert (await people.click(user, message, first[1]))[0] == 200
    assert await _answers(runtime) == 1
    await eventually(lambda: slack.redraws() == before + 1)

    # The same kind of click as Socket Mode delivers it: Bolt's dispatch, the app's own middleware.
    body, _ = block_actions(
        user_id=user,
        action_id=second[3].action_id,
        block_id=second[3].block_id,
        value=second[3].value,
        channel_id=message.channel,
        message_ts=message.ts,
        trigger_id=slack.new_trigger_id(user),
        response_url=slack.new_response_url(message.channel, message.ts),
        message={"ts": message.ts, "text": message.text, "blocks": message.blocks or []},
    )
    payload = json.loads(parse_qs(body.decode())["payload"][0])
    platform = runtime.platform
    assert isinstance(platform, SlackPlatform) and platform.app is not None
    response = await platform.app.async_dispatch(AsyncBoltRequest(body=payload, mode="socket_mode"))
    assert response.status == 200
    assert await _answers(runtime) == 2
    await eventually(lambda: slack.redraws() == before + 2)
