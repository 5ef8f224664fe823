"""A route behind the inbound guard answers 401 to anything the Bot Connector did not sign, and does nothing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from handlers.teams.auth import BotConnectorAuth
from handlers.teams.inbound import verified_activity
from handlers.teams.simulation.activities import personal_message
from handlers.teams.simulation.connector import FakeTeams
from handlers.teams.simulation.signing import TokenSigner


class Bot:
    """A minimal bot endpoint that records each activity it lets through."""

    def __init__(self, auth: BotConnectorAuth) -> None:
        self.auth = auth
        self.handled: list[dict[str, Any]] = []

    async def messages(self, request: web.Request) -> web.Response:
        self.handled.append(await verified_activity(request, self.auth))
        return web.Response(status=200)


@pytest.fixture
async def bot_url(fake_teams: FakeTeams) -> AsyncIterator[tuple[str, Bot, aiohttp.ClientSession]]:
    async with aiohttp.ClientSession() as session:
        bot = Bot(
            BotConnectorAuth(
                app_id=fake_teams.tenant.app_id,
                openid_metadata_url=fake_teams.openid_metadata_url,
                session=session,
            )
        )
        app = web.Application()
        app.router.add_post("/api/messages", bot.messages)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site.port
        try:
            yield f"http://127.0.0.1:{port}/api/messages", bot, session
        finally:
            await runner.cleanup()


def _hello(fake: FakeTeams) -> dict[str, Any]:
    user = fake.tenant.people()[0]
    return personal_message(
        fake.tenant, user, text="hello", service_url=fake.service_url, conversation_id="a:1" + user.id[4:]
    )


async def test_a_signed_activity_gets_through(
    fake_teams: FakeTeams, bot_url: tuple[str, Bot, aiohttp.ClientSession]
) -> None:
    url, bot, session = bot_url
    activity = _hello(fake_teams)
    async with session.post(
        url, json=activity, headers={"Authorization": fake_teams.authorization(activity)}
    ) as r:
        assert r.status == 200
    assert bot.handled == [activity]
    assert bot.handled[0]["entities"][0]["timezone"] == fake_teams.tenant.people()[0].timezone


def _forged(fake: FakeTeams, activity: dict[str, Any]) -> str:
    return "Bearer " + TokenSigner(kid=fake.signer.kid).sign(
        app_id=fake.tenant.app_id, service_url=fake.service_url
    )


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(_forged, id="forged"),
        pytest.param(lambda f, a: f.authorization(a, now=time.time() - 7200, lifetime=600), id="expired"),
        pytest.param(lambda f, a: f.authorization(a, issuer="https://sts.windows.net/x/"), id="wrong-issuer"),
        pytest.param(
            lambda f, a: "Bearer " + f.signer.sign(app_id="another-bot", service_url=f.service_url),
            id="wrong-audience",
        ),
        pytest.param(
            lambda f, a: (
                "Bearer " + f.signer.sign(app_id=f.tenant.app_id, service_url="https://evil.example/")
            ),
            id="wrong-serviceurl",
        ),
        pytest.param(lambda f, a: None, id="missing"),
    ],
)
async def test_anything_else_gets_401_and_changes_nothing(
    fake_teams: FakeTeams, bot_url: tuple[str, Bot, aiohttp.ClientSession], authorization: Any
) -> None:
    url, bot, session = bot_url
    activity = _hello(fake_teams)
    header = authorization(fake_teams, activity)
    headers = {"Authorization": header} if header else {}
    async with session.post(url, json=activity, headers=headers) as response:
        assert response.status == 401
    assert bot.handled == []


async def test_a_token_for_one_activity_cannot_carry_another_connectors_activity(
    fake_teams: FakeTeams, bot_url: tuple[str, Bot, aiohttp.ClientSession]
) -> None:
    url, bot, session = bot_url
    activity = _hello(fake_teams)
    header = fake_teams.authorization(activity)
    # The same valid token, replayed with an activity that points replies elsewhere.
    redirected = {**activity, "serviceUrl": "https://evil.example/"}
    async with session.post(url, json=redirected, headers={"Authorization": header}) as response:
        assert response.status == 401
    async with session.post(url, data=b"not json", headers={"Authorization": header}) as response:
        assert response.status == 401
    assert bot.handled == []
