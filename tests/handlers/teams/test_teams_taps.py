"""Taps and dialogs on Teams, against the running app and the fake Teams.

The `pulse.answer` invoke answers with the card redrawn (progress, the choice where the settings
allow) and keeps it with the connector's update; the comment and feedback dialogs open on task/fetch,
and their task/submit stores through the domain, refuses with the typed text kept, and answers risk.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.runtime import Runtime
from handlers.teams.cards.answers import ANSWER_VERB, COMMENT_ACTION
from handlers.teams.dialogs import FEEDBACK_ACTION, build_feedback_card
from handlers.teams.ids import person_id
from handlers.teams.simulation.connector import FakeTeams, SentActivity
from handlers.teams.simulation.people import TeamsPeople, answer_buttons, card_buttons, submit_buttons
from storage.digest_models import Feedback
from storage.models import SurveyAnswer, SurveyRound
from tests.handlers.teams.cards.checks import schema_errors
from tests.support import eventually, round_settled

RISKY = "Honestly some days I want to kill my self after those meetings"
CARD = "application/vnd.microsoft.card.adaptive"


async def _pulse(runtime: Runtime, people: TeamsPeople, fake: FakeTeams, user: str) -> SentActivity:
    """A round opened by the coordinator, and the pulse card it sent to `user`."""
    coordinator = person_id(fake.tenant.people()[0].id)
    for person in fake.tenant.people():
        assert await people.install(person.id) == 200
    surveys, team = runtime.services.surveys, runtime.services.team_id
    preview = await surveys.preview_round(team_id=team, by=coordinator)
    sent = await surveys.send_now(team_id=team, by=coordinator, token=preview.token)
    await eventually(lambda: round_settled(runtime, sent.round.id))
    (pulse,) = [a for a in fake.sent_to(people.chat(user)) if answer_buttons(a)]
    return pulse


async def _round(runtime: Runtime, pulse: SentActivity) -> SurveyRound:
    round_ = await runtime.services.surveys.get_round(answer_buttons(pulse)[0]["data"]["r"])
    assert round_ is not None
    return round_


async def _answers(runtime: Runtime) -> list[SurveyAnswer]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(SurveyAnswer)))


async def _feedback(runtime: Runtime) -> list[Feedback]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(Feedback)))


def _words(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False)


def _now(fake: FakeTeams, message: SentActivity) -> SentActivity:
    """The message as its conversation shows it now."""
    return fake.activities[message.conversation][message.id]


def _comment_button(pulse: SentActivity) -> dict[str, Any]:
    (button,) = [b for b in submit_buttons(pulse) if b["data"].get("action") == COMMENT_ACTION]
    return button


async def test_a_tap_answers_with_the_card_redrawn_and_keeps_it_with_an_update(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    user = teams_fake.tenant.people()[2].id
    pulse = await _pulse(teams_runtime, teams_people, teams_fake, user)
    option = answer_buttons(pulse)[1]
    tap = teams_people.tap_activity(user, verb=ANSWER_VERB, data=option["data"], message_id=pulse.id)
    status, body = await teams_people.post(tap)
    assert (status, body["statusCode"], body["type"]) == (200, 200, CARD)
    card = body["value"]
    assert schema_errors(card) == []
    # Progress, and the person's own choice in words, on their own card.
    assert "1 of " in _words(card)
    assert f"your answer: {option['title']}" in _words(card)
    chosen = [b for b in card_buttons(card) if b.get("style") == "positive"]
    assert [b["data"] for b in chosen] == [option["data"]]
    # The same card replaces the tapped message, so it survives the chat reloading.
    await eventually(lambda: _now(teams_fake, pulse).updates == 1)
    assert _now(teams_fake, pulse).attachments[0]["content"] == card
    # Teams delivers the same invoke again: the card again, nothing stored or updated twice.
    status, again = await teams_people.post(tap)
    assert (status, again["type"]) == (200, CARD)
    assert len(await _answers(teams_runtime)) == 1
    assert _now(teams_fake, pulse).updates == 1


async def test_a_hard_answer_on_a_sensitive_question_brings_the_harm_note_under_it(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    user = teams_fake.tenant.people()[2].id
    pulse = await _pulse(teams_runtime, teams_people, teams_fake, user)
    surveys = teams_runtime.services.surveys
    round_ = await surveys.get_round(answer_buttons(pulse)[0]["data"]["r"])
    assert round_ is not None
    sensitive = next(q for q in surveys.questions_of(round_) if q.harmful_values)
    (hard,) = [
        b
        for b in answer_buttons(pulse)
        if b["data"]["q"] == sensitive.id and b["data"].get("v") == sensitive.harmful_values[0]
    ]
    note = "You don't have to deal with this alone."
    assert note not in _words(pulse.attachments)
    tap = teams_people.tap_activity(user, verb=ANSWER_VERB, data=hard["data"], message_id=pulse.id)
    status, body = await teams_people.post(tap)
    assert (status, body["type"]) == (200, CARD)
    assert note in _words(body["value"])
    assert schema_errors(body["value"]) == []


async def test_a_supporter_named_in_the_harm_note_is_a_teams_mention_on_the_redrawn_card(
    teams_runtime: Runtime,
    teams_people: TeamsPeople,
    teams_fake: FakeTeams,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # The redrawn card usually leaves as the JSON it was assembled from; one naming someone must not.
    supporter = teams_fake.tenant.people()[1]
    resources = tmp_path / "support.yml"
    resources.write_text(
        "eap_contact: EAP line 0800 000\n"
        "crisis_line: Crisis line 0800 111\n"
        f"peer_supporter_now: 'Message <@{person_id(supporter.id)}>, a peer supporter'\n"
        "emergency_number: Emergency 112\n",
        encoding="utf-8",
    )
    services = teams_runtime.services
    monkeypatch.setattr(services, "settings", replace(services.settings, support_resources_path=resources))
    user = teams_fake.tenant.people()[2].id
    pulse = await _pulse(teams_runtime, teams_people, teams_fake, user)
    sensitive = next(
        q for q in services.surveys.questions_of(await _round(teams_runtime, pulse)) if q.harmful_values
    )
    (hard,) = [
        b
        for b in answer_buttons(pulse)
        if b["data"]["q"] == sensitive.id and b["data"].get("v") == sensitive.harmful_values[0]
    ]
    tap = teams_people.tap_activity(user, verb=ANSWER_VERB, data=hard["data"], message_id=pulse.id)
    status, body = await teams_people.post(tap)
    assert (status, body["type"]) == (200, CARD)
    card = body["value"]
    shown = f"<at>{supporter.name}</at>"
    assert f"Message {shown}, a peer supporter" in _words(card)
    assert "<@" not in _words(card)
    assert card["msteams"]["entities"] == [
        {"type": "mention", "text": shown, "mentioned": {"id": supporter.id, "name": supporter.name}}
    ]
    assert schema_errors(card) == []
    # The card kept in the chat names them the same way.
    await eventually(lambda: _now(teams_fake, pulse).updates == 1)
    assert _now(teams_fake, pulse).attachments[0]["content"] == card


async def test_without_pulse_shows_choices_the_redrawn_card_shows_progress_only(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = teams_runtime.services
    monkeypatch.setattr(services, "settings", replace(services.settings, pulse_shows_choices=False))
    user = teams_fake.tenant.people()[2].id
    pulse = await _pulse(teams_runtime, teams_people, teams_fake, user)
    option = answer_buttons(pulse)[0]
    tap = teams_people.tap_activity(user, verb=ANSWER_VERB, data=option["data"], message_id=pulse.id)
    status, body = await teams_people.post(tap)
    assert (status, body["type"]) == (200, CARD)
    assert "1 of " in _words(body["value"])
    assert "your answer" not in _words(body["value"])
    assert not [b for b in card_buttons(body["value"]) if b.get("style") == "positive"]


async def test_a_refused_tap_says_why_and_changes_no_card(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    user, other = teams_fake.tenant.people()[2].id, teams_fake.tenant.people()[3].id
    pulse = await _pulse(teams_runtime, teams_people, teams_fake, other)
    stolen = answer_buttons(pulse)[0]["data"]
    tap = teams_people.tap_activity(user, verb=ANSWER_VERB, data=stolen, message_id=pulse.id)
    status, body = await teams_people.post(tap)
    assert (status, body["type"]) == (200, "application/vnd.microsoft.activity.message")
    assert "someone else" in body["value"]
    assert await _answers(teams_runtime) == []
    assert _now(teams_fake, pulse).updates == 0


async def test_the_comment_dialog_stores_scrubbed_keeps_typed_text_on_refusal_and_answers_risk(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    user = teams_fake.tenant.people()[2].id
    chat = teams_people.chat(user)
    pulse = await _pulse(teams_runtime, teams_people, teams_fake, user)
    dialog = await teams_people.open_dialog(user, _comment_button(pulse), message_id=pulse.id)
    assert dialog["task"]["type"] == "continue"
    assert dialog["task"]["value"]["card"]["contentType"] == CARD
    # Too long: the dialog again, what was typed kept, the reason under the box.
    long = "x" * 1001
    refused = await teams_people.send_dialog(user, dialog, {"comment": long})
    assert refused["task"]["type"] == "continue"
    assert f'"value": "{long}"' in _words(refused)
    assert "under 1,000 characters" in _words(refused)
    assert await _answers(teams_runtime) == []
    # Stored once, scrubbed; the dialog turns into the confirmation.
    before = len(teams_fake.sent_to(chat))
    saved = await teams_people.send_dialog(user, dialog, {"comment": "Ask me at jo@example.com. " + RISKY})
    assert saved["task"]["type"] == "continue"
    assert "saved" in _words(saved).lower()
    (stored,) = await _answers(teams_runtime)
    assert stored.text is not None and "jo@example.com" not in stored.text and stored.value is None
    # The pulse card it was opened from now shows the comment as given.
    await eventually(lambda: _now(teams_fake, pulse).updates == 1)
    assert "Edit your comment" in _words(_now(teams_fake, pulse).attachments)
    # The safety net answered in the chat, repeating nothing of the text.
    replies = await eventually(lambda: teams_fake.sent_to(chat)[before:])
    assert all("meetings" not in r.text for r in replies)
    assert any("support" in r.text.lower() for r in replies)


async def test_a_comment_dialog_for_a_question_that_is_not_one_of_ours_says_so(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    user = teams_fake.tenant.people()[2].id
    body = await teams_people.open_dialog(user, {"data": {"action": COMMENT_ACTION, "r": "x"}})
    assert body["task"]["type"] == "message"
    body = await teams_people.open_dialog(user, {"data": {"action": "something.else"}})
    assert body["task"]["type"] == "message"


async def test_feedback_opens_from_its_card_refuses_in_the_dialog_and_stores_without_its_author(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    user = teams_fake.tenant.people()[2].id
    assert schema_errors(build_feedback_card()) == []
    (button,) = submit_buttons(build_feedback_card())
    assert button["data"] == {"msteams": {"type": "task/fetch"}, "action": FEEDBACK_ACTION}
    dialog = await teams_people.open_dialog(user, button)
    assert dialog["task"]["type"] == "continue"
    typed = "The sessions could start later in the day, please."
    refused = await teams_people.send_dialog(user, dialog, {"text": typed})
    assert refused["task"]["type"] == "continue"
    assert typed in _words(refused)
    assert "pick what kind" in _words(refused)
    assert await _feedback(teams_runtime) == []
    category = dialog["task"]["value"]["card"]["content"]["body"][1]["choices"][0]["value"]
    received = await teams_people.send_dialog(user, dialog, {"text": typed, "category": category})
    assert received["task"]["type"] == "continue"
    (stored,) = await _feedback(teams_runtime)
    assert (stored.category, stored.text) == (category, typed)
    assert user not in _words(stored.model_dump(mode="json"))


async def test_a_typed_feedback_gets_the_card_that_opens_the_dialog(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    user = teams_fake.tenant.people()[2].id
    assert await teams_people.install(user) == 200
    # Typed in the chat, as a person would: the message listener answers with the card.
    assert await teams_people.say(user, "feedback") == 200
    (sent,) = await eventually(lambda: teams_fake.sent_to(teams_people.chat(user)))
    (button,) = submit_buttons(sent)
    assert button["data"]["action"] == FEEDBACK_ACTION
