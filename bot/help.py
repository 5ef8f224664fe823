"""Answering people who write to the bot: always with help, at most once per person per quiet spell.

Nothing a person writes is stored or logged here; only when each writer was last answered, in
memory, for as long as it limits replies.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from bot.clock import Clock

# A chatty person gets one reply, not one per message; after this quiet spell they get another.
HELP_REPLY_EVERY = timedelta(minutes=10)
# Writers remembered at once; the oldest fall out first (forgetting one only allows an extra reply).
REMEMBERED_WRITERS = 10_000


class HelpReplies:
    """Decides whether a message to the bot gets the help reply now."""

    def __init__(self, clock: Clock, *, every: timedelta = HELP_REPLY_EVERY) -> None:
        self.clock = clock
        self.every = every
        self._answered: OrderedDict[tuple[str, str], datetime] = OrderedDict()

    def due(self, *, team_id: str, user_id: str) -> bool:
        """Whether this person should be answered now; if so, counts the reply as given."""
        now = self.clock.now()
        key = (team_id, user_id)
        last = self._answered.get(key)
        if last is not None and now - last < self.every:
            return False
        self._answered.pop(key, None)
        self._answered[key] = now
        while len(self._answered) > REMEMBERED_WRITERS:
            self._answered.popitem(last=False)
        return True
