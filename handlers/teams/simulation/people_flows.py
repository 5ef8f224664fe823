"""What a person does in several taps on Teams (type a command, tap a card's button, fill in and send the
dialog), put together from `TeamsPeople`'s signed requests; used by `PLATFORM=teams make demo`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from handlers.teams.cards.answers import ANSWER_VERB
from handlers.teams.simulation.activities import personal_message
from handlers.teams.simulation.connector import SentActivity
from handlers.teams.simulation.people import TeamsPeople, answer_buttons, submit_buttons

_INPUTS = ("Input.Text", "Input.Number", "Input.Date", "Input.ChoiceSet", "Input.Toggle", "Input.Time")


class DialogRefused(RuntimeError):
    """A dialog came back with errors under its fields (what the person would read there)."""


async def until(check: Callable[[], Any], *, timeout: float = 30.0) -> Any:  # noqa: ASYNC109
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("waited too long for the app; see the log above")
        await asyncio.sleep(0.05)


def card_texts(node: Any) -> list[str]:
    """The TextBlocks' words anywhere in a card, a dialog answer or a list of them, in order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(str(node.get("text", "")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(node)
    return found


def message_texts(activity: SentActivity) -> list[str]:
    """A message's text, then the words of the cards it carries."""
    return [t for t in [activity.text, *card_texts([a.get("content") for a in activity.attachments])] if t]


def _is_pulse(activity: SentActivity) -> bool:
    """A pulse card (a coordinator is surveyed too): not a reply to what they typed."""
    return any(b.get("verb") == ANSWER_VERB for b in answer_buttons(activity))


def with_action(
    activity: SentActivity, action: str, *, key: str = "action", **data: str
) -> list[dict[str, Any]]:
    """The message's Action.Submit buttons whose data names `action` under `key` (and also holds `data`)."""
    return [
        b
        for b in submit_buttons(activity)
        if b["data"].get(key) == action and all(b["data"].get(k) == v for k, v in data.items())
    ]


def dialog_values(answer: dict[str, Any]) -> dict[str, str]:
    """Every input of an open dialog with its value as drawn: what Teams sends for fields left alone."""
    body = answer["task"]["value"]["card"]["content"]["body"]
    values: dict[str, str] = {}
    for item in body:
        if item.get("type") in _INPUTS and "id" in item:
            value = item.get("value", "")
            values[item["id"]] = (
                str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
            )
    return values


def choices(answer: dict[str, Any], field: str) -> list[str]:
    """The values a dialog's choice set offers."""
    body = answer["task"]["value"]["card"]["content"]["body"]
    (found,) = [item for item in body if item.get("id") == field]
    return [str(c["value"]) for c in found.get("choices", [])]


def dialog_words(answer: dict[str, Any]) -> list[str]:
    """What a dialog's answer says (a message, or the card it turned into); raise if a field was refused."""
    task = answer["task"]
    if task["type"] == "message":
        return [str(task["value"])]
    body = task["value"]["card"]["content"]["body"]
    refused = [str(item["text"]) for item in body if item.get("color") == "attention"]
    if refused:
        raise DialogRefused("; ".join(refused))
    return card_texts(body)


async def reply_with(
    people: TeamsPeople, user: str, text: str, action: str, *, key: str = "action", **data: str
) -> tuple[SentActivity, dict[str, Any]]:
    """Type `text` in the chat; the bot's reply carrying a button for `action` (named under `key`), and
    that button."""
    chat = people.chat(user)
    before = len(people.fake.sent_to(chat))
    if await people.say(user, text) != 200:
        raise RuntimeError(f"the app refused the typed `{text}`")

    def found() -> list[tuple[SentActivity, dict[str, Any]]]:
        sent = people.fake.sent_to(chat)[before:]
        return [(a, b) for a in sent if not _is_pulse(a) for b in with_action(a, action, key=key, **data)]

    replies: list[tuple[SentActivity, dict[str, Any]]] = await until(found)
    return replies[0]


async def posted_with(
    people: TeamsPeople, channel: str, action: str, *, since: int = 0, **data: str
) -> tuple[SentActivity, dict[str, Any]]:
    """The first card posted in a channel (after the first `since`) with a button for `action`."""

    def found() -> list[tuple[SentActivity, dict[str, Any]]]:
        sent = people.fake.sent_to(channel)[since:]
        return [(a, b) for a in sent for b in with_action(a, action, **data)]

    cards: list[tuple[SentActivity, dict[str, Any]]] = await until(found)
    return cards[0]


async def open_from_chat(
    people: TeamsPeople, user: str, text: str, action: str, **data: str
) -> dict[str, Any]:
    """Type `text`, tap the reply's button for `action`: the dialog it opens."""
    card, button = await reply_with(people, user, text, action, **data)
    return await open_from_card(people, user, card, button)


async def open_from_card(
    people: TeamsPeople, user: str, card: SentActivity, button: dict[str, Any]
) -> dict[str, Any]:
    """Tap a button on a card in the person's chat: the dialog it opens."""
    return await _dialog(await people.open_dialog(user, button, message_id=card.id))


async def open_from_channel(
    people: TeamsPeople, user: str, channel: str, card: SentActivity, button: dict[str, Any]
) -> dict[str, Any]:
    """Tap a button on a card in a team channel: the dialog it opens."""
    return await _dialog(await people.open_channel_dialog(user, button, channel=channel, message_id=card.id))


async def tap_submit(people: TeamsPeople, user: str, card: SentActivity, button: dict[str, Any]) -> str:
    """Tap an Action.Submit on a card in the chat (Teams sends a message carrying its data, in reply to the
    card); the words the bot answered with, in place of the card or after it."""
    chat = people.chat(user)
    activity = personal_message(
        people.fake.tenant, people.user(user), text="", service_url=people.service_url, conversation_id=chat
    )
    del activity["text"]
    activity.update(value=button["data"], replyToId=card.id)
    before, updates = len(people.fake.sent_to(chat)), card.updates
    status, _ = await people.post(activity)
    if status != 200:
        raise RuntimeError(f"the app answered HTTP {status} to a tap")

    def answered() -> list[SentActivity]:
        sent = people.fake.sent_to(chat)
        redrawn = [a for a in sent[:before] if a.id == card.id and a.updates > updates]
        return redrawn + [a for a in sent[before:] if not _is_pulse(a)]

    replies: list[SentActivity] = await until(answered)
    return " ".join(message_texts(replies[0])[:1])


async def _dialog(answer: Any) -> dict[str, Any]:
    if not isinstance(answer, dict) or answer.get("task", {}).get("type") != "continue":
        raise RuntimeError(f"no dialog opened; the app answered {answer!r}")
    return answer


async def send(people: TeamsPeople, user: str, dialog: dict[str, Any], **changes: str) -> dict[str, Any]:
    """Fill in the dialog (fields not named keep what was drawn) and press its Send; the answer."""
    answer: dict[str, Any] = await people.send_dialog(user, dialog, {**dialog_values(dialog), **changes})
    dialog_words(answer)  # a refused field is a failure of the story, not a line to print
    return answer
