"""Taps on a pulse, on either platform: a tap the platform did not sign is refused before anything is
stored, someone else's pulse answers nothing for the tapper or its owner, and a tap the platform
delivers twice is stored once. (Each platform's own request-security and delivery tests go further:
tests/e2e/test_request_security.py and test_repeated_deliveries.py for Slack, test_teams_round.py and
tests/handlers/teams/ for Teams.)"""

from __future__ import annotations

from sqlmodel import func, select

from storage.models import SurveyAnswer
from tests.e2e.scenarios.chat import Chat


async def _answers(chat: Chat) -> list[tuple[str, int | None]]:
    async with chat.runtime.db.session() as session:
        rows = await session.exec(select(SurveyAnswer.question_id, SurveyAnswer.value))
        return sorted(rows.all())


async def _count(chat: Chat) -> int:
    async with chat.runtime.db.session() as session:
        return int((await session.exec(select(func.count()).select_from(SurveyAnswer))).one())


async def test_forged_stolen_and_repeated_taps_store_only_the_persons_own_answer_once(chat: Chat) -> None:
    round_ = await chat.open_round_as(chat.coordinators()[0])
    owner, other = chat.employees()[:2]
    pulse = chat.pulse_of(owner, round_.id)
    assert pulse is not None
    question, options = next(iter(pulse.items()))

    # Signed by nobody the app trusts: refused outright.
    assert await chat.tap_forged(owner, options[1]) == 401
    # Genuinely signed, but by someone who was not sent this pulse: nothing for anyone.
    await chat.tap(other, options[1])
    assert await _count(chat) == 0

    # The owner's tap, delivered twice: one answer.
    await chat.tap(owner, options[3], times=2)
    assert await _answers(chat) == [(question, options[3].value)]
    assert options[3].value != options[1].value
