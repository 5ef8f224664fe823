"""A round on either platform: people answer and comment through their chat, and a database owner —
tables, system columns, the SQLite file and WAL or PostgreSQL's relation files — and a log reader
can tie no answer to a person; Teams' address rows hold only what DESIGN.md allows."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from storage.models import OutboxMessage, SurveyAnswer
from tests.e2e.scenarios.audit import dump, holding, participation_key
from tests.e2e.scenarios.chat import Chat, Chooser, Option
from tests.privacy.rounds import files_of, found_in, pg_query

ANSWERS, PARTICIPATION, ADDRESSES = "survey_answer", "round_participation", "member_address"
# DESIGN.md / docs/privacy.md: a person's chat, its connector and their time zone; no round, answer or time.
ADDRESS_COLUMNS = {"team_id", "user_id", "conversation_id", "service_url", "time_zone"}


def _spread(n: int) -> Chooser:
    """Respondent n picks a different option on each question, so answers are not all alike."""

    def choose(question: str, options: list[Option]) -> Option:
        return options[(n + len(question)) % len(options)]

    return choose


async def test_a_rounds_answers_cannot_be_tied_to_anyone_before_or_after_close(
    chat: Chat, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = chat.runtime
    services = runtime.services
    round_ = await chat.open_round_as(chat.coordinators()[0])
    # As the coordinator's typed `pulse send` left them (a typed message may update a time zone).
    addresses = (await dump(runtime))[ADDRESSES]
    respondents = chat.audience()
    comments: list[str] = []
    taps = 0
    with caplog.at_level(logging.INFO):
        for n, user in enumerate(respondents):
            taps += await chat.answer(user, round_.id, _spread(n))
            if n % 2 == 0:
                comments.append(f"Remark {n:02d}: standups overrun, zq{n:02d}marker")
                saved = await chat.write_comment(user, round_.id, comments[-1])
                assert "Your comment is saved, without your name" in saved
    logged = [r.getMessage() for r in caplog.records]
    # Whatever still waits in memory goes to the database, so the files have it all to lose.
    await services.surveys.answers.flush_participation(force=True)
    before = await dump(runtime)

    # While open: one row per tap and comment, none naming a person, a chat, a name or the tap itself.
    answers = before[ANSWERS]
    assert taps >= 4 * len(respondents)
    assert len(answers) == taps + len(comments)
    markers = chat.markers() | chat.tap_marks()
    assert holding(before, markers, tables=(ANSWERS, PARTICIPATION)) == {}
    assert {str(r["answered_on"]) for r in answers} == {round_.opened_at.date().isoformat()}
    # Who answered is kept apart, as the per-round HMAC of each respondent.
    assert {r["key"] for r in before[PARTICIPATION]} == {
        participation_key(services.team_id, chat.person(u), round_.id) for u in respondents
    }
    assert all(set(row) == {"key", "round_id"} for row in before[PARTICIPATION])
    ballots = {r["ballot"] for r in answers} - {None}
    assert len(ballots) == len(respondents)
    # A person's address (Teams; Slack keeps none) is as it was: answering wrote nothing beside it.
    assert before[ADDRESSES] == addresses
    assert len(before[ADDRESSES]) in {0, len(respondents)}  # Slack's DMs need none; Teams, one each
    for row in before[ADDRESSES]:
        assert set(row) == ADDRESS_COLUMNS
        assert row["user_id"] in markers and row["conversation_id"] in markers
    material = ballots | {r["key"] for r in before[PARTICIPATION]} | {r["id"] for r in answers}
    assert holding(before, [*material, round_.id], tables=(ADDRESSES,)) == {}
    # The log lines written while people answered name no one and repeat no ballot or comment.
    assert [line for line in logged if any(m in line for m in [*markers, *ballots, *comments])] == []
    # The probe sees what the round wrote, so finding nothing after close means something.
    assert len(found_in(files_of(database_url), material)) == len(material)

    await services.surveys.close_round(round_.id)

    after = await dump(runtime)
    assert found_in(files_of(database_url), material) == {}
    assert holding(after, material | chat.tap_marks()) == {}
    assert after[PARTICIPATION] == []
    assert holding(after, markers, tables=(ANSWERS,)) == {}
    # Comments survive close (they are the data); every answer shares the round's date.
    assert sorted(r["text"] for r in after[ANSWERS] if r["text"]) == sorted(comments)
    assert len(after[ANSWERS]) == len(answers)
    assert {str(r["answered_on"]) for r in after[ANSWERS]} == {round_.opened_at.date().isoformat()}
    # Delivery rows say who was invited, not when anyone was reached.
    async with runtime.db.session() as session:
        outbox = list(await session.exec(select(OutboxMessage).where(OutboxMessage.round_id == round_.id)))
    pulses = [r for r in outbox if r.kind == "pulse"]
    assert len(pulses) == len(respondents)
    assert {(r.sent_at, r.claimed_at, r.attempts) for r in pulses} == {(None, None, 0)}
    if database_url.startswith("postgresql"):
        # Answers were rewritten in one transaction: no xmin ties one to a tap.
        assert pg_query(database_url, "SELECT count(DISTINCT xmin::text) FROM survey_answer") == [(1,)]
    async with runtime.db.session() as session:
        assert all(a.ballot is None for a in await session.exec(select(SurveyAnswer)))
