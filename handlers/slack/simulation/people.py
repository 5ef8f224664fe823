"""Simulated people: they read what the app sent them in the fake Slack and click, type, submit."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.slack.simulation.signing import (
    SlackSender,
    block_actions,
    direct_message,
    event_callback,
    slash_command,
    view_submission,
)
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import dm_channel_id

PULSE_ANSWER_PREFIX = "pulse_answer_"
COMMENT_ACTION = "pulse_comment"
SEND_ROUND_ACTION = "pulse_round_send"


@dataclass(frozen=True)
class Button:
    """A clickable button found in a message."""

    action_id: str
    block_id: str
    value: str
    label: str

    @property
    def answer(self) -> dict[str, Any]:
        """The decoded pulse answer the button carries."""
        data: dict[str, Any] = json.loads(self.value)
        return data


class People:
    """Drives the app as workspace members would, through signed requests."""

    def __init__(self, slack: FakeSlack, sender: SlackSender, *, app_url: str, signing_secret: str) -> None:
        self.slack = slack
        self.sender = sender
        self.events_url = app_url.rstrip("/") + "/slack/events"
        self.signing_secret = signing_secret

    async def post(self, body_and_type: tuple[bytes, str], **kwargs: Any) -> tuple[int, Any]:
        """Send a signed body to the app."""
        body, content_type = body_and_type
        return await self.sender.send(
            self.events_url, body, content_type, signing_secret=self.signing_secret, **kwargs
        )

    async def command(self, user_id: str, command: str, text: str = "", **kwargs: Any) -> tuple[int, Any]:
        """Type a slash command (with a live trigger id and a response URL on the fake)."""
        body = slash_command(
            command,
            text,
            user_id=user_id,
            trigger_id=self.slack.new_trigger_id(user_id),
            response_url=self.slack.new_response_url(),
            **kwargs,
        )
        return await self.post(body)

    async def command_reply(
        self, user_id: str, command: str, text: str = "", **kwargs: Any
    ) -> tuple[int, Any, str]:
        """Type a slash command; also return the response_url it carried, to read later replies."""
        url = self.slack.new_response_url()
        body = slash_command(
            command, text, user_id=user_id, trigger_id=self.slack.new_trigger_id(user_id), response_url=url
        )
        status, reply = await self.post(body, **kwargs)
        return status, reply, url

    async def response_message(
        self, user_id: str, url: str, *, action_prefix: str = "", timeout: float = 15.0
    ) -> Message | None:
        """The latest message the app sent to a response_url (with a button starting with action_prefix)."""
        deadline = time.monotonic() + timeout
        while True:
            for post in reversed(self.slack.responses(url)):
                message = Message(
                    channel=dm_channel_id(user_id),
                    ts=f"{post.at:.6f}",
                    text=str(post.body.get("text", "")),
                    blocks=post.body.get("blocks") or [],
                )
                if not action_prefix or self.find_buttons(message, action_prefix):
                    return message
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(0.02)

    async def send_pulse(self, user_id: str, **kwargs: Any) -> tuple[int, Any]:
        """`/pulse send`, then "Send it" on the confirmation it shows: a coordinator opening a round.

        Returns the command's own answer; when no confirmation comes (a refusal), nothing is clicked.
        """
        status, reply, url = await self.command_reply(user_id, "/pulse", "send", **kwargs)
        if status != 200:
            return status, reply
        confirmation = await self.response_message(user_id, url)
        if confirmation is not None and self.find_buttons(confirmation, SEND_ROUND_ACTION):
            button = self.find_buttons(confirmation, SEND_ROUND_ACTION)[0]
            clicked, _ = await self.click(user_id, confirmation, button, **kwargs)
            assert clicked == 200, f"'Send it' answered HTTP {clicked}"
        return status, reply

    def pulse_message(self, user_id: str) -> Message | None:
        """The newest pulse survey DM the user received."""
        for message in reversed(self.slack.dm_messages(user_id)):
            if self.buttons(message):
                return message
        return None

    @staticmethod
    def buttons(message: Message) -> list[Button]:
        """Every PeerPulse button in a message."""
        found = []
        for block in message.blocks or []:
            for element in block.get("elements", []):
                if element.get("type") == "button" and str(element.get("action_id", "")).startswith(
                    (PULSE_ANSWER_PREFIX, COMMENT_ACTION)
                ):
                    found.append(
                        Button(
                            element["action_id"],
                            block.get("block_id", ""),
                            element["value"],
                            element["text"]["text"],
                        )
                    )
        return found

    @staticmethod
    def find_buttons(message: Message, action_prefix: str) -> list[Button]:
        """Buttons in a message whose action id starts with a prefix."""
        return [
            Button(
                element["action_id"],
                block.get("block_id", ""),
                element.get("value", ""),
                element["text"]["text"],
            )
            for block in message.blocks or []
            for element in block.get("elements", [])
            if element.get("type") == "button" and str(element.get("action_id", "")).startswith(action_prefix)
        ]

    def answer_buttons(self, message: Message) -> dict[str, list[Button]]:
        """Answer buttons grouped by question id, in value order ("Prefer not to say" left out)."""
        grouped: dict[str, list[Button]] = {}
        for button in self.buttons(message):
            if button.action_id.startswith(PULSE_ANSWER_PREFIX) and "d" not in button.answer:
                grouped.setdefault(button.answer["q"], []).append(button)
        return grouped

    def decline_buttons(self, message: Message) -> dict[str, Button]:
        """The "Prefer not to say" button of each question that has one, by question id."""
        return {
            button.answer["q"]: button
            for button in self.buttons(message)
            if button.action_id.startswith(PULSE_ANSWER_PREFIX) and "d" in button.answer
        }

    async def click(self, user_id: str, message: Message, button: Button, **kwargs: Any) -> tuple[int, Any]:
        """Click a button in a message."""
        body = block_actions(
            user_id=user_id,
            action_id=button.action_id,
            block_id=button.block_id,
            value=button.value,
            channel_id=message.channel,
            message_ts=message.ts,
            trigger_id=self.slack.new_trigger_id(user_id),
            # Slack gives every click its own response_url, bound to the message clicked.
            response_url=self.slack.new_response_url(message.channel, message.ts),
            message={"ts": message.ts, "text": message.text, "blocks": message.blocks or []},
        )
        return await self.post(body, **kwargs)

    async def answer_pulse(self, user_id: str, choose: Callable[[str, list[Button]], Button | None]) -> int:
        """Answer each question in the user's pulse DM with `choose`; return clicks made."""
        message = self.pulse_message(user_id)
        if message is None:
            return 0
        clicks = 0
        for question_id, options in self.answer_buttons(message).items():
            picked = choose(question_id, options)
            if picked is None:
                continue
            status, _ = await self.click(user_id, message, picked)
            assert status == 200, f"click answered HTTP {status}"
            clicks += 1
        return clicks

    def comment_button(self, message: Message) -> Button | None:
        """The free-text question's button, if the pulse has one."""
        return next((b for b in self.buttons(message) if b.action_id == COMMENT_ACTION), None)

    async def submit_view(
        self, user_id: str, *, callback_id: str, private_metadata: str, state_values: dict[str, Any]
    ) -> tuple[int, Any]:
        """Submit a modal."""
        return await self.post(
            view_submission(
                user_id=user_id,
                callback_id=callback_id,
                private_metadata=private_metadata,
                state_values=state_values,
            )
        )

    async def event(self, event: dict[str, Any], *, event_id: str, **kwargs: Any) -> tuple[int, Any]:
        """Deliver an Events API event."""
        return await self.post(event_callback(event, event_id=event_id), **kwargs)

    async def write_to_bot(self, user_id: str, text: str, **kwargs: Any) -> tuple[int, Any]:
        """Type a message in the bot's Messages tab: Slack keeps it, then sends the app message.im."""
        message = self.slack.person_writes(user_id, text)
        return await self.post(event_callback(direct_message(user_id, text, ts=message.ts)), **kwargs)
