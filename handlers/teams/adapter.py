"""Teams implementations of the domain's Directory and Messenger ports, over the Bot Connector."""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from bot.ports import Member, OutgoingFile, OutgoingMessage, PostedMessage
from handlers.teams.addresses import AddressBook
from handlers.teams.connector import ConnectorClient, conversation_path
from handlers.teams.ids import PERSON_PREFIX, person_id, teams_id
from handlers.teams.names import DisplayNames

# The largest page the connector serves (it accepts 50 to 500).
MEMBERS_PAGE = 500
TimeZones = Callable[[], Awaitable[Mapping[str, str]]]


def member_from_account(account: Mapping[str, Any], timezones: Mapping[str, str]) -> Member:
    """Map a TeamsChannelAccount to a domain Member (its time zone from what the client reported).

    `timezones` is keyed by Teams user id; the member's id is the domain's (handlers/teams/ids.py).
    """
    user_id = str(account["id"])
    is_bot = user_id.startswith("28:")
    return Member(
        id=person_id(user_id),
        tz=timezones.get(user_id),
        real_name=" ".join(str(account.get(k) or "") for k in ("givenName", "surname")).strip()
        or str(account.get("name") or ""),
        # `name` is the display name Teams shows everyone.
        display_name=str(account.get("name") or ""),
        # Guests (external accounts) are not surveyed, as Slack's guests are not.
        active_human=not is_bot and account.get("userRole", "user") == "user",
        is_bot=is_bot,
    )


class TeamsDirectory:
    """Members from the rosters the bot can read (Teams has no tenant-wide user list for bots)."""

    def __init__(
        self,
        client: ConnectorClient,
        *,
        people_roster: str,
        timezones: Mapping[str, str] | None = None,
        time_zones: TimeZones | None = None,
        names: DisplayNames | None = None,
    ) -> None:
        """`time_zones`, when given, is read afresh for each listing (the platform's captured zones).

        `names`, when given, learns every display name a roster read returns.
        """
        self.client = client
        self.names = names
        # The team everyone belongs to (the org-wide team the app is installed in).
        self.people_roster = people_roster
        # Time zones are not in rosters: they come from activities' clientInfo (captured elsewhere).
        self.timezones: Mapping[str, str] = timezones if timezones is not None else {}
        self.time_zones = time_zones

    async def list_members(self) -> list[Member]:
        """Everyone in the people roster, paged."""
        zones = await self.time_zones() if self.time_zones is not None else self.timezones
        return [member_from_account(a, zones) for a in await self.roster(self.people_roster)]

    async def channel_members(self, conversation: str) -> set[str]:
        """The people in a team or channel (as domain person ids), read live."""
        return {person_id(str(a["id"])) for a in await self.roster(conversation)}

    async def roster(self, conversation: str) -> list[dict[str, Any]]:
        """Every account in a team or channel's roster, paged (its names learnt on the way)."""
        accounts = await self._roster(conversation)
        if self.names is not None:
            self.names.learn(accounts)
        return accounts

    async def _roster(self, conversation: str) -> list[dict[str, Any]]:
        accounts: list[dict[str, Any]] = []
        params = {"pageSize": str(MEMBERS_PAGE)}
        while True:
            page = await self.client.request(
                "GET", conversation_path(conversation, "pagedmembers"), params=params
            )
            accounts.extend(page.get("members") or [])
            token = page.get("continuationToken")
            if not token:
                return accounts
            params = {"pageSize": str(MEMBERS_PAGE), "continuationToken": str(token)}


class TeamsMessenger:
    """Sending and updating messages through the Bot Connector."""

    def __init__(
        self, client: ConnectorClient, *, tenant_id: str, addresses: AddressBook | None = None
    ) -> None:
        """With `addresses`, a person's 1:1 chat and its regional connector come from their install."""
        self.client = client
        self.tenant_id = tenant_id
        self.addresses = addresses
        # A person's 1:1 conversation id never changes, so one create call per person is enough.
        self._dms: dict[str, str] = {}
        # A paced client already waits for each call's turn; the outbox must not book twice.
        self.paced = client.pacer is not None

    def is_person(self, address: str) -> bool:
        """A person (29:…, as a Teams or a domain id) rather than a conversation (a:… personal, 19:… team)."""
        return address.startswith(("29:", PERSON_PREFIX))

    async def open_dm(self, user_id: str) -> str:
        """The 1:1 conversation with a person (403, not retryable, when the app is not installed)."""
        user_id = teams_id(user_id)
        if user_id not in self._dms and self.addresses is not None:
            known = await self.addresses.address_of(user_id)
            if known is not None:
                self._dms[user_id] = known.conversation_id
        if user_id not in self._dms:
            answer = await self.client.request(
                "POST",
                "v3/conversations",
                json={
                    "bot": {"id": f"28:{self.client.app_id}"},
                    "members": [{"id": user_id}],
                    "channelData": {"tenant": {"id": self.tenant_id}},
                    "tenantId": self.tenant_id,
                    "isGroup": False,
                },
                operation="create",
                conversation=user_id,
            )
            self._dms[user_id] = str(answer["id"])
        return self._dms[user_id]

    async def post(self, conversation: str, message: OutgoingMessage) -> PostedMessage:
        """Send a message (its text until the Adaptive Card renderers exist)."""
        return await self._send(conversation, _activity(message))

    async def update(self, conversation: str, ref: str, message: OutgoingMessage) -> PostedMessage:
        """Replace an earlier message in place (PUT on its activity)."""
        activity = {**_activity(message), "id": ref}
        await self.client.request(
            "PUT",
            conversation_path(conversation, "activities", ref),
            json=activity,
            operation="update",
            conversation=conversation,
            service_url=await self._service_url(conversation),
        )
        return PostedMessage(conversation=conversation, ref=ref)

    async def find_posted(self, conversation: str, *, since: datetime, outbox_id: int) -> str | None:
        """Always None: Teams gives bots no message history to look back in.

        The outbox therefore resends a message whose send was uncertain (at least once). A rare
        duplicate is cosmetic: answers are de-duplicated, so a second pulse card cannot count twice.
        """
        return None

    async def upload_file(
        self, conversation: str, file: OutgoingFile, *, comment: str, outbox_id: int
    ) -> None:
        """Share a file inline (a data: URL attachment; bots cannot upload files to channels).

        Nothing carries the outbox id: with no history to look in, nobody could read it back.
        """
        content_type = mimetypes.guess_type(file.filename)[0] or "application/octet-stream"
        data = base64.b64encode(file.content).decode("ascii")
        attachment = {
            "contentType": content_type,
            "contentUrl": f"data:{content_type};base64,{data}",
            "name": file.filename,
        }
        await self._send(conversation, {"type": "message", "text": comment, "attachments": [attachment]})

    async def _send(self, conversation: str, activity: dict[str, Any]) -> PostedMessage:
        if self.is_person(conversation):
            conversation = await self.open_dm(conversation)
        answer = await self.client.request(
            "POST",
            conversation_path(conversation, "activities"),
            json=activity,
            operation="send",
            conversation=conversation,
            service_url=await self._service_url(conversation),
        )
        return PostedMessage(conversation=conversation, ref=str(answer["id"]))

    async def _service_url(self, conversation: str) -> str | None:
        # Proactive messages must go to the region serving the conversation, as its install said.
        return await self.addresses.service_url_of(conversation) if self.addresses is not None else None


def _activity(message: OutgoingMessage) -> dict[str, Any]:
    activity: dict[str, Any] = {"type": "message", "text": message.text}
    if message.blocks:
        # On Teams a rendered message's `blocks` are its Bot Framework attachments (Adaptive Cards).
        activity["attachments"] = message.blocks
    return activity
