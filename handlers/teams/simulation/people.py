"""People in the simulated tenant talking to a running PeerPulse, through signed Bot Connector requests."""

from __future__ import annotations

from typing import Any

import aiohttp

from handlers.teams.simulation.activities import (
    card_action,
    installation_update,
    personal_message,
    task_invoke,
)
from handlers.teams.simulation.connector import FakeTeams, SentActivity
from handlers.teams.simulation.tenant import TeamsUser

REGION = "emea"


class TeamsPeople:
    """Sends what Teams sends on a person's behalf (installs, typed messages, card taps) to the bot."""

    def __init__(
        self, fake: FakeTeams, session: aiohttp.ClientSession, *, bot_url: str, region: str = REGION
    ):
        self.fake = fake
        self.session = session
        self.bot_url = bot_url.rstrip("/") + "/api/messages"
        # The regional connector serving these people's chats (Teams picks one per tenant's region).
        self.service_url = fake.regional_service_url(region)

    def user(self, user_id: str) -> TeamsUser:
        """The tenant's user with this id."""
        return self.fake.tenant.users[user_id]

    def chat(self, user_id: str) -> str:
        """The person's 1:1 chat with the bot."""
        return self.fake.personal_conversation(user_id)

    async def install(self, user_id: str, *, action: str = "add") -> int:
        """The app is installed (or removed) for the person; Teams tells the bot."""
        activity = installation_update(
            self.fake.tenant,
            self.user(user_id),
            action=action,
            service_url=self.service_url,
            conversation_id=self.chat(user_id),
        )
        status, _ = await self.post(activity)
        return status

    async def say(self, user_id: str, text: str) -> int:
        """The person types a message in their chat with the bot."""
        activity = personal_message(
            self.fake.tenant,
            self.user(user_id),
            text=text,
            service_url=self.service_url,
            conversation_id=self.chat(user_id),
        )
        status, _ = await self.post(activity)
        return status

    def tap_activity(
        self, user_id: str, *, verb: str, data: dict[str, Any], message_id: str | None = None
    ) -> dict[str, Any]:
        """The invoke Teams sends when the person taps an Action.Execute button (on message `message_id`)."""
        return card_action(
            self.fake.tenant,
            self.user(user_id),
            verb=verb,
            data=data,
            service_url=self.service_url,
            conversation_id=self.chat(user_id),
            reply_to_id=message_id,
        )

    def task_activity(
        self, user_id: str, *, name: str, data: dict[str, Any], message_id: str | None = None
    ) -> dict[str, Any]:
        """The invoke Teams sends when the person opens a dialog (task/fetch) or sends it (task/submit)."""
        return task_invoke(
            self.fake.tenant,
            self.user(user_id),
            name=name,
            data=data,
            service_url=self.service_url,
            conversation_id=self.chat(user_id),
            reply_to_id=message_id,
        )

    async def open_dialog(
        self, user_id: str, button: dict[str, Any], *, message_id: str | None = None
    ) -> Any:
        """Tap a task/fetch button; the invoke's answer (a dialog, or a message)."""
        status, body = await self.post(
            self.task_activity(user_id, name="task/fetch", data=button["data"], message_id=message_id)
        )
        assert status == 200, status
        return body

    async def send_dialog(self, user_id: str, dialog: dict[str, Any], inputs: dict[str, Any]) -> Any:
        """Fill in an open dialog and press its Action.Submit: Teams merges the inputs into its data."""
        (send,) = submit_buttons(dialog["task"]["value"]["card"]["content"])
        data = {**send["data"], **inputs}
        status, body = await self.post(self.task_activity(user_id, name="task/submit", data=data))
        assert status == 200, status
        return body

    async def post(self, activity: dict[str, Any], *, authorization: str | None = None) -> tuple[int, Any]:
        """Deliver an activity signed as the Bot Connector signs it (or with the given header)."""
        header = authorization if authorization is not None else self.fake.authorization(activity)
        async with self.session.post(
            self.bot_url, json=activity, headers={"Authorization": header}
        ) as response:
            body: Any = (
                await response.json()
                if response.content_type == "application/json"
                else await response.text()
            )
            return response.status, body

    async def tap_message_back(self, user_id: str, button: dict[str, Any], *, message_id: str) -> int:
        """Tap an Action.Submit whose data is a messageBack (the policy register's list switches): Teams
        sends its `text` as the person's message, in reply to the card, with any `value` it names."""
        back = button["data"]["msteams"]
        assert back["type"] == "messageBack", back
        activity = personal_message(
            self.fake.tenant,
            self.user(user_id),
            text=back["text"],
            service_url=self.service_url,
            conversation_id=self.chat(user_id),
        )
        activity["replyToId"] = message_id
        if "value" in back:
            activity["value"] = back["value"]
        status, _ = await self.post(activity)
        return status

    # Improvement loop (teams-actions): the digest's and the closed note's buttons sit in a channel.
    async def open_channel_dialog(
        self, user_id: str, button: dict[str, Any], *, channel: str, message_id: str | None = None
    ) -> Any:
        """Tap a task/fetch button on a card posted in a team channel; the invoke's answer."""
        activity = self.task_activity(user_id, name="task/fetch", data=button["data"], message_id=message_id)
        activity["conversation"] = {
            "conversationType": "channel",
            "tenantId": self.fake.tenant.id,
            "id": channel,
        }
        status, body = await self.post(activity)
        assert status == 200, status
        return body


def _actions(node: Any, kind: str) -> list[dict[str, Any]]:
    """The actions of this type anywhere in a card (or a list of cards), in card order."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == kind:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(node)
    return found


def answer_buttons(activity: SentActivity) -> list[dict[str, Any]]:
    """The Action.Execute buttons of the cards a message carries (title, verb, data), in card order."""
    return _actions([a.get("content") for a in activity.attachments], "Action.Execute")


def card_buttons(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The Action.Execute buttons of one card (a redrawn card an invoke answered with)."""
    return _actions(content, "Action.Execute")


def submit_buttons(content: Any) -> list[dict[str, Any]]:
    """The Action.Submit buttons of a card (or of the cards a message carries), in card order."""
    if isinstance(content, SentActivity):
        content = [a.get("content") for a in content.attachments]
    return _actions(content, "Action.Submit")
