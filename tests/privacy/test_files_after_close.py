"""After close, the database files themselves (not just its tables) hold nothing that links."""

# The attacker owns the database: the SQLite file with its -wal and -shm, or PostgreSQL's relation
# files and system columns, and also holds PEERPULSE_SECRET. Each test first shows the probe finds
# the material while the round is open, so a passing test is not a blind one.

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace, build_workspace
from storage.models import OutboxMessage, RoundParticipation, SurveyAnswer
from tests.privacy.rounds import (
    answer,
    files_of,
    found_in,
    linkage_material,
    open_round,
    outbox_of,
    pg_query,
    pg_relation_files,
    rows,
)

RESPONDENTS = 8


@pytest.fixture
def workspace() -> Workspace:
    """A team of twelve: eight answer, four stay silent."""
    return build_workspace(employees=12)


async def test_after_close_no_ballot_participation_key_or_old_answer_id_is_left_in_any_file(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, database_url: str
) -> None:
    round_ = await open_round(runtime, people, workspace)
    users = [u.id for u in workspace.active_humans()][:RESPONDENTS]
    answered = await answer(people, slack, round_, users)
    # Whatever still waits in memory goes to the database, so the files have it all to lose.
    await runtime.services.surveys.answers.flush_participation(force=True)
    material = await linkage_material(runtime, answered)
    assert len(await rows(runtime, RoundParticipation)) == RESPONDENTS
    assert len(material) > 2 * RESPONDENTS
    before = found_in(files_of(database_url), material)
    assert len(before) == len(material), "the probe cannot see what the round wrote"
    old_pg_files = [] if database_url.startswith("sqlite") else pg_relation_files(database_url)

    await runtime.services.surveys.close_round(round_.id)

    assert found_in(files_of(database_url), material) == {}
    # Comments survive close (they are the data), rewritten under new ids.
    texts = {a.text for a in await rows(runtime, SurveyAnswer) if a.text}
    assert texts == set(answered.comments.values())
    if database_url.startswith("postgresql"):
        # VACUUM FULL wrote new files; the old ones are emptied at once and unlinked at a checkpoint.
        assert all(
            not p.exists() or p.stat().st_size == 0
            for p in old_pg_files
            if p not in set(files_of(database_url))
        )


async def test_after_close_answers_share_one_date_and_one_transaction(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, database_url: str
) -> None:
    round_ = await open_round(runtime, people, workspace)
    users = [u.id for u in workspace.active_humans()][:RESPONDENTS]
    await answer(people, slack, round_, users, comment_every=3)
    if database_url.startswith("postgresql"):
        # The probe: while open, answers carry the transaction ids of the clicks that wrote them.
        xmins = pg_query(database_url, "SELECT count(DISTINCT xmin::text) FROM survey_answer")
        assert xmins[0][0] > 1

    await runtime.services.surveys.close_round(round_.id)

    answers = await rows(runtime, SurveyAnswer)
    assert {a.answered_on for a in answers} == {round_.opened_at.date()}
    assert all(a.ballot is None for a in answers)
    if database_url.startswith("postgresql"):
        # One rewrite transaction, and no dead tuple left anywhere in the table's pages.
        assert pg_query(database_url, "SELECT count(DISTINCT xmin::text) FROM survey_answer") == [(1,)]
        pg_query(database_url, "CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA public")
        pages = pg_query(
            database_url, "SELECT pg_relation_size('survey_answer') / current_setting('block_size')::int"
        )[0][0]
        dead = 0
        for page in range(pages):
            dead += pg_query(
                database_url,
                "SELECT count(*) FROM public.heap_page_items(public.get_raw_page('survey_answer', %s))"
                " WHERE t_xmax::text <> '0' OR lp_flags <> 1",
                page,
            )[0][0]
        assert pages > 0 and dead == 0


async def test_after_close_delivery_rows_keep_no_reminder_and_no_per_person_time(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, database_url: str
) -> None:
    round_ = await open_round(runtime, people, workspace)
    users = [u.id for u in workspace.active_humans()][:RESPONDENTS]
    await answer(people, slack, round_, users, comment_every=99)
    outbox = await outbox_of(runtime, round_.id)
    assert {r.kind for r in outbox} == {"pulse", "pulse_reminder"}
    assert all(r.sent_at is not None for r in outbox if r.kind == "pulse")

    await runtime.services.surveys.close_round(round_.id)

    outbox = await outbox_of(runtime, round_.id)
    assert [r for r in outbox if r.kind == "pulse_reminder"] == []
    # The DM rewrites ("pulse_closed") are erased once done; see test_files_slack_after_close.py.
    pulses = [r for r in outbox if r.kind == "pulse"]
    assert {(r.sent_at, r.claimed_at, r.attempts) for r in pulses} == {(None, None, 0)}
    assert {r.next_attempt_at for r in pulses} == {round_.opened_at}
    if database_url.startswith("sqlite"):
        # Reminder rows named each recipient with their outcome; no byte of them is left.
        dedupe = [f"reminder:{round_.id}:{u}" for u in users]
        assert found_in([Path(p) for p in files_of(database_url)], dedupe) == {}
    else:
        live = pg_query(database_url, "SELECT count(*) FROM outbox_message WHERE kind = 'pulse_reminder'")
        assert live == [(0,)]
        dedupe = [f"reminder:{round_.id}:{u}" for u in users]
        assert found_in(pg_relation_files(database_url, ("outbox_message",)), dedupe) == {}
    assert {r.kind for r in await rows(runtime, OutboxMessage)} <= {"pulse", "pulse_closed"}


SENSITIVE = "experienced_negative"


async def test_after_close_no_file_links_a_person_to_a_decline(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, database_url: str
) -> None:
    """A "Prefer not to say" is exactly as unlinkable as an answer: same rows, same rewrite at close."""
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
