"""Feedback with the safety net, on either platform: risky words bring support resources to the
writer's own chat at once, repeating nothing of them; the feedback is stored scrubbed (as on Slack:
no name, no email), and nothing in the database or the logs ties it, or the reply, to its writer."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from bot.feedback import MAX_CHARS
from bot.privacy import load_support_resources
from storage.digest_models import Feedback
from tests.e2e.scenarios.audit import dump, holding
from tests.e2e.scenarios.chat import Chat, words
from tests.support import eventually

SAFETY_OPENER = "You matter, and you don't have to handle this alone."
PRIVATE = "PeerPulse did not record who wrote, nor keep a copy of what you wrote"
EMAIL = "zq.writer@example.com"


async def _feedback(chat: Chat) -> list[Feedback]:
    async with chat.runtime.db.session() as session:
        return list(await session.exec(select(Feedback)))


async def _safety_replies(chat: Chat, user: str, seen: int) -> list[str]:
    return await eventually(lambda: [r for r in chat.replies_to(user)[seen:] if SAFETY_OPENER in r])


async def test_risky_feedback_gets_support_privately_and_is_stored_without_its_writer(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    writer, colleague = chat.employees()[:2]
    kept = "the night rota keeps zqshouting at me"
    typed = f"Honestly I want to end it all, {chat.name(colleague)} and {kept}. Write to {EMAIL}"
    # Written to the bot before (Teams keeps the time zone a typed message reports, once).
    assert await chat.say(writer, "pulse")
    before = await dump(chat.runtime)
    seen = len(chat.replies_to(writer))

    with caplog.at_level(logging.INFO):
        confirmed = await chat.send_feedback(writer, "concern", typed)
        (reply,) = await _safety_replies(chat, writer, seen)
    assert "Thank you — your feedback is in, anonymously." in confirmed

    # The support resources, in the writer's own chat, with none of what they wrote.
    resources = load_support_resources(chat.runtime.settings.support_resources_path)
    assert words(resources.emergency_number) in reply and PRIVATE in reply
    assert not [part for part in ("end it all", "zqshouting", EMAIL, chat.name(colleague)) if part in reply]
    # Stored as Slack stores it: scrubbed of the colleague's name and the email, nothing about who wrote.
    (row,) = await _feedback(chat)
    stored = row.text or ""
    assert row.category == "concern"
    assert kept in stored and "[email]" in stored and "end it all" in stored
    assert EMAIL not in stored and chat.name(colleague) not in stored
    after = await dump(chat.runtime)
    assert holding(after, chat.markers(), tables=("feedback",)) == {}
    # The words are nowhere else, and no row naming the writer was written or changed by any of it.
    assert holding(after, ["zqshouting", "end it all"]) == {"feedback": {"zqshouting", "end it all"}}
    naming = [writer, chat.person(writer), chat.name(writer)]
    assert {t: [r for r in rows if holding({t: [r]}, naming)] for t, rows in after.items()} == {
        t: [r for r in rows if holding({t: [r]}, naming)] for t, rows in before.items()
    }
    logged = [r.getMessage() for r in caplog.records]
    assert [line for line in logged if any(p in line for p in ("zqshouting", EMAIL, *naming))] == []


async def test_risky_feedback_that_is_refused_still_gets_support_and_stores_nothing(chat: Chat) -> None:
    writer = chat.employees()[0]
    seen = len(chat.replies_to(writer))
    too_long = "I want to kill myself. " + "x" * MAX_CHARS
    refused = await chat.send_feedback(writer, "concern", too_long)
    assert f"Please keep it under {MAX_CHARS:,} characters." in refused
    await _safety_replies(chat, writer, seen)
    assert await _feedback(chat) == []
