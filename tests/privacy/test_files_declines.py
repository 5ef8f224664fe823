"""A decline is exactly as unlinkable as an answer: after close, no file, system column or row order
joins a person (or their ballot, or their participation key) to their "Prefer not to say"."""

# The attacker owns the database files (SQLite with its -wal and -shm, PostgreSQL's relation files
# and system columns) and holds PEERPULSE_SECRET. Each probe is first shown to find the material
# while the round is open, so a passing test is not a blind one.

from __future__ import annotations

import pytest

from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace, build_workspace
from storage.models import RoundParticipation, SurveyAnswer
from tests.privacy.rounds import answer, files_of, found_in, linkage_material, open_round, pg_query, rows

SENSITIVE = "experienced_negative"
RESPONDENTS = 10


@pytest.fixture
def workspace() -> Workspace:
    """A team of twelve: ten answer (half of them decline the sensitive item), two stay silent."""
    return build_workspace(employees=12)


async def test_after_close_no_file_links_a_person_to_a_decline(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, database_url: str
) -> None:
    round_ = await open_round(runtime, people, workspace)
    users = [u.id for u in workspace.active_humans()][:RESPONDENTS]
    answered = await answer(people, slack, round_, users)
    decliners = users[::2]
    for user in decliners:
        message = people.pulse_message(user)
        assert message is not None
        status, _ = await people.click(user, message, people.decline_buttons(message)[SENSITIVE])
        assert status == 200
    await runtime.services.surveys.answers.flush_participation(force=True)

    # While open, the decline rows carry their ballots: the probe finds each decliner's.
    declines = [a for a in await rows(runtime, SurveyAnswer) if a.declined]
    assert {a.ballot for a in declines} == {answered.ballots[u] for u in decliners}
    material = await linkage_material(runtime, answered)
    assert len(await rows(runtime, RoundParticipation)) == RESPONDENTS
    assert len(found_in(files_of(database_url), material)) == len(material), "the probe is blind"
    if database_url.startswith("postgresql"):
        # While open, declines were written by the clicks' transactions, like answers.
        assert (
            pg_query(database_url, "SELECT count(DISTINCT xmin::text) FROM survey_answer WHERE declined")[0][
                0
            ]
            > 1
        )

    await runtime.services.surveys.close_round(round_.id)

    # Nothing that joined a decline to a ballot, a participation key or an old row id is left anywhere.
    assert found_in(files_of(database_url), material) == {}
    after = await rows(runtime, SurveyAnswer)
    declined = [a for a in after if a.declined]
    assert len(declined) == len(decliners)
    # A decline row says no more than an answer row: the same round date, no ballot, a fresh random id.
    assert all((a.value, a.text, a.ballot) == (None, None, None) for a in declined)
    assert {a.answered_on for a in after} == {round_.opened_at.date()}
    assert not {a.id for a in declined} & material
    if database_url.startswith("postgresql"):
        # Declines and answers were rewritten together, in one transaction.
        assert pg_query(database_url, "SELECT count(DISTINCT xmin::text) FROM survey_answer") == [(1,)]
    # Counted apart from answers, and the round counts the decliners as taking part.
    closed = await runtime.services.surveys.get_round(round_.id)
    assert closed is not None and closed.answered_final == RESPONDENTS
    values = [a.value for a in after if a.question_id == SENSITIVE and not a.declined]
    assert len(values) == RESPONDENTS - len(decliners) and None not in values
