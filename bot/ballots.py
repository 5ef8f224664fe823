"""What each invited person's pulse DM and reminder carry, decided at send time: who still gets one,
and a fresh ballot per DM that the database never links to them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import select

from bot.clock import Clock
from bot.config import Settings
from bot.ports import PostedMessage
from bot.questions import Question
from bot.surveys import SurveyService, ballot_tag
from storage.outbox_models import OutboxMessage

if TYPE_CHECKING:
    from bot.updates import UpdateService

# Rounds whose "since last time" line is remembered (a fan-out asks once per round, not per person).
REMEMBERED_ROUNDS = 64


@dataclass(frozen=True)
class PulsePromise:
    """What every pulse DM promises, from the settings (so the words never drift from the rules)."""

    # No figure, breakdown or quote is shown for fewer people than this (MIN_GROUP_SIZE).
    min_group_size: int
    # Comments are erased after this many days; only group figures stay (RETENTION_DAYS).
    retention_days: int
    # The zone for a deadline written out in full, where the platform cannot show the reader's own.
    timezone: str


def pulse_promise(settings: Settings) -> PulsePromise:
    """The promise the configured settings make."""
    return PulsePromise(
        min_group_size=settings.min_group_size,
        retention_days=settings.retention_days,
        timezone=settings.default_timezone,
    )


@dataclass(frozen=True)
class PulseBallot:
    """One person's pulse: the round's questions, and a ballot bound to them by a tag (never stored)."""

    round_id: str
    questions: list[Question]
    ballot: str
    tag: str
    closes_at: datetime
    since_last_time: str | None
    promise: PulsePromise


@dataclass(frozen=True)
class PulseReminder:
    """The one reminder, the same for everyone invited (so it says nothing about who answered); only
    where it points, each person's own pulse DM, differs."""

    closes_at: datetime
    promise: PulsePromise
    # Where this person's pulse DM landed (platform-opaque), for a link to it; None if not known.
    pulse: PostedMessage | None = None


class Ballots:
    """Decides, when a DM is about to go, whether it still should and what it carries."""

    def __init__(self, *, surveys: SurveyService, updates: UpdateService, secret: str, clock: Clock) -> None:
        self.surveys = surveys
        self.updates = updates
        self.secret = secret
        self.clock = clock
        self._since: dict[str, str | None] = {}

    @property
    def promise(self) -> PulsePromise:
        """What every pulse DM promises (a redraw says the same as the first send)."""
        return pulse_promise(self.surveys.settings)

    async def ballot_for(self, *, round_id: str, recipient: str) -> PulseBallot | None:
        """A fresh ballot for this person's DM, or None if the round closed or they opted out."""
        round_ = await self.surveys.get_round(round_id)
        if round_ is None or round_.closed_at is not None:
            return None
        if await self.surveys.is_opted_out(team_id=round_.team_id, user_id=recipient):
            return None
        # The ballot exists only inside this DM; the database never learns whose it is.
        ballot = secrets.token_hex(16)
        if round_.id not in self._since:
            if len(self._since) > REMEMBERED_ROUNDS:
                self._since.clear()
            # Fixed at the round's opening, like the DM's redraws, so everyone reads the same line.
            self._since[round_.id] = await self.updates.since_last_time(
                team_id=round_.team_id, as_of=round_.opened_at
            )
        return PulseBallot(
            round_id=round_.id,
            questions=self.surveys.questions_of(round_),
            ballot=ballot,
            tag=ballot_tag(self.secret, ballot=ballot, user_id=recipient),
            closes_at=round_.closes_at,
            since_last_time=self._since[round_.id],
            promise=self.promise,
        )

    async def reminder_for(self, *, round_id: str, recipient: str) -> PulseReminder | None:
        """The reminder, or None once the round closed or the person opted out."""
        round_ = await self.surveys.get_round(round_id)
        if round_ is None or round_.closed_at is not None or self.clock.now() >= round_.closes_at:
            return None
        # Sent whether or not the person has answered: a reminder only some receive would stay on the
        # platform (and, until erased, in the outbox) as a record of who had not answered.
        if await self.surveys.is_opted_out(team_id=round_.team_id, user_id=recipient):
            return None
        return PulseReminder(
            closes_at=round_.closes_at, promise=self.promise, pulse=await self._pulse_dm(round_.id, recipient)
        )

    async def pulse_dm(self, *, round_id: str, recipient: str) -> PostedMessage | None:
        """Where the person's own pulse DM of the round was delivered, if it was (for a link to it)."""
        return await self._pulse_dm(round_id, recipient)

    async def _pulse_dm(self, round_id: str, recipient: str) -> PostedMessage | None:
        """Where the person's pulse DM of the round was delivered, if it was."""
        async with self.surveys.db.session() as session:
            found = await session.exec(
                select(OutboxMessage.conversation, OutboxMessage.message_ref).where(
                    OutboxMessage.round_id == round_id,
                    OutboxMessage.recipient == recipient,
                    OutboxMessage.kind == "pulse",
                )
            )
            row = found.first()
        if row is None or not row[0] or not row[1]:
            return None
        return PostedMessage(conversation=row[0], ref=row[1])
