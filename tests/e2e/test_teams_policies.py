"""Coordinators' read-outs and the policy register on Teams, end to end against the fake Teams.

A coordinator types `pulse schedule|questions|supporters|policies` in their chat; the register comes as a
card whose buttons open dialogs (task/fetch) that submit (task/submit) through the same domain calls as
Slack's modals: refusals come back in the dialog under their fields, changes are announced in the
coordinators' channel, and a due review's reminder reaches that channel as a card that opens the review
dialog. Anyone else gets the domain's refusal word for word, typed or forged. Real database (SQLite,
PostgreSQL), real HTTP, nothing of ours mocked.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.errors import PeerPulseError
from bot.policies import (
    INTERVAL,
    LAST_REVIEWED,
    LINK,
    NAME,
    OWNER,
    RETIRE_REASON,
    REVIEWED_ON,
    SUMMARY,
    PolicyForm,
    add_months,
)
from bot.runtime import Runtime
from handlers.teams.cards.markup import to_markdown
from handlers.teams.ids import person_id
from handlers.teams.replies import user_message_for
from handlers.teams.simulation.connector import FakeTeams, SentActivity
from handlers.teams.simulation.people import TeamsPeople, answer_buttons, submit_buttons
from handlers.teams.simulation.tenant import COORDINATORS_TEAM_ID
from storage.policy_models import Policy, PolicyReview
from tests.handlers.teams.cards.checks import cards_in, schema_errors, texts
from tests.support import eventually


def _coordinator(fake: FakeTeams) -> str:
    return fake.tenant.people()[0].id


def _employee(fake: FakeTeams) -> str:
    return fake.tenant.people()[2].id


async def _say(people: TeamsPeople, fake: FakeTeams, user: str, text: str) -> SentActivity:
    """Type a command; the bot's one reply in the chat (the person's own pulses aside)."""
    chat = people.chat(user)
    before = len(fake.sent_to(chat))
    assert await people.say(user, text) == 200
    replies = await eventually(lambda: [a for a in fake.sent_to(chat)[before:] if not answer_buttons(a)])
    return replies[0]


async def _tap_back(
    people: TeamsPeople, fake: FakeTeams, user: str, card: SentActivity, title: str
) -> SentActivity:
    """Tap a messageBack button on a card in the chat; the bot's one reply."""
    chat = people.chat(user)
    before = len(fake.sent_to(chat))
    button = _button(_card(card), title)
    assert await people.tap_message_back(user, button, message_id=card.id) == 200
    replies = await eventually(lambda: [a for a in fake.sent_to(chat)[before:] if not answer_buttons(a)])
    return replies[0]


def _card(sent: SentActivity) -> dict[str, Any]:
    (content,) = [a["content"] for a in sent.attachments]
    assert isinstance(content, dict) and schema_errors(content) == []
    return content


def _button(content: Any, title: str, index: int = 0) -> dict[str, Any]:
    return [b for b in submit_buttons(content) if b["title"] == title][index]


def _dialog_card(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["task"]["type"] == "continue", answer
    (content,) = cards_in(answer)
    assert schema_errors(content) == []
    return content


def _words(answer: dict[str, Any]) -> str:
    return "\n".join(texts(_dialog_card(answer)))


def _input(content: dict[str, Any], field: str) -> dict[str, Any]:
    return next(item for item in content["body"] if item.get("id") == field)


def _errors_under(content: dict[str, Any], field: str) -> list[str]:
    body = content["body"]
    start = next(i for i, item in enumerate(body) if item.get("id") == field) + 1
    found = []
    for item in body[start:]:
        if item.get("color") != "attention":
            break
        found.append(item["text"])
    return found


async def _policies(runtime: Runtime) -> list[Policy]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(Policy)))


async def _reviews(runtime: Runtime) -> list[PolicyReview]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(PolicyReview)))


def _channel_posts(fake: FakeTeams, words: str) -> list[SentActivity]:
    return [
        a
        for a in fake.sent_to(COORDINATORS_TEAM_ID)
        if any(words in t for t in texts([x["content"] for x in a.attachments]))
    ]


async def test_a_coordinator_keeps_the_register_through_dialogs(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    runtime, people, fake = teams_runtime, teams_people, teams_fake
    coordinator = _coordinator(fake)
    me, my_name = person_id(coordinator), fake.tenant.users[coordinator].name
    today = runtime.services.policies.today()

    empty = _card(await _say(people, fake, coordinator, "pulse policies"))
    assert "**Policy register** — empty for now" in texts(empty["body"])[0]
    assert {b["title"] for b in submit_buttons(empty)} == {"Add a policy", "Show retired policies"}
    assert _button(empty, "Show retired policies")["data"]["msteams"]["text"] == "pulse policies retired"

    # Adding: the dialog opens with the coordinator as owner and 12 months, as Slack's modal does.
    dialog = await people.open_dialog(coordinator, _button(empty, "Add a policy"))
    form = _dialog_card(dialog)
    assert dialog["task"]["value"]["title"] == "Add a policy"
    assert _input(form, OWNER)["value"] == me
    assert {c["value"]: c["title"] for c in _input(form, OWNER)["choices"]}[me] == f"@{my_name}"
    assert _input(form, INTERVAL)["value"] == 12

    # Refused by the domain: the dialog again, what was typed kept, each reason under its field.
    refused = await people.send_dialog(
        coordinator, dialog, {NAME: "AB", LINK: "ftp://files/abp", OWNER: me, INTERVAL: "40"}
    )
    again = _dialog_card(refused)
    assert _input(again, NAME)["value"] == "AB"
    assert _errors_under(again, NAME) == ["Give the policy a name of 3 to 120 characters."]
    assert _errors_under(again, LINK) == [
        "Link to the document with a web address starting http:// or https://."
    ]
    assert _errors_under(again, INTERVAL) == ["Review every 1 to 36 months (a whole number)."]
    assert await _policies(runtime) == []

    last = add_months(today, -14)
    added = await people.send_dialog(
        coordinator,
        refused,
        {
            NAME: "Anti-bullying policy",
            LINK: "https://intranet.example/abp",
            OWNER: me,
            INTERVAL: "12",
            LAST_REVIEWED: last.isoformat(),
        },
    )
    assert f"<at>{my_name}</at> added **Anti-bullying policy** to the policy register" in _words(added)
    (policy,) = await _policies(runtime)
    assert (policy.name, policy.link, policy.owner_id) == (
        "Anti-bullying policy",
        "https://intranet.example/abp",
        me,
    )
    assert (policy.review_interval_months, policy.last_reviewed_on) == (12, last)
    # The domain told the coordinators' channel, with the change itself.
    await eventually(lambda: _channel_posts(fake, "added **Anti-bullying policy**"))

    register = _card(await _say(people, fake, coordinator, "pulse policies"))
    said = "\n".join(texts(register))
    assert "[Anti-bullying policy](https://intranet.example/abp)" in said
    assert "overdue" in said and f"Owner <at>{my_name}</at>" in said
    assert [b["title"] for b in submit_buttons(register)][:3] == ["Mark reviewed", "Edit", "Retire"]

    # The review reminder reaches the channel as a card whose button opens the review dialog.
    assert await runtime.services.policies.plan_reminders(team_id=runtime.services.team_id) == 1
    (reminder,) = await eventually(lambda: _channel_posts(fake, "is overdue"))
    review = await people.open_dialog(coordinator, _button(_card(reminder), "Mark reviewed"))
    review_form = _dialog_card(review)
    assert _input(review_form, REVIEWED_ON)["value"] == today.isoformat()
    empty_summary = await people.send_dialog(coordinator, review, {REVIEWED_ON: today.isoformat()})
    assert _errors_under(_dialog_card(empty_summary), SUMMARY) == [
        "Say in a few words what changed, or write “no change”."
    ]
    future = (today + timedelta(days=3)).isoformat()
    in_future = await people.send_dialog(coordinator, review, {REVIEWED_ON: future, SUMMARY: "no change"})
    assert _errors_under(_dialog_card(in_future), REVIEWED_ON) == ["The review date can't be in the future."]
    reviewed = await people.send_dialog(
        coordinator, review, {REVIEWED_ON: today.isoformat(), SUMMARY: "no change"}
    )
    assert f"<at>{my_name}</at> marked **Anti-bullying policy** reviewed" in _words(reviewed)
    (stored,) = await _reviews(runtime)
    assert (stored.reviewed_on, stored.reviewed_by, stored.summary) == (today, me, "no change")
    await eventually(lambda: _channel_posts(fake, "marked **Anti-bullying policy** reviewed"))

    # Editing from a fresh register: the dialog shows the policy; the change is the domain's edit.
    register_message = await _say(people, fake, coordinator, "pulse policies")
    register = _card(register_message)
    edit = await people.open_dialog(coordinator, _button(register, "Edit"))
    edit_form = _dialog_card(edit)
    assert _input(edit_form, NAME)["value"] == "Anti-bullying policy"
    assert all(item.get("id") != LAST_REVIEWED for item in edit_form["body"])
    values = {NAME: "Anti-bullying policy", LINK: "https://intranet.example/abp", OWNER: me, INTERVAL: 6}
    edited = await people.send_dialog(coordinator, edit, values)
    assert "updated **Anti-bullying policy** in the policy register" in _words(edited)
    (policy,) = await _policies(runtime)
    assert policy.review_interval_months == 6

    # Retiring asks why; a blank reason is refused under its box.
    retire = await people.open_dialog(coordinator, _button(register, "Retire"))
    blank = await people.send_dialog(coordinator, retire, {RETIRE_REASON: "  "})
    assert _errors_under(_dialog_card(blank), RETIRE_REASON) == ["Say in a few words why."]
    retired = await people.send_dialog(
        coordinator, retire, {RETIRE_REASON: "replaced by the code of conduct"}
    )
    assert "retired **Anti-bullying policy** from the policy register" in _words(retired)
    (policy,) = await _policies(runtime)
    assert (policy.retired_by, policy.retired_reason) == (me, "replaced by the code of conduct")

    # "Show retired policies" switches to the retired list, which brings a policy back after asking.
    listed = _card(await _tap_back(people, fake, coordinator, register_message, "Show retired policies"))
    assert "**Retired policies** — 1" in texts(listed)
    assert f"by <at>{my_name}</at>: replaced by the code of conduct" in "\n".join(texts(listed))
    back = await people.open_dialog(coordinator, _button(listed, "Bring back"))
    assert back["task"]["value"]["title"] == "Bring this policy back?"
    restored = await people.send_dialog(coordinator, back, {})
    assert "“Anti-bullying policy” is back in the register." in _words(restored)
    (policy,) = await _policies(runtime)
    assert policy.retired_at is None
    # A second tap on the same dialog is the domain's refusal, shown in the dialog.
    twice = await people.send_dialog(coordinator, back, {})
    assert "That policy is not retired." in _words(twice)
    # And "Show the register" switches back, the policy in it again.
    again = _card(
        await _tap_back(
            people,
            fake,
            coordinator,
            await _say(people, fake, coordinator, "pulse policies retired"),
            "Show the register",
        )
    )
    assert "**Policy register** — 1 policy or procedure, soonest review first" in texts(again["body"])


async def test_the_read_outs_speak_slacks_words_with_teams_names(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    people, fake = teams_people, teams_fake
    coordinator = _coordinator(fake)
    schedule = (await _say(people, fake, coordinator, "pulse schedule")).text
    assert schedule.startswith("**Pulses:** **")
    assert "in the coordinators' channel." in schedule and "<#" not in schedule
    questions = (await _say(people, fake, coordinator, "pulse questions")).text
    assert questions.startswith("**Question bank**")
    bank = teams_runtime.services.surveys.bank
    assert all(f"**{q.id}**" in questions for q in bank.questions)
    supporters = (await _say(people, fake, coordinator, "pulse supporters")).text
    assert supporters.startswith("**Peer supporters**")
    supporter = fake.tenant.people()[1]
    assert f"• <at>{supporter.name}</at> — " in supporters and "<@" not in supporters


async def test_anyone_else_gets_the_domains_refusal_typed_or_forged(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams
) -> None:
    runtime, people, fake = teams_runtime, teams_people, teams_fake
    services, team_id = runtime.services, runtime.services.team_id
    employee, coordinator = person_id(_employee(fake)), person_id(_coordinator(fake))
    with pytest.raises(PeerPulseError) as refused:
        await services.policies.register(team_id=team_id, by=employee)
    refusal = str(refused.value)
    for command in (
        "pulse policies",
        "pulse policies retired",
        "pulse schedule",
        "pulse questions",
        "pulse supporters",
    ):
        reply = await _say(people, fake, _employee(fake), command)
        assert reply.text == to_markdown(refusal), command
        assert not reply.attachments

    status = await services.policies.add(
        team_id=team_id,
        form=PolicyForm(
            name="Peer-support procedure", link="https://intranet.example/psp", owner_id=coordinator
        ),
        by=coordinator,
    )
    policy_id = status.policy.id
    for action in ("policy.add", "policy.edit", "policy.review", "policy.retire", "policy.unretire"):
        opened = await people.open_dialog(
            _employee(fake), {"data": {"msteams": {"type": "task/fetch"}, "action": action, "p": policy_id}}
        )
        assert opened == {"task": {"type": "message", "value": user_message_for(refused.value)}}, action
    forged = {
        "policy.add.send": {NAME: "Forged policy", LINK: "https://x.example/f", OWNER: employee},
        "policy.review.send": {
            "p": policy_id,
            REVIEWED_ON: services.policies.today().isoformat(),
            SUMMARY: "x",
        },
        "policy.retire.send": {"p": policy_id, RETIRE_REASON: "because"},
    }
    for action, inputs in forged.items():
        status_code, body = await people.post(
            people.task_activity(_employee(fake), name="task/submit", data={"action": action, **inputs})
        )
        assert status_code == 200
        assert body == {"task": {"type": "message", "value": user_message_for(refused.value)}}, action
    (policy,) = await _policies(runtime)
    assert policy.retired_at is None and policy.last_reviewed_on is None
    assert await _reviews(runtime) == []
