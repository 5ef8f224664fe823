"""Close is atomic with respect to answers in flight: none stored after it, none lost."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.errors import RoundClosed
from bot.privacy import respondent_key
from bot.runtime import Runtime
from bot.surveys import SurveyService
from handlers.slack.simulation.people import People
from handlers.slack.simulation.workspace import Workspace, build_workspace
from storage.db import Database
from storage.models import RoundParticipation, SurveyAnswer, SurveyRound
from tests.conftest import PEERPULSE_SECRET
from tests.privacy.rounds import open_round, pg_query, rows


@pytest.fixture
def workspace() -> Workspace:
    """Sixteen employees clicking at once."""
    return build_workspace(employees=16)


def _clicks(people: People, users: list[str]) -> list[tuple[str, dict[str, object]]]:
    """One answer per user, read from the buttons of their own DM."""
    clicks = []
    for user in users:
        message = people.pulse_message(user)
        assert message is not None
        options = next(iter(people.answer_buttons(message).values()))
        clicks.append((user, json.loads(options[1].value)))
    return clicks


async def _click(surveys: SurveyService, team_id: str, user: str, data: dict[str, object]) -> bool:
    """True when the answer was stored, False when refused because the round had closed."""
    try:
        await surveys.record_answer(
            team_id=team_id,
            user_id=user,
            round_id=str(data["r"]),
            question_id=str(data["q"]),
            ballot=str(data["b"]),
            tag=str(data["t"]),
            value=int(str(data["v"])),
        )
    except RoundClosed:
        return False
    return True


async def _assert_clean_close(runtime: Runtime, round_: SurveyRound, stored: int) -> None:
    answers = await rows(runtime, SurveyAnswer)
    assert len(answers) == stored, "an accepted answer was lost, or a refused one stored"
    assert [a for a in answers if a.ballot is not None] == [], "an answer landed after close"
    assert await rows(runtime, RoundParticipation) == []
    closed = await runtime.services.surveys.get_round(round_.id)
    assert closed is not None and closed.answered_final == stored


async def test_clicks_racing_close_are_stored_before_it_or_refused(
    runtime: Runtime, people: People, workspace: Workspace
) -> None:
    round_ = await open_round(runtime, people, workspace)
    surveys = runtime.services.surveys
    clicks = _clicks(people, [u.id for u in workspace.active_humans()])
    early, late = clicks[: len(clicks) // 2], clicks[len(clicks) // 2 :]

    # Clicks in flight when the close starts, then clicks that arrive while it runs.
    first = [asyncio.create_task(_click(surveys, workspace.team_id, u, d)) for u, d in early]
    # Let those clicks reach the writer and its transaction begin before the close is called.
    for _ in range(3):
        await asyncio.sleep(0)
    closing = asyncio.create_task(surveys.close_round(round_.id))
    await asyncio.sleep(0)
    second = [asyncio.create_task(_click(surveys, workspace.team_id, u, d)) for u, d in late]
    outcomes = await asyncio.gather(*first, *second)
    await closing

    assert any(outcomes) and not all(outcomes), f"no race happened: {outcomes}"
    await _assert_clean_close(runtime, round_, sum(outcomes))
    keys = [
        respondent_key(PEERPULSE_SECRET, team_id=workspace.team_id, user_id=u, round_id=round_.id)
        for u, _ in clicks
    ]
    assert not any(surveys.answers.has_pending(k) for k in keys), "keys of a closed round wait to be written"


async def test_an_answer_transaction_of_another_replica_holds_close_back_until_it_commits(
    runtime: Runtime, people: People, workspace: Workspace, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("one process per SQLite file: the in-process lock covers it")
    round_ = await open_round(runtime, people, workspace)
    clicks = _clicks(people, [u.id for u in workspace.active_humans()][:6])
    other = Database(database_url)
    try:
        replica = SurveyService(
            db=other,
            settings=runtime.settings,
            directory=runtime.services.surveys.directory,
            outbox=runtime.services.surveys.outbox,
            clock=runtime.services.surveys.clock,
            bank=runtime.services.surveys.bank,
            roles=runtime.services.roles,
        )
        # The other replica's answers and this replica's close, started together.
        answers = [asyncio.create_task(_click(replica, workspace.team_id, u, d)) for u, d in clicks]
        closing = asyncio.create_task(runtime.services.surveys.close_round(round_.id))
        outcomes = await asyncio.gather(*answers)
        await closing
        await _assert_clean_close(runtime, round_, sum(outcomes))
        # Later answers from that replica are refused, never stored.
        assert not await _click(replica, workspace.team_id, *clicks[0])
        assert pg_query(database_url, "SELECT count(*) FROM survey_answer WHERE ballot IS NOT NULL") == [(0,)]
    finally:
        await other.dispose()
