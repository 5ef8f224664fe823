"""The improvement loop on Teams, end to end: a coordinator adopts a digest suggestion through its
dialog (once, however often it is sent), pages through `pulse actions` and updates, closes, reopens
and deletes actions from it, and shares a "you said, we did" update from a closed action's note.
Employees are refused with the domain's words. Real runtime, real database (SQLite, PostgreSQL),
real HTTP against the fake Teams, nothing of ours mocked."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.measures import numeric_constructs
from bot.policies import PolicyForm
from bot.runtime import Runtime
from bot.updates import DESTINATION, TEXT
from handlers.teams.cards.improvement import (
    ADOPT,
    CLOSE,
    DELETE,
    DUE,
    HISTORY,
    MEASURE,
    NOTE,
    PAGE_VERB,
    REOPEN,
    SHARE,
    TITLE,
    UPDATE,
)
from handlers.teams.ids import person_id
from handlers.teams.simulation.connector import FakeTeams, SentActivity
from handlers.teams.simulation.people import TeamsPeople, submit_buttons
from handlers.teams.simulation.tenant import COORDINATORS_TEAM_ID, Team, Tenant, build_tenant
from storage.digest_models import ImprovementAction, ImprovementActionEvent
from tests.handlers.teams.cards.checks import schema_errors, texts
from tests.support import eventually
from tests.teams_runtime import SUPPORTERS_TEAM_ID

REFUSED = "Only program coordinators (members of the coordinator channel) can do that."
CARD = "application/vnd.microsoft.card.adaptive"
NOT_OURS = "That button isn't one of PeerPulse's; nothing was recorded."


@pytest.fixture
def tenant() -> Tenant:
    """Seven employees (the first a coordinator, the second a supporter) and a guest."""
    tenant = build_tenant(employees=7, coordinators=1, guests=1)
    tenant.teams[SUPPORTERS_TEAM_ID] = Team(
        SUPPORTERS_TEAM_ID, "Peer supporters", members=[tenant.people()[1].id]
    )
    return tenant


def _cards(sent: list[SentActivity]) -> list[dict[str, Any]]:
    return [a["content"] for s in sent for a in s.attachments if a.get("contentType") == CARD]


def _buttons(node: Any, action: str) -> list[dict[str, Any]]:
    return [b for b in submit_buttons(node) if b.get("data", {}).get("action") == action]


def _dialog_body(answer: dict[str, Any]) -> list[dict[str, Any]]:
    assert answer["task"]["type"] == "continue", answer
    content = answer["task"]["value"]["card"]["content"]
    assert schema_errors(content) == []
    return list(content["body"])


def _inputs(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in _dialog_body(answer) if "id" in item}


def _errors_under(answer: dict[str, Any], field: str) -> list[str]:
    body = _dialog_body(answer)
    start = next(i for i, item in enumerate(body) if item.get("id") == field) + 1
    found = []
    for item in body[start:]:
        if item.get("color") != "attention":
            break
        found.append(item["text"])
    return found


def _said(answer: dict[str, Any]) -> str:
    assert answer["task"]["type"] == "message", answer
    return str(answer["task"]["value"])


async def _actions(runtime: Runtime) -> list[ImprovementAction]:
    async with runtime.services.db.session() as session:
        return list(await session.exec(select(ImprovementAction)))


async def _events(runtime: Runtime, action_id: str) -> list[str]:
    async with runtime.services.db.session() as session:
        rows = await session.exec(
            select(ImprovementActionEvent).where(ImprovementActionEvent.action_id == action_id)
        )
        return [r.kind for r in rows]


def _channel_notes(fake: FakeTeams, words: str) -> list[dict[str, Any]]:
    return [c for c in _cards(fake.sent_to(COORDINATORS_TEAM_ID)) if words in "\n".join(texts(c))]


async def test_a_coordinator_adopts_a_digest_suggestion_once_and_an_employee_is_refused(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams, clock: ManualClock
) -> None:
    runtime, people, fake = teams_runtime, teams_people, teams_fake
    services = runtime.services
    coordinator, employee = (u.id for u in fake.tenant.people()[:2])
    today = clock.now().date()
    # An overdue policy review is enough for the playbook to suggest a practice.
    await services.policies.add(
        team_id=services.team_id,
        form=PolicyForm(
            name="Dignity at work policy",
            link="https://intranet.example.com/dignity",
            owner_id=person_id(coordinator),
            interval_months="12",
            last_reviewed_on=(today - timedelta(days=400)).isoformat(),
        ),
        by=person_id(coordinator),
    )
    assert await people.say(coordinator, "pulse digest") == 200

    def adopt_buttons() -> list[tuple[SentActivity, dict[str, Any]]]:
        return [(s, b) for s in fake.sent_to(COORDINATORS_TEAM_ID) for b in _buttons(s, ADOPT)]

    digest, adopt = (await eventually(adopt_buttons, timeout=20))[0]
    practice = adopt["data"]["p"]
    assert adopt["title"] == "Adopt as action" and adopt["data"]["msteams"] == {"type": "task/fetch"}

    # An employee tapping it is refused before any form, in the domain's words.
    refused = await people.open_channel_dialog(
        employee, adopt, channel=COORDINATORS_TEAM_ID, message_id=digest.id
    )
    assert _said(refused) == REFUSED

    dialog = await people.open_channel_dialog(
        coordinator, adopt, channel=COORDINATORS_TEAM_ID, message_id=digest.id
    )
    assert dialog["task"]["value"]["title"] == "Adopt as action"
    fields = _inputs(dialog)
    assert fields[TITLE]["value"] == adopt["data"]["t"]
    assert fields["owner"]["value"] == person_id(coordinator)
    # The coordinators, by the names their roster gave (the only people who can update an action).
    owners = [(c["value"], c["title"]) for c in fields["owner"]["choices"]]
    assert owners == [(person_id(coordinator), fake.tenant.users[coordinator].name)]
    assert fields[DUE]["value"] == (today + timedelta(days=30)).isoformat()
    measures = numeric_constructs(services.surveys.bank)
    assert [c["value"] for c in fields[MEASURE]["choices"]] == measures

    # An employee who copies the form's Send gets the same refusal, and nothing is adopted.
    forged = await people.send_dialog(employee, dialog, {MEASURE: measures[0]})
    assert _said(forged) == REFUSED
    assert await _actions(runtime) == []

    # A field left wrong comes back under its field, what was typed kept.
    again = await people.send_dialog(
        coordinator, dialog, {TITLE: "Review the dignity policy", DUE: "2020-01-01", MEASURE: ""}
    )
    assert _errors_under(again, DUE) == ["Pick a due date from today on."]
    assert _errors_under(again, MEASURE) == ["Pick the survey measure this action should move."]
    assert _inputs(again)[TITLE]["value"] == "Review the dignity policy"
    assert await _actions(runtime) == []

    # Sent right: adopted, and a double tap and a redelivered invoke adopt nothing more.
    due = (today + timedelta(days=20)).isoformat()
    # Teams sends every input's value, the ones left as drawn too.
    filled = {
        TITLE: "Review the dignity policy",
        "owner": person_id(coordinator),
        DUE: due,
        MEASURE: measures[0],
    }
    (send,) = submit_buttons(again["task"]["value"]["card"]["content"])
    activity = people.task_activity(coordinator, name="task/submit", data={**send["data"], **filled})
    answers = [await people.post(activity), await people.post(activity)]
    answers.append((200, await people.send_dialog(coordinator, again, filled)))
    assert [status for status, _ in answers] == [200, 200, 200]
    assert {_said(body) for _, body in answers} == {
        "Adopted “Review the dignity policy”; the coordinators' channel has been told."
    }
    (action,) = await _actions(runtime)
    assert (action.title, action.practice_id, action.construct_id) == (
        "Review the dignity policy",
        practice,
        measures[0],
    )
    assert (action.owner_id, action.adopted_by, action.due_on) == (
        person_id(coordinator),
        person_id(coordinator),
        date.fromisoformat(due),
    )
    assert await _events(runtime, action.id) == ["adopted"]
    await eventually(lambda: _channel_notes(fake, "adopted **Review the dignity policy**"))
    assert len(_channel_notes(fake, "adopted **Review the dignity policy**")) == 1


async def _seed(runtime: Runtime, coordinator: str, *, count: int, today: date) -> list[str]:
    services = runtime.services
    construct = numeric_constructs(services.surveys.bank)[0]
    ids = []
    for n in range(count):
        action = await services.actions.adopt(
            team_id=services.team_id,
            practice_id="explain-confidentiality",
            title=f"Action {n:02d}",
            owner_id=person_id(coordinator),
            by=person_id(coordinator),
            due_on=today + timedelta(days=n + 1),
            construct=construct,
            success_measure="",
        )
        ids.append(action.id)
    return ids


def _listed(content: dict[str, Any]) -> list[str]:
    """The action ids a list card shows, in order (each action's first button names it)."""
    seen: list[str] = []
    for button in submit_buttons(content):
        found = button["data"].get("a")
        if found and found not in seen:
            seen.append(found)
    return seen


def _page_button(content: dict[str, Any], title: str) -> dict[str, Any] | None:
    def walk(node: Any) -> list[dict[str, Any]]:
        if isinstance(node, dict):
            own = [node] if node.get("type") == "Action.Execute" and node.get("title") == title else []
            return own + [b for v in node.values() for b in walk(v)]
        if isinstance(node, list):
            return [b for item in node for b in walk(item)]
        return []

    found = walk(content)
    return found[0] if found else None


async def test_pulse_actions_pages_and_its_controls_go_through_the_domain(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams, clock: ManualClock
) -> None:
    runtime, people, fake = teams_runtime, teams_people, teams_fake
    coordinator, employee = (u.id for u in fake.tenant.people()[:2])
    ids = await _seed(runtime, coordinator, count=13, today=clock.now().date())

    # An employee typing it hears the domain's refusal.
    employee_chat = people.chat(employee)
    assert await people.say(employee, "pulse actions") == 200
    await eventually(lambda: [s for s in fake.sent_to(employee_chat) if s.text == REFUSED])

    chat = people.chat(coordinator)
    assert await people.say(coordinator, "pulse actions") == 200
    listing = (await eventually(lambda: [s for s in fake.sent_to(chat) if _cards([s])]))[0]
    before = len(fake.sent_to(chat))
    (content,) = _cards([listing])
    assert schema_errors(content) == []
    assert "**Open improvement actions** — 1–10 of 13 (soonest due first)" in texts(content)
    seen = _listed(content)
    # Next: the invoke answers with the next page, and the message in the chat shows it too.
    nxt = _page_button(content, "Next →")
    assert nxt is not None and nxt["verb"] == PAGE_VERB
    status, body = await people.post(
        people.tap_activity(coordinator, verb=PAGE_VERB, data=nxt["data"], message_id=listing.id)
    )
    assert (status, body["statusCode"]) == (200, 200)
    second = body["value"]
    assert "**Open improvement actions** — 11–13 of 13 (soonest due first)" in texts(second)
    seen += _listed(second)
    assert seen == ids  # every open action exactly once, soonest due first
    await eventually(lambda: next(s for s in fake.sent_to(chat) if s.id == listing.id).updates == 1)
    assert _page_button(second, "Next →") is None and _page_button(second, "← Previous") is not None
    # A forged page button from an employee is refused, and their chat's cards are untouched.
    status, body = await people.post(people.tap_activity(employee, verb=PAGE_VERB, data=nxt["data"]))
    assert body["value"] == REFUSED

    # Forged buttons: not ours, said so, nothing changes.
    status, body = await people.post(
        people.tap_activity(coordinator, verb=PAGE_VERB, data={"s": "open", "d": []})
    )
    assert (status, body["value"]) == (200, NOT_OURS)
    for data in ({"action": {"x": 1}}, {"action": ["action.adopt"]}, {"action": UPDATE, "a": "nope"}):
        status, body = await people.post(people.task_activity(coordinator, name="task/fetch", data=data))
        assert status == 200 and body["task"]["type"] == "message"
    assert [a.status for a in await _actions(runtime)] == ["open"] * 13

    # Update from the list: a past date comes back under its field; then progress is saved.
    first = ids[0]
    (update,) = [b for b in _buttons(content, UPDATE) if b["data"]["a"] == first]
    dialog = await people.open_dialog(coordinator, update, message_id=listing.id)
    assert _inputs(dialog)[DUE]["value"] == (clock.now().date() + timedelta(days=1)).isoformat()
    again = await people.send_dialog(coordinator, dialog, {NOTE: "Half the teams", DUE: "2020-01-01"})
    assert _errors_under(again, DUE) == ["Pick a date from today on."]
    assert _inputs(again)[NOTE]["value"] == "Half the teams"
    tomorrow = (clock.now().date() + timedelta(days=1)).isoformat()
    saved = await people.send_dialog(coordinator, again, {NOTE: "Half the teams", DUE: tomorrow})
    assert _said(saved) == "Saved progress on “Action 00”."
    # An employee cannot open it.
    assert _said(await people.open_dialog(employee, update)) == REFUSED

    # Close from the list.
    (close,) = [b for b in _buttons(content, CLOSE) if b["data"]["a"] == first]
    closing = await people.open_dialog(coordinator, close, message_id=listing.id)
    assert _said(await people.send_dialog(coordinator, closing, {NOTE: "Done"})) == "Closed “Action 00”."
    assert (
        _said(await people.send_dialog(coordinator, closing, {NOTE: "Done"}))
        == "That action is already closed."
    )

    # The closed list, then Reopen (confirmed in a dialog) redraws the list it came from.
    before = len(fake.sent_to(chat))
    assert await people.say(coordinator, "pulse actions closed") == 200
    closed_list = (await eventually(lambda: [s for s in fake.sent_to(chat)[before:] if _cards([s])]))[0]
    (closed_card,) = _cards([closed_list])
    assert _listed(closed_card) == [first]
    (reopen,) = _buttons(closed_card, REOPEN)
    confirm = await people.open_dialog(coordinator, reopen, message_id=closed_list.id)
    assert confirm["task"]["value"]["title"] == "Reopen this action?"
    assert _said(await people.send_dialog(coordinator, confirm, {})) == "Reopened “Action 00”."
    assert _said(await people.send_dialog(coordinator, confirm, {})) == "That action is already open."

    def redrawn() -> list[str]:
        shown = fake.sent_to(chat)[before:]
        mine = next(s for s in shown if s.id == closed_list.id)
        return texts(_cards([mine])) if mine.updates else []

    assert "Reopened “Action 00”." in await eventually(redrawn)

    # History and Delete from the open list.
    (history,) = [b for b in _buttons(content, HISTORY) if b["data"]["a"] == first]
    shown = "\n".join(texts(_dialog_body(await people.open_dialog(coordinator, history))))
    for words in ("adopted it", "noted progress: Half the teams", "closed it: Done", "reopened it"):
        assert words in shown
    (delete,) = [b for b in _buttons(content, DELETE) if b["data"]["a"] == first]
    confirm = await people.open_dialog(coordinator, delete, message_id=listing.id)
    assert confirm["task"]["value"]["title"] == "Delete this action?"
    assert _said(await people.send_dialog(employee, confirm, {})) == REFUSED
    assert _said(await people.send_dialog(coordinator, confirm, {})) == "Deleted “Action 00”."
    assert await _events(runtime, first) == ["adopted", "updated", "closed", "reopened", "deleted"]
    assert first not in {a.id for a in await _actions(runtime) if a.status != "deleted"}


async def test_you_said_we_did_is_drafted_previewed_and_published_from_the_closed_note_once(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams, clock: ManualClock
) -> None:
    runtime, people, fake = teams_runtime, teams_people, teams_fake
    services = runtime.services
    coordinator, employee = (u.id for u in fake.tenant.people()[:2])
    (action_id,) = await _seed(runtime, coordinator, count=1, today=clock.now().date())
    await services.actions.close(
        team_id=services.team_id, action_id=action_id, outcome_note="Circles run", by=person_id(coordinator)
    )

    def shares() -> list[tuple[SentActivity, dict[str, Any]]]:
        return [(s, b) for s in fake.sent_to(COORDINATORS_TEAM_ID) for b in _buttons(s, SHARE)]

    note, share = (await eventually(shares))[0]
    assert share["title"] == "Share a ‘you said, we did’ update" and share["data"]["a"] == action_id
    refused = await people.open_channel_dialog(
        employee, share, channel=COORDINATORS_TEAM_ID, message_id=note.id
    )
    assert _said(refused) == REFUSED

    draft = await people.open_channel_dialog(
        coordinator, share, channel=COORDINATORS_TEAM_ID, message_id=note.id
    )
    assert draft["task"]["value"]["title"] == "You said, we did"
    fields = _inputs(draft)
    closed = next(a for a in await _actions(runtime) if a.id == action_id)
    assert fields[TEXT]["value"] == services.updates.draft_for(closed)
    # No audience channel is set: direct messages are the only way.
    assert [c["value"] for c in fields[DESTINATION]["choices"]] == ["dm"]
    empty = await people.send_dialog(coordinator, draft, {TEXT: "  ", DESTINATION: "dm"})
    assert _errors_under(empty, TEXT) == ["Write the update people will read."]

    words = "We started listening circles in every team, because you asked for them."
    preview = await people.send_dialog(coordinator, empty, {TEXT: words, DESTINATION: "dm"})
    assert preview["task"]["value"]["title"] == "Preview"
    assert words in "\n".join(texts(_dialog_body(preview)))
    # Publish twice (a double tap): every employee gets it once.
    assert _said(await people.send_dialog(employee, preview, {})) == REFUSED
    first = await people.send_dialog(coordinator, preview, {})
    second = await people.send_dialog(coordinator, preview, {})
    assert _said(first) == _said(second)
    audience = [u.id for u in fake.tenant.people()]

    def delivered() -> dict[str, int]:
        got = {
            u: sum(1 for c in _cards(fake.sent_to(people.chat(u))) if words in "\n".join(texts(c)))
            for u in audience
        }
        return got if all(got.values()) else {}

    counts = await eventually(delivered, timeout=20)
    assert set(counts.values()) == {1}
    note_words = "shared a ‘you said, we did’ update"
    await eventually(lambda: _channel_notes(fake, note_words))
    clock.advance(timedelta(seconds=1))
    assert len(_channel_notes(fake, note_words)) == 1
