"""Role refusals, on either platform: an employee or a supporter asking for a coordinator's command
gets the domain's refusal, word for word the same on Slack and Teams, and nothing happens; their
help names no coordinator's command, while a coordinator is answered."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.errors import NotAllowed
from storage.models import OutboxMessage
from tests.e2e.scenarios.chat import Chat, words

# The coordinators' subcommands both platforms have today.
COORDINATOR_SUBCOMMANDS = ("status", "digest", "send", "close", "cancel")
# What bot/roles.py says, so a changed refusal is noticed here and not only matched against itself.
REFUSAL = "Only program coordinators (members of the coordinator channel) can do that."


async def test_employees_and_supporters_get_the_same_refusal_and_nothing_happens(chat: Chat) -> None:
    services = chat.runtime.services
    employee, supporter = chat.employees()[0], chat.supporters()[0]
    with pytest.raises(NotAllowed) as refused:
        await services.surveys.latest_status(team_id=services.team_id, by=chat.person(employee))
    assert str(refused.value) == REFUSAL
    for user in (employee, supporter):
        for sub in COORDINATOR_SUBCOMMANDS:
            assert await chat.say(user, f"pulse {sub}") == [words(REFUSAL)], (user, sub)
    assert await services.surveys.current_round(team_id=services.team_id) is None
    async with chat.runtime.db.session() as session:
        assert list(await session.exec(select(OutboxMessage))) == []  # no digest, no pulse queued
    for text in ("pulse help", "pulse"):
        said = " ".join(await chat.say(employee, text))
        assert not [sub for sub in COORDINATOR_SUBCOMMANDS if f"pulse {sub}" in said], said
        assert "pulse optout" in said


async def test_a_coordinator_is_answered_where_others_are_refused(chat: Chat) -> None:
    coordinator = chat.coordinators()[0]
    (status,) = await chat.say(coordinator, "pulse status")
    assert status.startswith("No pulse round has been opened yet.")
    help_ = " ".join(await chat.say(coordinator, "pulse help"))
    assert all(f"pulse {sub}" in help_ for sub in COORDINATOR_SUBCOMMANDS), help_
