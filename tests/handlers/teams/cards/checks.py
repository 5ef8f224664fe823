"""What every Teams card test asks of a card: it is valid Adaptive Cards 1.5, and its words."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

from handlers.teams.cards.card import CONTENT_TYPE

SCHEMA = (
    Path(__file__).resolve().parents[4] / "tests" / "data" / "adaptive-card-schema" / "adaptive-card.1.5.json"
)
# Where people read words on a card (ids, verbs, data and styles are not read).
TEXT_KEYS = ("text", "title", "label", "placeholder", "fallbackText", "errorMessage")


@functools.cache
def _validator() -> jsonschema.Draft6Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft6Validator(schema, format_checker=jsonschema.FormatChecker())


def schema_errors(content: dict[str, Any]) -> list[str]:
    """Every way the card breaks Microsoft's schema, most specific first ("" where none).

    `msteams` at the card's root is Teams' documented host extension (mentions, width), which the
    generic Adaptive Cards schema does not list: it is checked here by hand instead.
    """
    generic = {k: v for k, v in content.items() if k != "msteams"}
    errors = sorted(_validator().iter_errors(generic), key=lambda e: len(list(e.absolute_path)), reverse=True)
    found = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
    return found + _teams_extension_errors(content)


def _teams_extension_errors(content: dict[str, Any]) -> list[str]:
    """A mention entity must name a person and match `<at>…</at>` text the card shows."""
    teams = content.get("msteams")
    if teams is None:
        return []
    if not isinstance(teams, dict) or set(teams) - {"entities", "width"}:
        return [f"msteams: unexpected {teams!r}"]
    shown = "\n".join(texts(content.get("body", [])))
    errors = []
    for entity in teams.get("entities", []):
        mentioned = entity.get("mentioned") or {}
        if entity.get("type") != "mention" or not mentioned.get("id") or not mentioned.get("name"):
            errors.append(f"msteams/entities: not a mention {entity!r}")
        elif not str(entity.get("text", "")).startswith("<at>") or entity["text"] not in shown:
            errors.append(f"msteams/entities: {entity.get('text')!r} is not shown on the card")
    return errors


def cards_in(value: dict[str, Any]) -> list[dict[str, Any]]:
    """The Adaptive Cards a builder's answer holds: a card itself, or the one in a dialog's answer."""
    if value.get("type") == "AdaptiveCard":
        return [value]
    attachment = value["task"]["value"]["card"]
    assert attachment["contentType"] == CONTENT_TYPE
    return [attachment["content"]]


def texts(value: Any) -> list[str]:
    """Every text a person reads on a card, in order."""
    if isinstance(value, list):
        return [t for item in value for t in texts(item)]
    if not isinstance(value, dict):
        return []
    found = [value[k] for k in TEXT_KEYS if isinstance(value.get(k), str)]
    for key, inner in value.items():
        if key != "data" and isinstance(inner, (dict, list)):
            found += texts(inner)
    return found


def actions(value: Any) -> list[dict[str, Any]]:
    """Every action on a card, in order."""
    if isinstance(value, list):
        return [a for item in value for a in actions(item)]
    if not isinstance(value, dict):
        return []
    own = [value] if str(value.get("type", "")).startswith("Action.") else []
    return own + [a for k, v in value.items() if k != "data" for a in actions(v)]
