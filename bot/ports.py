"""What the domain needs from a chat platform; each plug-in under handlers/ implements it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Member:
    """A workspace member as the domain sees them."""

    id: str
    # An IANA zone name, or None when the platform does not know it (DEFAULT_TIMEZONE applies).
    tz: str | None = None
    real_name: str = ""
    display_name: str = ""
    active_human: bool = True
    is_bot: bool = False  # bots and apps: their names are not people's names
    # The language the person chose on the platform (a BCP 47 tag such as "de-DE"), if it says.
    locale: str | None = None


@dataclass(frozen=True)
class OutgoingFile:
    """A file to share, such as the digest's chart."""

    filename: str
    title: str
    content: bytes
    # What a screen reader says for an image (Slack refuses more than 1,000 characters).
    alt_text: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """A rendered message: fallback text, Block Kit blocks and delivery metadata."""

    text: str
    blocks: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None
    # The reference of an earlier message in the same conversation that this one replaces.
    replaces: str | None = None
    # Shared as a file with `text` as its comment, instead of posted as a message.
    file: OutgoingFile | None = None
    # The domain view-model this message renders, for a platform that keeps it (the in-memory one).
    view: object | None = None


@dataclass(frozen=True)
class PostedMessage:
    """Where a message landed: its conversation and the platform's reference to it (both opaque)."""

    conversation: str
    ref: str


class Directory(Protocol):
    """Who is in the workspace and in which channels."""

    async def list_members(self) -> list[Member]:
        """Every member (bots and deactivated accounts flagged, not dropped)."""
        ...

    async def channel_members(self, conversation: str) -> set[str]:
        """Member ids in a group conversation (a channel), read live."""
        ...


class Messenger(Protocol):
    """Sending and reconciling messages."""

    async def open_dm(self, user_id: str) -> str:
        """The address of the direct conversation with a member."""
        ...

    def is_person(self, address: str) -> bool:
        """Whether an outbox recipient is a person (whose messages land in a direct conversation)."""
        ...

    async def post(self, conversation: str, message: OutgoingMessage) -> PostedMessage:
        """Post a message; raise DeliveryError on failure."""
        ...

    async def find_posted(self, conversation: str, *, since: datetime, outbox_id: int) -> str | None:
        """The reference of a message (or file) we sent with this outbox id since a time, if any.

        Raise DeliveryError when the platform cannot be asked (retryable) or refuses to say (not
        retryable). A platform that cannot look back answers None, and the outbox then resends an
        unconfirmed message (at least once) rather than risk losing it.
        """
        ...

    async def update(self, conversation: str, ref: str, message: OutgoingMessage) -> PostedMessage:
        """Replace an earlier message's text and blocks; raise DeliveryError on failure."""
        ...

    async def upload_file(
        self, conversation: str, file: OutgoingFile, *, comment: str, outbox_id: int
    ) -> None:
        """Share a file in a conversation, marked with its outbox id; raise DeliveryError on failure."""
        ...


class Pacer(Protocol):
    """Keeps the outbox's sends under the platform's rate limits."""

    async def wait(self, conversation: str) -> None:
        """Sleep until a message may be posted to this conversation."""
        ...

    def pause(self, seconds: float) -> None:
        """Hold every send for a while (the platform said to slow down)."""
        ...
