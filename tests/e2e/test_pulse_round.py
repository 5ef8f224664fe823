"""A whole pulse round through the real HTTP endpoint, the fake Slack and a real database."""

from __future__ import annotations

from sqlmodel import select

from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, Workspace
from storage.models import RoundParticipation, SurveyAnswer, SurveyRound
from tests.support import eventually


def _humans(workspace: Workspace) -> list[str]:
    return [
        u.id
        for u in workspace.users.values()
        if not (u.is_bot or u.deleted or u.is_restricted or u.is_ultra_restricted or u.id == "USLACKBOT")
    ]


async def test_coordinator_opens_round_everyone_gets_one_dm_and_answers_are_stored(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.channels[COORDINATOR_CHANNEL_ID].members[0]
    status, _ = await people.send_pulse(coordinator)
    assert status == 200
    humans = _humans(workspace)
    await eventually(lambda: all(people.pulse_message(u) for u in humans), timeout=20)

    # Bots, the deleted account and the guest get nothing; each human exactly one pulse DM.
    for user in workspace.users.values():
        pulses = [m for m in slack.dm_messages(user.id) if people.buttons(m)]
        assert len(pulses) == (1 if user.id in humans else 0), user

    # Ten people answer every question with "Agree" (4) or the top of the 0-10 scale.
    answerers = humans[:10]
    for user in answerers:
        await people.answer_pulse(user, lambda _q, options: options[3] if len(options) == 5 else options[-1])
    round_ = await _only_round(runtime)
    numeric = [q for q in runtime.services.surveys.questions_of(round_) if q.kind != "text"]
    async with runtime.db.session() as session:
        answers = list(await session.exec(select(SurveyAnswer)))
        participation = list(await session.exec(select(RoundParticipation)))
    assert len(answers) == len(answerers) * len(numeric)
    assert len(participation) == len(answerers)
    assert {a.value for a in answers} <= {4, 10}

    # The DM now shows the thank-you (and, in this person's own DM only, what they chose).
    message = await eventually(lambda: _updated(people, slack, answerers[0]))
    rendered = str(message.blocks)
    assert "Thank you" in rendered


async def test_second_click_changes_the_answer_instead_of_adding_one(
    runtime: Runtime, people: People, workspace: Workspace
) -> None:
    coordinator = workspace.channels[COORDINATOR_CHANNEL_ID].members[0]
    await people.send_pulse(coordinator)
    user = _humans(workspace)[5]
    message = await eventually(lambda: people.pulse_message(user))
    question_id, options = next(iter(people.answer_buttons(message).items()))
    for button in (options[0], options[0], options[4]):
        status, _ = await people.click(user, message, button)
        assert status == 200
    async with runtime.db.session() as session:
        rows = list(await session.exec(select(SurveyAnswer).where(SurveyAnswer.question_id == question_id)))
    assert [r.value for r in rows] == [5]


async def _only_round(runtime: Runtime) -> SurveyRound:
    async with runtime.db.session() as session:
        rounds = list(await session.exec(select(SurveyRound)))
    assert len(rounds) == 1
    return rounds[0]


def _updated(people: People, slack: FakeSlack, user: str) -> object:
    message = people.pulse_message(user)
    return message if message is not None and message.edited_ts else None


async def test_a_forwarded_survey_cannot_be_answered_by_another_invited_colleague(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.channels[COORDINATOR_CHANNEL_ID].members[0]
    await people.send_pulse(coordinator)
    owner, other = _humans(workspace)[3], _humans(workspace)[4]
    message = await eventually(lambda: people.pulse_message(owner))
    await eventually(lambda: people.pulse_message(other))
    question_id, options = next(iter(people.answer_buttons(message).items()))
    await people.click(owner, message, options[4])
    # `other` was invited too, but clicks a button from `owner`'s DM (forwarded or copied).
    status, _ = await people.click(other, message, options[0])
    assert status == 200
    await eventually(lambda: any("sent to someone else" in (m.text or "") for m in slack.dm_messages(other)))
    async with runtime.db.session() as session:
        rows = list(await session.exec(select(SurveyAnswer).where(SurveyAnswer.question_id == question_id)))
    assert [r.value for r in rows] == [5]
    assert not await runtime.services.surveys.has_answered(
        team_id=runtime.services.team_id, user_id=other, round_id=rows[0].round_id
    )
