"""The peer log, on either platform: a supporter logs a session through the form and it is stored as
the domain stores it (contact details scrubbed, nobody but its supporter in the row); anyone else who
asks for the form gets the domain's refusal, word for word the same on Slack and Teams, and nothing
is stored."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlmodel import select

from storage.support_models import SupportFollowUp, SupportSession
from tests.e2e.scenarios.audit import dump, holding
from tests.e2e.scenarios.chat import Chat, Session, words

# What bot/roles.py says, so a changed refusal is noticed here and not only matched against itself.
REFUSAL = "Only peer supporters (members of the supporters channel) can do that."
NOTE = "Shared the EAP line; they can write to ana@example.com or call +44 20 7946 0958."
SCRUBBED = "Shared the EAP line; they can write to [email] or call [phone]."
TABLES = ("support_session", "support_follow_up")


async def test_a_supporter_logs_a_session_stored_with_nobody_named(chat: Chat) -> None:
    runtime = chat.runtime
    supporter = chat.supporters()[0]
    today = runtime.services.clock.now().astimezone(UTC).date()
    session = Session(
        on=today - timedelta(days=1),
        minutes=45,
        category="exclusion",
        channel="call",
        outcome="referred_hr",
        follow_up_on=today + timedelta(days=3),
        note=NOTE,
    )

    said = await chat.log_session(supporter, session)

    assert said.startswith("Session logged"), said
    assert "ana@example.com" not in said and "7946" not in said
    async with runtime.db.session() as db:
        (row,) = list(await db.exec(select(SupportSession)))
        (follow_up,) = list(await db.exec(select(SupportFollowUp)))
    assert (row.supporter_id, row.session_date, row.duration_minutes) == (
        chat.person(supporter),
        session.on,
        45,
    )
    assert (row.category, row.contact_channel, row.outcome) == ("exclusion", "call", "referred_hr")
    assert row.note == SCRUBBED
    assert (follow_up.session_id, follow_up.due_on) == (row.id, session.follow_up_on)
    # Nobody else is named in the peer log's rows, and its supporter only as its supporter.
    found = await dump(runtime)
    others = chat.markers() - {chat.person(supporter), supporter, chat.name(supporter)}
    others = {m for m in others if supporter not in m and chat.person(supporter) not in m}
    assert holding(found, others, tables=TABLES) == {}
    mine = {supporter, chat.person(supporter), chat.name(supporter)}
    assert [k for r in found["support_session"] for k, v in r.items() if v in mine] == ["supporter_id"]


async def test_anyone_else_gets_the_same_refusal_and_nothing_is_stored(chat: Chat) -> None:
    for user in (chat.employees()[0], chat.coordinators()[0]):
        assert await chat.say(user, "peer-log") == [words(REFUSAL)], user
    async with chat.runtime.db.session() as db:
        assert list(await db.exec(select(SupportSession))) == []
