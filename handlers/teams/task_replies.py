"""Small readers and answers shared by the Teams dialogs (task/fetch, task/submit)."""

from __future__ import annotations

from typing import Any

from bot.errors import InvalidInput, PeerPulseError


def said(words: str) -> dict[str, Any]:
    """The answer to task/fetch or task/submit that shows a short message instead of a dialog."""
    return {"task": {"type": "message", "value": words}}


def text_of(data: dict[str, Any], key: str) -> str:
    """What a dialog's input (or its button's data) carried under `key`; "" when it is not text."""
    found = data.get(key)
    return found if isinstance(found, str) else ""


def field_errors(exc: PeerPulseError) -> dict[str, str]:
    """The refusal's errors by field (none for a refusal about the whole form)."""
    return dict(exc.fields) if isinstance(exc, InvalidInput) else {}
