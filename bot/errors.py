"""Typed errors with messages a person can act on; handled once by each platform
(handlers.slack.app for Slack).

Messages are plain, platform-neutral text. Where a person's next step is a platform's command or
button, the error names that step (`next_step`) and each platform words it its own way.
"""

from __future__ import annotations

from typing import Literal

# What the person can do next, worded by each platform (e.g. Slack's slash commands).
NextStep = Literal["round_status", "session_list", "opt_in"]


class PeerPulseError(Exception):
    """Base for every error PeerPulse raises on purpose."""

    def __init__(self, message: str = "", *, next_step: NextStep | None = None) -> None:
        super().__init__(message)
        self.next_step = next_step


class ConfigError(PeerPulseError):
    """A setting is missing or invalid; the message names it."""


class NotAllowed(PeerPulseError):
    """The caller's live Slack role does not permit this."""


class InvalidInput(PeerPulseError):
    """Input failed validation; `fields` maps a form field to its error."""

    def __init__(
        self, message: str, *, fields: dict[str, str] | None = None, next_step: NextStep | None = None
    ) -> None:
        super().__init__(message, next_step=next_step)
        self.fields = fields or {}


class Busy(PeerPulseError):
    """The platform's rate limit means the request cannot be served in time; try again shortly."""


class RoundClosed(PeerPulseError):
    """The survey round being answered is no longer open."""


class Conflict(PeerPulseError):
    """The request clashes with current state (e.g. a round is already open)."""


class DeliveryError(PeerPulseError):
    """Sending a message failed; `retryable` says whether trying again can help.

    `uncertain` means Slack may have posted it anyway (the answer never arrived), so a retry
    must look for the message before sending it again.
    """

    def __init__(
        self, message: str, *, retryable: bool, retry_after: float | None = None, uncertain: bool = False
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.uncertain = uncertain


class StorageUnavailable(PeerPulseError):
    """The database cannot be reached right now."""
