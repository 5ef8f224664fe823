"""The help reply to someone who writes to the bot: once per person per quiet spell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.help import HELP_REPLY_EVERY, REMEMBERED_WRITERS, HelpReplies


def test_one_reply_per_person_per_quiet_spell() -> None:
    clock = ManualClock(datetime(2026, 12, 1, 9, tzinfo=UTC))
    replies = HelpReplies(clock)
    assert replies.due(team_id="T1", user_id="U1")
    assert not replies.due(team_id="T1", user_id="U1")
    # Another person, or the same id in another workspace, is answered in their own right.
    assert replies.due(team_id="T1", user_id="U2")
    assert replies.due(team_id="T2", user_id="U1")
    clock.advance(HELP_REPLY_EVERY - timedelta(seconds=1))
    assert not replies.due(team_id="T1", user_id="U1")
    clock.advance(timedelta(seconds=1))
    assert replies.due(team_id="T1", user_id="U1")
    assert not replies.due(team_id="T1", user_id="U1")


def test_memory_stays_bounded() -> None:
    replies = HelpReplies(ManualClock(datetime(2026, 12, 1, 9, tzinfo=UTC)))
    for n in range(REMEMBERED_WRITERS + 5):
        assert replies.due(team_id="T1", user_id=f"U{n}")
    assert len(replies._answered) == REMEMBERED_WRITERS
    # The latest writers are still remembered; the oldest fell out first.
    assert not replies.due(team_id="T1", user_id=f"U{REMEMBERED_WRITERS + 4}")
    assert replies.due(team_id="T1", user_id="U0")
