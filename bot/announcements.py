"""Notes to the coordinators' channel about what a coordinator changed: decided and queued in the domain,
in the same transaction as the change, so no platform can forget one; each platform only draws them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal, TypeAlias

from bot.delivery import Envelope
from bot.viewdata import view_payload
from storage.digest_models import ImprovementAction

if TYPE_CHECKING:
    # Stored data is built by tag, not by annotation; the policy service imports this module.
    from bot.policies import PolicyStatus


@dataclass(frozen=True)
class ActionAdopted:
    """A coordinator adopted an improvement action."""

    kind: ClassVar[str] = "action_adopted"

    by: str
    action: ImprovementAction


@dataclass(frozen=True)
class ActionProgress:
    """A coordinator noted progress on an action (or moved its due date)."""

    kind: ClassVar[str] = "action_progress"

    by: str
    action: ImprovementAction


@dataclass(frozen=True)
class ActionClosed:
    """A coordinator closed an action; the note offers to tell employees what was done."""

    kind: ClassVar[str] = "action_closed"

    by: str
    action: ImprovementAction


@dataclass(frozen=True)
class ActionChanged:
    """A coordinator reopened a closed action or deleted one (its history keeps both)."""

    kind: ClassVar[str] = "action_changed"

    by: str
    change: Literal["reopened", "deleted"]
    action: ImprovementAction


@dataclass(frozen=True)
class PolicyChanged:
    """A coordinator added, edited, reviewed, retired or restored a policy in the register."""

    kind: ClassVar[str] = "policy_changed"

    by: str
    change: Literal["added", "edited", "reviewed", "retired", "restored"]
    status: PolicyStatus


@dataclass(frozen=True)
class UpdateShared:
    """A coordinator shared a "you said, we did" update: how it fared (a channel post is confirmed first)."""

    kind: ClassVar[str] = "update_shared"

    by: str
    title: str | None  # the closed action it tells about, if any
    text: str
    destination: str
    recipients: int
    outcome: Literal["published", "failed", "waiting"]
    error: str | None = None


Announcement: TypeAlias = (
    ActionAdopted | ActionProgress | ActionClosed | ActionChanged | PolicyChanged | UpdateShared
)
ANNOUNCEMENTS: tuple[type[Announcement], ...] = (
    ActionAdopted,
    ActionProgress,
    ActionClosed,
    ActionChanged,
    PolicyChanged,
    UpdateShared,
)


def announcement(view: Announcement, *, channel: str, at: datetime) -> Envelope:
    """The outbox envelope posting an announcement to the coordinators' channel once."""
    # Each change is announced once: its key is its own, never shared with another change's.
    key = f"announce:{view.kind}:{secrets.token_hex(16)}"
    return Envelope("text", channel, key, at, payload=view_payload(view))
