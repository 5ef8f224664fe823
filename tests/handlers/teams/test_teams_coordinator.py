"""Coordinators' typed commands on Teams, against the running app and the fake Teams: status, send
(asked first, with a card), close and cancel, digest; the domain decides the role, so an employee
gets Slack's refusal word for word, and an employee's help never names a coordinator's command."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import PeerPulseError
from bot.runtime import Runtime
from handlers.teams.cards.markup import to_markdown
from handlers.teams.cards.rounds import ROUND_KEY
from handlers.teams.ids import person_id
from handlers.teams.simulation.activities import personal_message
from handlers.teams.simulation.connector import FakeTeams, SentActivity
from handlers.teams.simulation.people import TeamsPeople, answer_buttons
from tests.handlers.teams.cards.checks import schema_errors
from tests.support import eventually


def _replies(fake: FakeTeams, chat: str, before: int) -> list[SentActivity]:
    # The coordinator is in the audience too: their own pulse (answer buttons) is not a reply.
    return [a for a in fake.sent_to(chat)[before:] if not answer_buttons(a)]


def _coordinator(fake: FakeTeams) -> str:
    return fake.tenant.people()[0].id


def _employee(fake: FakeTeams) -> str:
    return fake.tenant.people()[2].id


async def _say(people: TeamsPeople, fake: FakeTeams, user: str, text: str) -> SentActivity:
    chat = people.chat(user)
    before = len(fake.sent_to(chat))
    assert await people.say(user, text) == 200
    return (await eventually(lambda: _replies(fake, chat, before)))[0]


async def _tap(
    people: TeamsPeople,
    fake: FakeTeams,
    user: str,
    button: dict[str, Any],
    question: SentActivity | None = None,
) -> SentActivity:
    """What Teams sends for an Action.Submit tap in a personal chat: a message with the data as value,
    in reply to the card tapped; the answer is that card rewritten (or, without one, a new message)."""
    chat = people.chat(user)
    activity = personal_message(
        fake.tenant, fake.tenant.users[user], text="", service_url=people.service_url, conversation_id=chat
    )
    del activity["text"]
    activity["value"] = button["data"]
    before, updates = len(fake.sent_to(chat)), question.updates if question else 0
    if question is not None:
        activity["replyToId"] = question.id
    status, _ = await people.post(activity)
    assert status == 200
    if question is None:
        return (await eventually(lambda: _replies(fake, chat, before)))[0]
    rewritten = await eventually(
        lambda: [a for a in fake.sent_to(chat) if a.id == question.id and a.updates > updates]
    )
    assert _replies(fake, chat, before) == []  # nothing new: the question itself says what happened
    assert rewritten[0].attachments == []  # no button left to tap
    return rewritten[0]


def _buttons(sent: SentActivity) -> dict[str, dict[str, Any]]:
    (content,) = [a["content"] for a in sent.attachments]
    assert schema_errors(content) == []
    return {a["title"]: a for b in content["body"] if b["type"] == "ActionSet" for a in b["actions"]}


def _words(sent: SentActivity) -> str:
    return "\n".join(
        [sent.text, *(b.get("text", "") for a in sent.attachments for b in a["content"]["body"])]
    )


async def test_an_employee_gets_the_domains_refusal_and_no_coordinator_help(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    employee = _employee(teams_fake)
    with pytest.raises(PeerPulseError) as refused:
        await teams_runtime.services.surveys.latest_status(
            team_id=teams_runtime.services.team_id, by=person_id(employee)
        )
    for command in ("pulse status", "pulse digest", "pulse send", "pulse close", "pulse cancel"):
        reply = await _say(teams_people, teams_fake, employee, command)
        assert reply.text == to_markdown(str(refused.value)), command
        assert not reply.attachments
    # A forged tap on "Send it" is refused by the domain too.
    forged = await _tap(teams_people, teams_fake, employee, {"data": {ROUND_KEY: "send", "value": "abc"}})
    assert forged.text == to_markdown(str(refused.value))
    assert await teams_runtime.services.surveys.current_round(team_id=teams_runtime.services.team_id) is None
    for text in ("help", "pulse help", "pulse"):
        said = (await _say(teams_people, teams_fake, employee, text)).text
        assert not any(f"pulse {sub}" in said for sub in ("send", "status", "digest", "close", "cancel"))


async def test_a_coordinator_sends_after_confirming_then_closes_and_the_status_follows(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    coordinator = _coordinator(teams_fake)
    services = teams_runtime.services
    assert (
        "No pulse round has been opened yet"
        in (await _say(teams_people, teams_fake, coordinator, "pulse status")).text
    )
    question = await _say(teams_people, teams_fake, coordinator, "pulse send")
    assert "Send a pulse round now?" in _words(question)
    buttons = _buttons(question)
    assert set(buttons) == {"Send it", "Not now"}
    # Nothing is opened by asking, nor by "Not now".
    not_now = await _tap(teams_people, teams_fake, coordinator, buttons["Not now"], question)
    assert "Not sent" in not_now.text
    assert await services.surveys.current_round(team_id=services.team_id) is None
    question = await _say(teams_people, teams_fake, coordinator, "pulse send")
    send_it = _buttons(question)["Send it"]
    opened = await _tap(teams_people, teams_fake, coordinator, send_it, question)
    assert "Pulse round opened" in opened.text
    round_ = await services.surveys.current_round(team_id=services.team_id)
    assert round_ is not None
    # A second tap that reached Teams before the card changed (a double click) opens no second round.
    again = await _tap(teams_people, teams_fake, coordinator, send_it)
    assert "already opened the round" in again.text
    status = (await _say(teams_people, teams_fake, coordinator, "pulse status")).text
    assert "Invited: 4" in status and "Answered: fewer than 5 so far" in status
    close = await _say(teams_people, teams_fake, coordinator, "pulse close")
    assert "Close the round now?" in _words(close)
    assert "Fewer than 5 people answered so far" in _words(close)
    closed = await _tap(teams_people, teams_fake, coordinator, _buttons(close)["Close now"], close)
    assert "Pulse round closed" in closed.text
    assert await services.surveys.current_round(team_id=services.team_id) is None
    # Nothing left to cancel: the domain's own words, with the typed next step.
    nothing = (await _say(teams_people, teams_fake, coordinator, "pulse cancel")).text
    assert "nothing to" in nothing and "**pulse status**" in nothing and "/pulse" not in nothing


async def test_a_coordinator_cancels_an_open_round(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    coordinator = _coordinator(teams_fake)
    services = teams_runtime.services
    question = await _say(teams_people, teams_fake, coordinator, "pulse send")
    await _tap(teams_people, teams_fake, coordinator, _buttons(question)["Send it"], question)
    prompt = await _say(teams_people, teams_fake, coordinator, "pulse cancel")
    assert "Cancel the open pulse round?" in _words(prompt)
    buttons = _buttons(prompt)
    kept = await _tap(teams_people, teams_fake, coordinator, buttons["Keep it"], prompt)
    assert "stays open" in kept.text
    assert await services.surveys.current_round(team_id=services.team_id) is not None
    prompt = await _say(teams_people, teams_fake, coordinator, "pulse cancel")
    cancelled = await _tap(
        teams_people, teams_fake, coordinator, _buttons(prompt)["Cancel the round"], prompt
    )
    assert "Pulse round cancelled" in cancelled.text
    assert await services.surveys.current_round(team_id=services.team_id) is None


@pytest.mark.parametrize("locale", ["en-US", "de-DE"])
async def test_a_coordinators_help_names_the_subcommands_teams_has_and_only_those(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams, locale: str
) -> None:
    coordinator = _coordinator(teams_fake)
    teams_fake.tenant.users[coordinator].locale = locale
    for text in ("help", "pulse help", "pulse frobnicate"):
        said = (await _say(teams_people, teams_fake, coordinator, text)).text
        teams_has = (
            "send",
            "status",
            "close",
            "cancel",
            "digest",
            "schedule",
            "questions",
            "supporters",
            "actions",
            "policies",
        )
        assert all(f"`pulse {sub}`" in said for sub in teams_has), said
        assert "`pulse actions closed`" in said
        assert "`pulse optout`" in said and "/pulse" not in said


async def test_an_outcome_whose_question_is_gone_is_sent_anew(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    coordinator = _coordinator(teams_fake)
    chat = teams_people.chat(coordinator)
    activity = personal_message(
        teams_fake.tenant,
        teams_fake.tenant.users[coordinator],
        text="",
        service_url=teams_people.service_url,
        conversation_id=chat,
    )
    activity.update(value={ROUND_KEY: "not_now", "value": ""}, replyToId="1:999999999999")
    assert (await teams_people.post(activity))[0] == 200
    (said,) = await eventually(lambda: _replies(teams_fake, chat, 0))
    assert "Not sent" in said.text
