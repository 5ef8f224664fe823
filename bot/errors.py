"""Typed errors with messages a person can act on; handled once by each platform
(handlers.slack.app for Slack).

Messages are plain, platform-neutral text. Where a person's next step is a platform's command or
button, the error names that step (`next_step`) and each platform words it its own way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Literal

# What the person can do next, worded by each platform (e.g. Slack's slash commands).
NextStep = Literal["round_status", "session_list", "opt_in"]


class PeerPulseError(Exception):
    """Base for every error PeerPulse raises on purpose.

    The message is worded when it is read (`str()`), in the reader's language: an error made in one
    task (a batch of many people's answers) is shown in another, to the person it concerns. Pass the
    English text marked with `N_()` and its `{fields}` in `params` (dates are written out per language).
    """

    def __init__(
        self,
        message: str = "",
        *,
        next_step: NextStep | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.next_step = next_step
        self.params = dict(params or {})

    def __str__(self) -> str:
        """The message in the current reader's language."""
        from bot.i18n import _, format_day

        template = str(self.args[0]) if self.args else ""
        if not template:
            return ""
        worded = {
            name: format_day(value.date() if isinstance(value, datetime) else value)
            if isinstance(value, date)
            else value
            for name, value in self.params.items()
        }
        return _(template).format(**worded) if worded else _(template)


class ConfigError(PeerPulseError):
    """A setting is missing or invalid; the message names it."""


class NotAllowed(PeerPulseError):
    """The caller's live Slack role does not permit this."""


class InvalidInput(PeerPulseError):
    """Input failed validation; `fields` maps a form field to its error."""

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        next_step: NextStep | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message, next_step=next_step, params=params)
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
