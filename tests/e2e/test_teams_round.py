"""A pulse round on Teams, end to end: the real runtime with PLATFORM=teams against the fake Teams.

Installs tell PeerPulse where each person's chat lives (their regional connector); a coordinator opens
a round; every installed person gets their pulse there; a signed `adaptiveCard/action` tap stores one
answer (a redelivery none); a forged tap gets 401 and stores nothing; `pulse optout` typed in the chat
keeps the next round away. Real database (SQLite, PostgreSQL), real HTTP, nothing of ours mocked.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from bot.runtime import Runtime
from handlers.teams.cards.answers import ANSWER_VERB
from handlers.teams.ids import person_id
from handlers.teams.platform import TeamsPlatform
from handlers.teams.simulation.connector import FakeTeams, SentActivity
from handlers.teams.simulation.people import TeamsPeople, answer_buttons
from handlers.teams.simulation.signing import TokenSigner
from handlers.teams.simulation.tenant import TIME_ZONES
from storage.models import MemberAddress, SurveyAnswer, SurveyRound
from tests.support import eventually, round_settled


async def _open_round(runtime: Runtime, coordinator: str) -> SurveyRound:
    """A coordinator opens a round through the domain (as their confirmation would), fully sent."""
    surveys, team = runtime.services.surveys, runtime.services.team_id
    preview = await surveys.preview_round(team_id=team, by=coordinator)
    sent = await surveys.send_now(team_id=team, by=coordinator, token=preview.token)
    await eventually(lambda: round_settled(runtime, sent.round.id))
    return sent.round


def _pulses(fake: FakeTeams, chat: str, round_id: str) -> list[SentActivity]:
    """The pulses of a round in a chat: cards whose answer buttons answer that round."""
    return [
        a
        for a in fake.sent_to(chat)
        if (buttons := answer_buttons(a))
        and all(b["verb"] == ANSWER_VERB for b in buttons)
        and {b["data"]["r"] for b in buttons} == {round_id}
    ]


async def _addresses(runtime: Runtime) -> list[dict[str, Any]]:
    async with runtime.db.session() as session:
        return [a.model_dump() for a in await session.exec(select(MemberAddress))]


async def _answers(runtime: Runtime) -> list[SurveyAnswer]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(SurveyAnswer)))


async def test_a_round_on_teams_from_install_to_opt_out(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    runtime, fake, people = teams_runtime, teams_fake, teams_people
    assert isinstance(runtime.platform, TeamsPlatform)  # found through the `teams` entry point
    employees = [u.id for u in fake.tenant.people()]
    coordinator, answerer, quitter = employees[0], employees[2], employees[3]
    for user in employees:
        assert await people.install(user) == 200
    # A message from the person's client: its clientInfo time zone becomes theirs.
    assert await people.say(answerer, "hello") == 200
    members = {m.id: m for m in await runtime.services.directory.list_members()}
    assert members[person_id(answerer)].tz == fake.tenant.users[answerer].timezone
    # Anything that is not a command gets the help reply, never silence.
    help_reply = await eventually(lambda: fake.sent_to(people.chat(answerer)))
    assert "PeerPulse" in help_reply[-1].text

    first = await _open_round(runtime, person_id(coordinator))

    # Each installed person got one pulse in their chat, through their regional connector; the guest none.
    assert first.invited == len(employees)
    for user in employees:
        assert len(_pulses(fake, people.chat(user), first.id)) == 1, user
    sends = [path for method, path in fake.requests if method == "POST" and path.endswith("/activities")]
    assert sends and all(path.startswith("/emea/v3/conversations/") for path in sends)
    assert ("POST", "/v3/conversations") not in fake.requests  # no chat had to be created

    # The answerer taps one answer: signed as the Bot Connector signs it, stored once.
    option = answer_buttons(_pulses(fake, people.chat(answerer), first.id)[0])[0]
    addresses = await _addresses(runtime)
    # The tap's clientInfo reports another zone: an answer's request keeps nothing beside the answer.
    fake.tenant.users[answerer].timezone = next(z for z in TIME_ZONES if z != members[person_id(answerer)].tz)
    tap = people.tap_activity(answerer, verb=ANSWER_VERB, data=option["data"])
    status, body = await people.post(tap)
    assert status == 200
    assert body["statusCode"] == 200
    # The tapped card redrawn with the person's progress (tests/e2e/test_teams_taps.py has the rest).
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "1 of " in json.dumps(body["value"])
    stored = await _answers(runtime)
    assert [(a.round_id, a.question_id, a.value) for a in stored] == [
        (first.id, option["data"]["q"], option["data"]["v"])
    ]
    assert await _addresses(runtime) == addresses
    # Teams delivers the same invoke again: nothing more is stored.
    status, body = await people.post(tap)
    assert (status, body["statusCode"]) == (200, 200)
    assert len(await _answers(runtime)) == 1

    # A forged tap (a key the Bot Connector never published) is refused before anything runs.
    other = answer_buttons(_pulses(fake, people.chat(quitter), first.id)[0])[1]
    forged_tap = people.tap_activity(quitter, verb=ANSWER_VERB, data=other["data"])
    forged = "Bearer " + TokenSigner(kid=fake.signer.kid).sign(
        app_id=fake.tenant.app_id, service_url=forged_tap["serviceUrl"]
    )
    status, _ = await people.post(forged_tap, authorization=forged)
    assert status == 401
    # Someone else's card, tapped in a genuinely signed invoke, is refused by the domain.
    stolen = people.tap_activity(answerer, verb=ANSWER_VERB, data=other["data"])
    status, body = await people.post(stolen)
    assert status == 200
    assert "someone else" in body["value"]
    assert len(await _answers(runtime)) == 1

    # `pulse optout`, typed in the chat, keeps the next round away from the quitter.
    before = len(fake.sent_to(people.chat(quitter)))
    assert await people.say(quitter, "pulse optout") == 200
    replies = await eventually(lambda: fake.sent_to(people.chat(quitter))[before:])
    assert "opted out" in replies[0].text
    assert "`pulse optin`" in replies[0].text
    await runtime.services.surveys.close_round(first.id)

    second = await _open_round(runtime, person_id(coordinator))

    assert second.invited == len(employees) - 1
    assert _pulses(fake, people.chat(quitter), second.id) == []
    for user in employees:
        if user != quitter:
            assert len(_pulses(fake, people.chat(user), second.id)) == 1, user


async def test_anything_the_bot_connector_did_not_sign_gets_401_and_changes_nothing(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    fake, people = teams_fake, teams_people
    user = fake.tenant.people()[1].id
    install = {
        **people.tap_activity(user, verb="x", data={}),
        "type": "installationUpdate",
        "action": "add",
    }
    headers: dict[str, Any] = {
        "expired": fake.authorization(install, now=0.0, lifetime=600),
        "wrong-audience": "Bearer "
        + fake.signer.sign(app_id="another-bot", service_url=install["serviceUrl"]),
        "wrong-serviceurl": "Bearer "
        + fake.signer.sign(app_id=fake.tenant.app_id, service_url="https://evil.example/"),
        "forged": "Bearer "
        + TokenSigner(kid=fake.signer.kid).sign(app_id=fake.tenant.app_id, service_url=install["serviceUrl"]),
    }
    for name, header in headers.items():
        status, _ = await people.post(install, authorization=header)
        assert status == 401, name
    assert await teams_runtime.platform.outbox_messenger.addresses.address_of(user) is None  # type: ignore[attr-defined]
    # The same activity, signed by the Bot Connector, is handled.
    status, _ = await people.post(install)
    assert status == 200
    assert await teams_runtime.platform.outbox_messenger.addresses.address_of(user) is not None  # type: ignore[attr-defined]
