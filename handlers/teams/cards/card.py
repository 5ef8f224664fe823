"""The parts every card shares: the card itself, text blocks, the attachment and a dialog. Pure builders."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.i18n import PSEUDO_LANGUAGE, current_language
from handlers.teams.cards.markup import to_markdown

# Universal Actions (Action.Execute, the adaptiveCard/action invoke) need a card of version 1.5 in
# Teams: Teams' docs say an older version stops Action.Execute from rendering on some clients.
VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Teams refuses a card over 28 KB, and a whole message over 100 KB (Teams' documented limits).
CARD_LIMIT = 28 * 1024
MESSAGE_LIMIT = 100 * 1024


def card(body: list[dict[str, Any]], *, fallback: str | None = None) -> dict[str, Any]:
    """An Adaptive Card in the reader's language (Teams formats its date functions in `lang`)."""
    content: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    language = current_language()
    if language != PSEUDO_LANGUAGE:
        content["lang"] = language
    if fallback:
        content["fallbackText"] = to_markdown(fallback)
    return content


def text(mrkdwn: str, **style: Any) -> dict[str, Any]:
    """One TextBlock from a catalogued (Slack-marked) string, wrapped."""
    return {"type": "TextBlock", "text": to_markdown(mrkdwn), "wrap": True, **style}


def lines(mrkdwn: str, **style: Any) -> list[dict[str, Any]]:
    """A TextBlock per line: a single newline inside one TextBlock is not rendered alike on every client."""
    blocks = [text(line, spacing="none", **style) for line in mrkdwn.split("\n") if line.strip()]
    if blocks:
        blocks[0].pop("spacing")
    return blocks


def note(mrkdwn: str) -> dict[str, Any]:
    """Small print under the main text (what Slack shows as a context block)."""
    return text(mrkdwn, size="small", isSubtle=True)


def opens_dialog(title: str, action: str, **data: Any) -> dict[str, Any]:
    """A button that opens one of our dialogs (Teams' task/fetch), its `action` and data sent along."""
    return {
        "type": "Action.Submit",
        "title": title,
        "data": {"msteams": {"type": "task/fetch"}, "action": action, **data},
    }


def attachment(content: dict[str, Any]) -> dict[str, Any]:
    """The card as a message attachment."""
    return {"contentType": CONTENT_TYPE, "content": content}


def message(content: dict[str, Any], *, summary: str) -> dict[str, Any]:
    """A message activity carrying one card, with the Bot Framework `summary` of what it says."""
    # Not every Teams client uses the summary for its preview; those that don't show the card's first
    # TextBlock, which is why every card here opens with words worth previewing.
    return {"type": "message", "summary": summary, "attachments": [attachment(content)]}


def action_response(content: dict[str, Any]) -> dict[str, Any]:
    """The answer to an `adaptiveCard/action` invoke that replaces the tapped card with this one."""
    return {"statusCode": 200, "type": CONTENT_TYPE, "value": content}


@dataclass(frozen=True)
class EncodedJSON:
    """An answer already encoded as JSON text (a hot path's, assembled from cached pieces)."""

    text: str


@dataclass(frozen=True)
class EncodedCard:
    """A card already encoded as JSON text, and the summary a message carrying it shows."""

    text: str
    summary: str

    def decoded(self) -> dict[str, Any]:
        """The card as the builders draw it."""
        content: dict[str, Any] = json.loads(self.text)
        return content


def action_response_json(card: EncodedCard) -> str:
    """`action_response` for an encoded card, as JSON text."""
    return f'{{"statusCode":200,"type":"{CONTENT_TYPE}","value":{card.text}}}'


def message_json(card: EncodedCard, **extra: str) -> str:
    """`message` for an encoded card (plus string fields such as an activity's `id`), as JSON text."""
    fields = "".join(f",{json.dumps(key)}:{json.dumps(value)}" for key, value in extra.items())
    return (
        f'{{"type":"message","summary":{json.dumps(card.summary)},'
        f'"attachments":[{{"contentType":"{CONTENT_TYPE}","content":{card.text}}}]{fields}}}'
    )


def dialog(title: str, content: dict[str, Any]) -> dict[str, Any]:
    """The answer to task/fetch or task/submit that shows (or keeps showing) a dialog with this card."""
    return {"task": {"type": "continue", "value": {"title": title, "card": attachment(content)}}}


def size(value: dict[str, Any]) -> int:
    """The bytes Teams counts for a card or a message: its compact JSON in UTF-8."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
