"""Each person's home on Teams, end to end: typed `home` answers with a card drawn for their roles.

Everyone sees their pulse, the supporters (named as real Teams mentions, from the roster) and the
promise; a supporter also sees their training and the buttons that open the peer-log dialogs; a
coordinator also sees the dashboard, with an open action's owner named and its Update dialog one tap
away. Real database (SQLite, PostgreSQL), real signed HTTP against the fake Teams, nothing mocked.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.clock import ManualClock
from bot.measures import numeric_constructs
from bot.runtime import Runtime
from handlers.shared.home_words import COORDINATOR_HEADER, SUPPORTER_HEADER
from handlers.teams.cards.card import CONTENT_TYPE
from handlers.teams.cards.improvement import UPDATE
from handlers.teams.cards.peer_log import OPEN_SESSION, OPEN_TRAINING
from handlers.teams.cards.policies import ADD_ACTION
from handlers.teams.ids import person_id
from handlers.teams.simulation.connector import FakeTeams, SentActivity
from handlers.teams.simulation.people import TeamsPeople, submit_buttons
from tests.handlers.teams.cards.checks import schema_errors, texts
from tests.support import eventually


async def _home_of(people: TeamsPeople, fake: FakeTeams, user: str) -> dict[str, Any]:
    """Type `home` and wait for the card it answers with."""
    before = len(fake.sent_to(people.chat(user)))
    assert await people.install(user) == 200
    assert await people.say(user, "home") == 200

    def card() -> list[SentActivity]:
        return [a for a in fake.sent_to(people.chat(user))[before:] if a.attachments]

    (sent,) = await eventually(card)
    (attachment,) = sent.attachments
    assert attachment["contentType"] == CONTENT_TYPE
    content: dict[str, Any] = attachment["content"]
    assert schema_errors(content) == []
    return content


def _actions(content: dict[str, Any]) -> set[str]:
    return {str(b["data"].get("action")) for b in submit_buttons(content)}


async def test_an_employee_sees_their_part_with_the_supporters_named(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    everyone = [u.id for u in teams_fake.tenant.people()]
    supporter, employee = everyone[1], everyone[2]
    content = await _home_of(teams_people, teams_fake, employee)
    shown = "\n".join(texts(content))
    assert "Our confidentiality promise" in shown and "Your surveys" in shown
    assert SUPPORTER_HEADER not in shown and COORDINATOR_HEADER not in shown
    # The supporter is a real mention, by the name Teams shows everyone; never an id.
    name = teams_fake.tenant.users[supporter].name
    assert f"<at>{name}</at>" in shown
    assert content["msteams"]["entities"] == [
        {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": supporter, "name": name}}
    ]
    assert "<@" not in json.dumps(content) and person_id(supporter) not in json.dumps(content)
    assert _actions(content) == set()


async def test_a_supporter_gets_their_records_and_the_peer_log_dialogs(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    supporter = [u.id for u in teams_fake.tenant.people()][1]
    content = await _home_of(teams_people, teams_fake, supporter)
    shown = "\n".join(texts(content))
    assert SUPPORTER_HEADER in shown and COORDINATOR_HEADER not in shown
    assert "You have no training recorded yet." in shown
    assert _actions(content) == {OPEN_SESSION, OPEN_TRAINING}
    (log,) = [b for b in submit_buttons(content) if b["data"]["action"] == OPEN_SESSION]
    dialog = await teams_people.open_dialog(supporter, log)
    assert dialog["task"]["value"]["title"] == "Log a session"


async def test_a_coordinator_gets_the_dashboard_with_an_actions_owner_named(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams, clock: ManualClock
) -> None:
    coordinator = next(u.id for u in teams_fake.tenant.people())
    services = teams_runtime.services
    action = await services.actions.adopt(
        team_id=services.team_id,
        practice_id="listening",
        title="Run listening circles",
        owner_id=person_id(coordinator),
        by=person_id(coordinator),
        due_on=clock.now().date() + timedelta(days=30),
        construct=numeric_constructs(services.surveys.bank)[0],
        success_measure="",
    )
    content = await _home_of(teams_people, teams_fake, coordinator)
    shown = "\n".join(texts(content))
    assert COORDINATOR_HEADER in shown and SUPPORTER_HEADER not in shown
    assert "No pulse is open right now." in shown
    name = teams_fake.tenant.users[coordinator].name
    assert f"**Run listening circles** — owner <at>{name}</at>" in shown
    assert _actions(content) == {UPDATE, ADD_ACTION}
    (update,) = [b for b in submit_buttons(content) if b["data"]["action"] == UPDATE]
    assert update["data"]["a"] == action.id
    dialog = await teams_people.open_dialog(coordinator, update)
    assert "Run listening circles" in json.dumps(dialog)
