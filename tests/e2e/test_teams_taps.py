"""Taps and dialogs on Teams, end to end: the real runtime with PLATFORM=teams against the fake Teams.

A tap redraws the pulse card with the person's progress and choice and keeps it with the connector's
update; the comment dialog opens from the card, refuses an over-long comment with the text kept, then
stores it once, scrubbed, and confirms; feedback opens from its card's button and is stored without
its author. Real database (SQLite, PostgreSQL), real signed HTTP, nothing of ours mocked.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlmodel import select

from bot.runtime import Runtime
from handlers.teams.cards.answers import ANSWER_VERB, COMMENT_ACTION
from handlers.teams.dialogs import build_feedback_card
from handlers.teams.ids import person_id
from handlers.teams.simulation.connector import FakeTeams
from handlers.teams.simulation.people import TeamsPeople, answer_buttons, submit_buttons
from storage.digest_models import Feedback
from storage.models import SurveyAnswer
from tests.support import eventually, round_settled


def _words(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False)


async def _rows(runtime: Runtime, model: Any) -> list[Any]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(model)))


async def test_tap_comment_and_feedback_on_teams(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    runtime, fake, people = teams_runtime, teams_fake, teams_people
    employees = [u.id for u in fake.tenant.people()]
    coordinator, user = employees[0], employees[2]
    for person in employees:
        assert await people.install(person) == 200
    surveys, team = runtime.services.surveys, runtime.services.team_id
    preview = await surveys.preview_round(team_id=team, by=person_id(coordinator))
    sent = await surveys.send_now(team_id=team, by=person_id(coordinator), token=preview.token)
    await eventually(lambda: round_settled(runtime, sent.round.id))
    (pulse,) = [a for a in fake.sent_to(people.chat(user)) if answer_buttons(a)]

    # The tap: answered with the card redrawn (progress, the choice in words), kept by an update.
    option = answer_buttons(pulse)[0]
    status, body = await people.post(
        people.tap_activity(user, verb=ANSWER_VERB, data=option["data"], message_id=pulse.id)
    )
    assert (status, body["type"]) == (200, "application/vnd.microsoft.card.adaptive")
    assert "1 of " in _words(body["value"])
    assert f"your answer: {option['title']}" in _words(body["value"])
    await eventually(lambda: pulse.updates == 1)
    assert pulse.attachments[0]["content"] == body["value"]
    assert ("PUT", f"/emea/v3/conversations/{people.chat(user)}/activities/{pulse.id}") in {
        (method, path.replace("%3A", ":").replace("%40", "@")) for method, path in fake.requests
    }

    # The comment: the dialog opens from the card; too long is refused with the text kept.
    (button,) = [b for b in submit_buttons(pulse) if b["data"].get("action") == COMMENT_ACTION]
    dialog = await people.open_dialog(user, button, message_id=pulse.id)
    long = "y" * 1001
    refused = await people.send_dialog(user, dialog, {"comment": long})
    assert long in _words(refused) and "under 1,000 characters" in _words(refused)
    saved = await people.send_dialog(user, dialog, {"comment": "Call me on +44 7700 900123, it helps."})
    assert "saved" in _words(saved).lower()
    comments = [a for a in await _rows(runtime, SurveyAnswer) if a.text is not None]
    assert len(comments) == 1
    assert "7700" not in (comments[0].text or "")

    # Feedback: the card's button opens the dialog; its Send stores it without who sent it.
    (open_feedback,) = submit_buttons(build_feedback_card())
    dialog = await people.open_dialog(user, open_feedback)
    category = dialog["task"]["value"]["card"]["content"]["body"][1]["choices"][0]["value"]
    typed = "More evening sessions would help the night shift."
    received = await people.send_dialog(user, dialog, {"category": category, "text": typed})
    assert received["task"]["type"] == "continue"
    (stored,) = await _rows(runtime, Feedback)
    assert (stored.category, stored.text) == (category, typed)


async def test_a_rate_limited_card_update_is_retried_and_only_the_newest_redraw_goes(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    runtime, fake, people = teams_runtime, teams_fake, teams_people
    employees = [u.id for u in fake.tenant.people()]
    coordinator, user = employees[0], employees[2]
    for person in employees:
        assert await people.install(person) == 200
    surveys, team = runtime.services.surveys, runtime.services.team_id
    preview = await surveys.preview_round(team_id=team, by=person_id(coordinator))
    sent = await surveys.send_now(team_id=team, by=person_id(coordinator), token=preview.token)
    await eventually(lambda: round_settled(runtime, sent.round.id))
    (pulse,) = [a for a in fake.sent_to(people.chat(user)) if answer_buttons(a)]

    async def tap(option: dict[str, Any]) -> None:
        status, _body = await people.post(
            people.tap_activity(user, verb=ANSWER_VERB, data=option["data"], message_id=pulse.id)
        )
        assert status == 200

    # Teams answers the update 429: the redraw waits out Retry-After and is kept after all.
    first, second, third = answer_buttons(pulse)[:3]
    fake.fail("update", status=429, retry_after=1)
    await tap(first)
    await eventually(lambda: pulse.updates == 1, timeout=10)
    assert f"your answer: {first['title']}" in _words(pulse.attachments)

    # Two taps while the first redraw waits out a 429: only the newest is drawn, once.
    fake.fail("update", status=429, retry_after=1)
    await tap(second)
    await tap(third)
    await eventually(lambda: pulse.updates == 2, timeout=10)
    await asyncio.sleep(1.5)
    assert pulse.updates == 2
    assert f"your answer: {third['title']}" in _words(pulse.attachments)
