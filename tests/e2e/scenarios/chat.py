"""What an end-to-end scenario may do on a chat platform: the `Chat` protocol both drivers implement.

A scenario is written once against `Chat` and runs on Slack (`slack_chat.SlackChat`) and on Teams
(`teams_chat.TeamsChat`), each built only on that platform's simulation drivers and fake, so every
step goes through signed HTTP to the real runtime and a real database.

Not in the protocol yet; add a method to `Chat` and both drivers, then a scenario, when one is
needed: the supporters' training form, peer-log list / edit / delete and follow-up reminders; editing,
retiring and bringing back a policy, and its review reminders; an action's update, reopen, delete and
history, and `pulse actions` past its first page; an update published to a channel. The coordinators'
schedule / questions / supporters commands need no method (typed, their replies come through `say`)
but have no scenario yet.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from sqlmodel import col, func, select

from bot.runtime import Runtime
from storage.digest_models import ImprovementAction
from storage.models import OutboxMessage, SurveyRound
from storage.policy_models import Policy


@dataclass(frozen=True)
class Option:
    """One answer a pulse offers for a question, in the order the person sees them."""

    question: str
    value: int
    label: str
    # The platform's own button, for the driver that drew it.
    button: Any


# Picks an answer for a question from its options, or None to leave the question unanswered.
Chooser = Callable[[str, list[Option]], Option | None]


@dataclass(frozen=True)
class Digest:
    """What a digest request left in the coordinators' channel."""

    text: str
    # The chart as PNG bytes (Slack's uploaded file, Teams' inline image), None if none came.
    chart: bytes | None
    # What a screen reader says for the chart (its alt text).
    chart_words: str = ""


@dataclass(frozen=True)
class Session:
    """A peer-support session as a supporter fills in the form, in the domain's values."""

    on: date
    minutes: int = 30
    category: str = "verbal_abuse"
    channel: str = "chat"
    outcome: str = "listened"
    follow_up_on: date | None = None
    note: str = ""


@dataclass(frozen=True)
class PolicyEntry:
    """A policy as a coordinator fills in the add form; its owner is the coordinator adding it."""

    name: str
    link: str
    interval_months: int = 12
    last_reviewed: date | None = None


@dataclass(frozen=True)
class Home:
    """What a person's home shows: its words (people named as the reader sees them) and its buttons' labels."""

    text: str
    buttons: list[str]


class Chat(Protocol):
    """A chat platform driven as its people would drive it, against the running app."""

    platform: str
    runtime: Runtime

    def coordinators(self) -> list[str]:
        """Platform user ids of the coordinators."""

    def supporters(self) -> list[str]:
        """Platform user ids of the peer supporters."""

    def employees(self) -> list[str]:
        """Platform user ids of people with no role."""

    def audience(self) -> list[str]:
        """Everyone a round goes to (coordinators and supporters are employees too)."""

    def person(self, user: str) -> str:
        """The id the core knows this person by."""

    def name(self, user: str) -> str:
        """The person's full name as the platform's directory gives it."""

    def markers(self) -> set[str]:
        """Every string this platform names a person by: ids, chat ids, names, emails."""

    def tap_marks(self) -> set[str]:
        """Strings that identified the taps made so far (beyond the person), to look for in storage."""

    async def open_round_as(self, coordinator: str) -> SurveyRound:
        """The coordinator opens a round through the platform's own confirmation; every pulse delivered."""

    def pulse_of(self, user: str, round_id: str) -> dict[str, list[Option]] | None:
        """The options of the person's pulse for this round, by question (no "Prefer not to say")."""

    async def answer(self, user: str, round_id: str, choose: Chooser) -> int:
        """Tap `choose`'s pick for each question of the person's pulse; the number of taps."""

    async def tap(self, user: str, option: Option, *, times: int = 1) -> None:
        """`user` taps an option of anyone's pulse, the one request delivered `times` times (a redelivery)."""

    async def tap_forged(self, user: str, option: Option) -> int:
        """`user` taps an option in a request the platform never signed; the HTTP status."""

    async def write_comment(self, user: str, round_id: str, text: str) -> str:
        """Write the pulse's free-text comment; the words that confirmed it."""

    async def send_feedback(self, user: str, category: str, text: str) -> str:
        """Send the anonymous feedback form; the words that confirmed it."""

    async def say(self, user: str, text: str) -> list[str]:
        """Type to the bot (a command is typed as Teams does, `pulse status`); the replies, in words."""

    async def request_digest(self, coordinator: str) -> Digest:
        """`pulse digest`: what arrived in the coordinators' channel once the digest's last row was sent."""

    def replies_to(self, user: str) -> list[str]:
        """Every message the bot left in the person's chat, in words, oldest first."""

    def coordinators_channel(self) -> list[str]:
        """Every post in the coordinators' channel, in words (a mention as the name shown), oldest first."""

    async def log_session(self, supporter: str, session: Session) -> str:
        """Typed `peer-log`, the form filled in and sent; the confirmation left in the person's chat."""

    async def add_policy(self, coordinator: str, policy: PolicyEntry) -> None:
        """`pulse policies`, "Add a policy", the form filled in and sent (and accepted)."""

    async def review_policy(self, coordinator: str, name: str, *, on: date, summary: str) -> None:
        """`pulse policies`, the named policy's "Mark reviewed", the form filled in and sent (and accepted)."""

    async def adopt_suggestion(self, coordinator: str, *, title: str, measure: str) -> None:
        """`pulse digest`, then the first suggestion's "Adopt as action", the form sent with the
        coordinator as owner and due in 30 days (and accepted)."""

    async def close_action(self, coordinator: str, title: str, *, note: str) -> None:
        """`pulse actions`, the titled action's "Close", the form sent with the note (and accepted)."""

    async def publish_update(self, coordinator: str, title: str, *, text: str) -> None:
        """The closed action's "Share a ‘you said, we did’ update" in the coordinators' channel, the draft
        sent as direct messages, then Publish on the preview; every message it queued delivered."""

    async def home(self, user: str) -> Home:
        """The person's home (Slack's App Home tab, Teams' typed `home`)."""


SHARED = "shared a ‘you said, we did’ update"
_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
_MARKUP = re.compile(r"[*_`]")
_SPACE = re.compile(r"\s+")


def words(text: str) -> str:
    """Text as a person reads it, whatever the platform's markup: no emoji codes, bold, italics."""
    return _SPACE.sub(" ", _MARKUP.sub("", _SHORTCODE.sub("", text))).strip()


def texts_in(node: Any) -> list[str]:
    """Every string under a `text` key (Block Kit and Adaptive Cards alike), in document order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(node)
    return found


async def until(check: Callable[[], Awaitable[object]], *, timeout: float = 20.0) -> None:
    """Poll an async check until it is truthy (tests.support.eventually, for async checks under mypy)."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.02)


async def outbox_settled(runtime: Runtime) -> bool:
    """Whether nothing due within the minute waits to be sent; the test clock ticks so a paced message
    falls due (a reminder queued for another day is not waited for)."""
    runtime.clock.advance(timedelta(milliseconds=200))  # type: ignore[attr-defined]
    runtime.services.outbox.wakeup.set()
    soon = runtime.clock.now() + timedelta(minutes=1)
    async with runtime.db.session() as session:
        waiting = await session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                col(OutboxMessage.status).in_(["pending", "sending"]),
                col(OutboxMessage.next_attempt_at) <= soon,
            )
        )
        return int(waiting.one()) == 0


async def published(chat: Chat, seen: int) -> bool:
    """Whether the coordinators' channel has been told, since its first `seen` posts, that an update is
    on its way (the update is queued by then)."""
    return any(SHARED in post for post in chat.coordinators_channel()[seen:])


async def action_id(runtime: Runtime, title: str) -> str:
    """The id of the improvement action with this title (the one the scenario adopted)."""
    async with runtime.db.session() as session:
        (found,) = list(await session.exec(select(ImprovementAction).where(ImprovementAction.title == title)))
        return found.id


async def policy_id(runtime: Runtime, name: str) -> str:
    """The id of the policy with this name."""
    async with runtime.db.session() as session:
        (found,) = list(await session.exec(select(Policy).where(Policy.name == name)))
        return found.id


async def digest_delivered(runtime: Runtime) -> bool:
    """Whether no channel post (a digest's messages are `text` rows, its chart a `file` row) waits to be sent."""
    async with runtime.db.session() as session:
        waiting = await session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                col(OutboxMessage.kind).in_(["text", "file"]),
                col(OutboxMessage.status).in_(["pending", "sending"]),
            )
        )
        return int(waiting.one()) == 0
