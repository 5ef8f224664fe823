"""Directory and Messenger kept in memory, with the semantics the core relies on (tests/contract)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.delivery import METADATA_EVENT
from bot.errors import DeliveryError
from bot.ports import Member, OutgoingFile, OutgoingMessage, PostedMessage


@dataclass
class Delivered:
    """A message or file as the platform holds it."""

    ref: str
    text: str
    at: datetime
    blocks: list[dict[str, object]] | None = None
    outbox_id: int | None = None
    file: OutgoingFile | None = None
    # The domain view-model the message rendered (a digest, an update...), for tests to read.
    view: object | None = None


@dataclass
class MemoryWorld:
    """Members, conversations and what was delivered to each."""

    members: dict[str, Member] = field(default_factory=dict)
    channels: dict[str, set[str]] = field(default_factory=dict)
    # Conversations the bot may not post in or read (a channel it was removed from).
    closed: set[str] = field(default_factory=set)
    delivered: dict[str, list[Delivered]] = field(default_factory=dict)
    _refs: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_ref(self) -> str:
        """A new opaque message reference."""
        return f"m{next(self._refs)}"


class MemoryDirectory:
    """Members and channel membership, read from the world."""

    def __init__(self, world: MemoryWorld) -> None:
        self.world = world

    async def list_members(self) -> list[Member]:
        """Every member, bots and deactivated accounts flagged."""
        return list(self.world.members.values())

    async def channel_members(self, channel_id: str) -> set[str]:
        """The members of a channel; an unknown channel is refused."""
        if channel_id not in self.world.channels:
            raise DeliveryError(f"no such conversation {channel_id}", retryable=False)
        return set(self.world.channels[channel_id])


class MemoryMessenger:
    """Posts, updates, files and look-back, kept per conversation."""

    def __init__(self, world: MemoryWorld) -> None:
        self.world = world

    def is_person(self, address: str) -> bool:
        """A member of the world rather than one of its conversations."""
        return address in self.world.members

    async def open_dm(self, user_id: str) -> str:
        """The DM conversation with a member."""
        if user_id not in self.world.members:
            raise DeliveryError(f"no such member {user_id}", retryable=False)
        return f"dm:{user_id}"

    def _conversation(self, address: str) -> str:
        if address in self.world.members:
            return f"dm:{address}"  # a person's id addresses their DM, as on Slack
        if address.startswith("dm:") or address in self.world.channels:
            if address in self.world.closed:
                raise DeliveryError(f"not allowed in {address}", retryable=False)
            return address
        raise DeliveryError(f"no such conversation {address}", retryable=False)

    async def post(self, channel: str, message: OutgoingMessage) -> PostedMessage:
        """Deliver a message; its outbox id rides along, as Slack's metadata carries it."""
        conversation = self._conversation(channel)
        metadata = message.metadata or {}
        payload = metadata.get("event_payload") or {}
        ours = metadata.get("event_type") == METADATA_EVENT
        item = Delivered(
            ref=self.world.next_ref(),
            text=message.text,
            at=datetime.now(UTC),
            blocks=message.blocks,
            outbox_id=payload.get("outbox_id") if ours else None,
            view=message.view,
        )
        self.world.delivered.setdefault(conversation, []).append(item)
        return PostedMessage(conversation=conversation, ref=item.ref)

    async def find_posted(self, channel: str, *, since: datetime, outbox_id: int) -> str | None:
        """The reference of what we delivered with this outbox id since `since`, if any."""
        conversation = self._conversation(channel)
        for item in self.world.delivered.get(conversation, []):
            if item.outbox_id == outbox_id and item.at >= since:
                return item.ref
        return None

    async def update(self, channel: str, ts: str, message: OutgoingMessage) -> PostedMessage:
        """Replace an earlier message's content in place."""
        conversation = self._conversation(channel)
        for item in self.world.delivered.get(conversation, []):
            if item.ref == ts:
                item.text, item.blocks = message.text, message.blocks
                return PostedMessage(conversation=conversation, ref=ts)
        raise DeliveryError(f"no message {ts} in {conversation}", retryable=False)

    async def upload_file(self, channel: str, file: OutgoingFile, *, comment: str, outbox_id: int) -> None:
        """Share a file, marked with its outbox id."""
        conversation = self._conversation(channel)
        item = Delivered(
            ref=self.world.next_ref(), text=comment, at=datetime.now(UTC), outbox_id=outbox_id, file=file
        )
        self.world.delivered.setdefault(conversation, []).append(item)
