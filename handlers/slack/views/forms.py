"""What every modal submission shares: reading its inputs, and refusing it with errors in the form."""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, TypeVar

from bot.errors import InvalidInput, PeerPulseError
from handlers.slack.replies import user_message_for

log = logging.getLogger(__name__)

T = TypeVar("T")
Ack = Callable[..., Awaitable[None]]


class Refused(enum.Enum):
    """The submission was answered with errors in the form; nothing more is to be done."""

    IN_FORM = enum.auto()


REFUSED: Final = Refused.IN_FORM


class SubmittedView:
    """The inputs and private metadata of a submitted modal, read as plain values."""

    def __init__(self, body: dict[str, Any], *, action_id: str) -> None:
        self.body = body
        self.action_id = action_id

    # Read on use, not here, so a malformed payload fails where the handler reads it.
    @property
    def view(self) -> dict[str, Any]:
        """The submitted view."""
        found: dict[str, Any] = self.body.get("view") or {}
        return found

    def input(self, block_id: str, action_id: str | None = None) -> dict[str, Any]:
        """The state of one input element, empty if the form has none."""
        values = (self.view.get("state") or {}).get("values") or {}
        found: dict[str, Any] = (values.get(block_id) or {}).get(action_id or self.action_id) or {}
        return found

    def text(self, block_id: str, action_id: str | None = None) -> str | None:
        """What was typed in a text input."""
        return _string(self.input(block_id, action_id).get("value"))

    def date(self, block_id: str) -> str | None:
        """The ISO date picked in a date picker."""
        return _string(self.input(block_id).get("selected_date"))

    def user(self, block_id: str) -> str | None:
        """The user picked in a users select."""
        return _string(self.input(block_id).get("selected_user"))

    def option(self, block_id: str, action_id: str | None = None) -> str | None:
        """The value of the option picked in a select."""
        return _string((self.input(block_id, action_id).get("selected_option") or {}).get("value"))

    def options(self, block_id: str) -> list[str]:
        """The values of the options ticked in a checkbox group."""
        ticked = self.input(block_id).get("selected_options") or []
        return [o["value"] for o in ticked if isinstance(o, dict) and isinstance(o.get("value"), str)]

    @property
    def metadata(self) -> str:
        """The private metadata as text (an id, for most modals)."""
        return str(self.view.get("private_metadata") or "")

    def metadata_fields(self) -> dict[str, str]:
        """The private metadata's string fields, if it is a JSON object; otherwise none."""
        try:
            raw = json.loads(self.view.get("private_metadata") or "{}")
        except (ValueError, TypeError):  # not JSON, or not even a string
            return {}
        return {str(k): v for k, v in raw.items() if isinstance(v, str)} if isinstance(raw, dict) else {}


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


async def show_errors(ack: Ack, errors: dict[str, str]) -> None:
    """Answer a submission with errors next to the named blocks; the modal stays open."""
    await ack(response_action="errors", errors=errors)


def block_errors(
    exc: Exception, *, fallback_block: str, field_blocks: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Slack's errors for a refusal: each field's own, or the whole message on `fallback_block`."""
    fields = exc.fields if isinstance(exc, InvalidInput) else {}
    if not fields:
        return {fallback_block: user_message_for(exc)}
    if field_blocks is None:  # the domain's field names are the block ids
        return dict(fields)
    return {field_blocks.get(field, fallback_block): error for field, error in fields.items()}


async def submit_form(
    ack: Ack,
    work: Callable[[], Awaitable[T]],
    *,
    fallback_block: str,
    field_blocks: Mapping[str, str] | None = None,
    catching: tuple[type[Exception], ...] = (Exception,),
) -> T | Refused:
    """Run a submission's domain work; `catching` errors go back into the form (REFUSED), others rise."""
    try:
        return await work()
    except catching as exc:
        # Answered in the modal, which keeps what was typed; an unexpected failure is logged too.
        if not isinstance(exc, PeerPulseError):
            log.exception("%s failed", getattr(work, "__qualname__", "a form submission"))
        await show_errors(ack, block_errors(exc, fallback_block=fallback_block, field_blocks=field_blocks))
        return REFUSED
