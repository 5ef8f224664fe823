"""What the Teams listeners do with each activity, against the running app and the fake Teams.

Installs and removals, typed commands and the help reply (never silence, the safety net first), the
time zone a client reports, and the `adaptiveCard/action` invoke's response contract.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from bot.runtime import Runtime
from handlers.teams.cards.answers import ANSWER_VERB
from handlers.teams.ids import person_id
from handlers.teams.platform import TeamsPlatform
from handlers.teams.simulation.activities import bot_added, personal_message
from handlers.teams.simulation.connector import FakeTeams
from handlers.teams.simulation.people import TeamsPeople
from storage.models import MemberAddress, SurveyAnswer
from tests.support import eventually

RISKY = "Honestly some days I want to kill my self after those meetings"


def _platform(runtime: Runtime) -> TeamsPlatform:
    assert isinstance(runtime.platform, TeamsPlatform)
    return runtime.platform


async def _addresses(runtime: Runtime) -> list[MemberAddress]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(MemberAddress)))


def _employee(fake: FakeTeams, n: int = 2) -> str:
    return fake.tenant.people()[n].id


async def test_install_remembers_the_chat_and_its_region_and_removal_forgets_it(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    user = _employee(teams_fake)
    assert await teams_people.install(user) == 200
    stored = await _addresses(teams_runtime)
    assert [(a.user_id, a.conversation_id, a.service_url, a.time_zone) for a in stored] == [
        (user, teams_people.chat(user), teams_people.service_url, None)
    ]
    assert stored[0].team_id == teams_fake.tenant.id
    assert await teams_people.install(user, action="remove") == 200
    assert await _addresses(teams_runtime) == []


async def test_the_bot_joining_a_personal_chat_is_an_install_too(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    user = _employee(teams_fake)
    activity = bot_added(
        teams_fake.tenant,
        teams_fake.tenant.users[user],
        service_url=teams_people.service_url,
        conversation_id=teams_people.chat(user),
    )
    status, _ = await teams_people.post(activity)
    assert status == 200
    found = await _platform(teams_runtime).addresses.address_of(user)
    assert found is not None and found.conversation_id == teams_people.chat(user)


async def test_a_message_keeps_the_time_zone_its_client_reports_and_only_a_real_one(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    user = _employee(teams_fake)
    made_up = personal_message(
        teams_fake.tenant,
        teams_fake.tenant.users[user],
        text="hi",
        service_url=teams_people.service_url,
        conversation_id=teams_people.chat(user),
    )
    made_up["entities"] = [{"type": "clientInfo", "timezone": "Mars/Olympus_Mons"}]
    made_up["localTimezone"] = "../../etc/passwd"
    status, _ = await teams_people.post(made_up)
    assert status == 200
    assert [a.time_zone for a in await _addresses(teams_runtime)] == [None]
    teams_fake.tenant.users[user].timezone = "Asia/Kolkata"
    assert await teams_people.say(user, "hi again") == 200
    assert [a.time_zone for a in await _addresses(teams_runtime)] == ["Asia/Kolkata"]
    members = {m.id: m for m in await teams_runtime.services.directory.list_members()}
    assert members[person_id(user)].tz == "Asia/Kolkata"
    # Nobody else's zone is made up: the core's DEFAULT_TIMEZONE applies to them.
    assert all(m.tz is None for m in members.values() if m.id != person_id(user))


async def test_typed_commands_get_their_replies_and_anything_else_gets_help_once(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    user = _employee(teams_fake)
    chat = teams_people.chat(user)

    async def reply_to(text: str) -> str:
        before = len(teams_fake.sent_to(chat))
        assert await teams_people.say(user, text) == 200
        replies = await eventually(lambda: teams_fake.sent_to(chat)[before:])
        return replies[0].text

    status = await reply_to("pulse")
    assert "You get pulse surveys" in status and "No pulse is open right now." in status
    assert "`pulse optout`" in status and "/pulse" not in status
    assert "`pulse optin`" in await reply_to("help")
    assert "opted out" in await reply_to("Pulse  OPTOUT")
    assert await teams_runtime.services.surveys.is_opted_out(
        team_id=teams_runtime.services.team_id, user_id=person_id(user)
    )
    assert "opted out" in await reply_to("pulse")
    assert "Welcome back" in await reply_to("/pulse optin")
    assert "I don't know `pulse frobnicate`" in await reply_to("pulse frobnicate")
    assert "thanks for writing" in await reply_to("what is this?")
    # Risky words get support at once, even inside the quiet spell after a help reply.
    assert "you don't have to handle this alone" in await reply_to(RISKY)
    # A second chatty message inside the quiet spell gets no second help reply.
    before = len(teams_fake.sent_to(chat))
    assert await teams_people.say(user, "hello?") == 200
    await teams_runtime.services.drain()
    assert len(teams_fake.sent_to(chat)) == before


async def test_replies_speak_the_language_of_the_person_s_teams_client(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    user = _employee(teams_fake)
    teams_fake.tenant.users[user].locale = "de-DE"
    assert await teams_people.say(user, "pulse optin") == 200
    replies = await eventually(lambda: teams_fake.sent_to(teams_people.chat(user)))
    assert replies[0].text.startswith("Willkommen zurück")


async def _invoke(people: TeamsPeople, user: str, **value: Any) -> tuple[int, Any]:
    activity = people.tap_activity(user, verb="x", data={})
    activity.update(value)
    return await people.post(activity)


async def test_invokes_answer_with_the_adaptive_card_response_contract(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    user = _employee(teams_fake)
    # Data that is not one of ours: HTTP 200, a 400 error body, nothing stored.
    for data in [{}, {"r": "r", "q": "q", "b": "b", "t": "t", "v": "5"}, "junk"]:
        tap = teams_people.tap_activity(user, verb=ANSWER_VERB, data=data)  # type: ignore[arg-type]
        status, body = await teams_people.post(tap)
        assert status == 200
        assert body["statusCode"] == 400
        assert body["type"] == "application/vnd.microsoft.error"
        assert "nothing was recorded" in body["value"]["message"]
    status, body = await teams_people.post(teams_people.tap_activity(user, verb="other.verb", data={}))
    assert (status, body["statusCode"]) == (200, 400)
    # A well-formed answer whose ballot tag is not this person's is refused in words they can read.
    forged = {"r": "r1", "q": "q1", "b": "b" * 32, "t": "0" * 20, "v": 3}
    status, body = await teams_people.post(teams_people.tap_activity(user, verb=ANSWER_VERB, data=forged))
    assert (status, body["statusCode"], body["type"]) == (
        200,
        200,
        "application/vnd.microsoft.activity.message",
    )
    assert "someone else" in body["value"]
    # An invoke nobody handles is answered as the Bot Framework answers it.
    status, _ = await _invoke(teams_people, user, name="composeExtension/query")
    assert status == 501
    async with teams_runtime.db.session() as session:
        assert list(await session.exec(select(SurveyAnswer))) == []


async def test_activities_from_another_tenant_change_nothing(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    user = _employee(teams_fake)
    other = {"channelData": {"tenant": {"id": "another-tenant"}}}
    activity = {
        **teams_people.tap_activity(user, verb="x", data={}),
        "type": "installationUpdate",
        "action": "add",
    }
    status, _ = await teams_people.post({**activity, **other})
    assert status == 200
    assert await _addresses(teams_runtime) == []
    status, body = await _invoke(teams_people, user, name="adaptiveCard/action", **other)
    assert (status, body["statusCode"]) == (200, 403)
