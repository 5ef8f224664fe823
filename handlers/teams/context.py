"""What every Teams listener works with: the services, the address book and a way to reply."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.errors import DeliveryError
from bot.help import HelpReplies
from bot.services import Services
from handlers.teams.addresses import AddressBook
from handlers.teams.cards.card import message
from handlers.teams.connector import ConnectorClient, conversation_path
from handlers.teams.names import DisplayNames
from handlers.teams.payloads import conversation_of

log = logging.getLogger(__name__)


@dataclass
class TeamsContext:
    """One platform's listeners' shared state (built by the platform when it is wired)."""

    services: Services
    addresses: AddressBook
    client: ConnectorClient
    tenant_id: str
    # Names people in dialogs and invoke answers too (messages get theirs as they leave).
    names: DisplayNames = field(default_factory=DisplayNames)
    help_replies: HelpReplies = field(init=False)

    def __post_init__(self) -> None:
        self.help_replies = HelpReplies(self.services.clock)

    def reply(self, activity: dict[str, Any], text: str) -> None:
        """Answer an activity in its own conversation, after the HTTP answer (Teams waits for that)."""
        self.services.spawn(self._send(activity, text))

    async def send_card(
        self,
        activity: dict[str, Any],
        content: dict[str, Any],
        *,
        failure: str = "a reply in Teams could not be sent",
    ) -> None:
        """Answer an activity with a card in its own conversation (its fallback as the summary)."""
        await self.post(
            activity, message(content, summary=str(content.get("fallbackText", ""))), failure=failure
        )

    async def _send(self, activity: dict[str, Any], text: str) -> None:
        await self.post(activity, {"type": "message", "text": text})

    async def post(
        self,
        activity: dict[str, Any],
        reply: dict[str, Any],
        *,
        threaded: bool = True,
        failure: str = "a reply in Teams could not be sent",
    ) -> None:
        """Post a message in the activity's conversation (`threaded`: as its reply); a failure is logged as `failure`."""
        conversation = conversation_of(activity)
        try:
            await self.client.request(
                "POST",
                conversation_path(conversation, "activities"),
                json={**reply, "replyToId": activity.get("id")} if threaded else reply,
                operation="send",
                conversation=conversation,
                service_url=str(activity.get("serviceUrl") or "") or None,
            )
        except DeliveryError as exc:
            # Logged without who or what: only that a reply failed and why.
            log.warning("%s (%s)", failure, exc)

    async def rewrite(
        self, activity: dict[str, Any], ref: str, update: dict[str, Any], *, failure: str
    ) -> bool:
        """Replace message `ref` in the activity's conversation; False, logged as `failure`, if Teams would not."""
        conversation = conversation_of(activity)
        try:
            await self.client.request(
                "PUT",
                conversation_path(conversation, "activities", ref),
                json={**update, "id": ref},
                operation="update",
                conversation=conversation,
                service_url=str(activity.get("serviceUrl") or "") or None,
            )
        except DeliveryError as exc:
            # Logged without who or what: only that a rewrite failed and why.
            log.warning("%s (%s)", failure, exc)
            return False
        return True
