"""People named in what the bot sends: `<@person>` becomes a real Teams mention with their display name.

The shared wording names people the Slack way (`<@id>`), and the card builders keep those marks as they
are, because a name is not known where a card is drawn (the outbox renders long after the roster was
read). Just before a message or a dialog leaves, each mark becomes `<at>Name</at>` plus the mention
entity Teams needs to show it as a person (on the card for a card, on the activity for its text).
Names come from the rosters the bot reads anyway and live only in memory; an id not seen yet costs
one read of the people roster, at most every few minutes. Someone no roster holds any longer is
written as "someone", never as an opaque id.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from bot.i18n import _
from handlers.teams.cards.markup import inert
from handlers.teams.ids import teams_id

# A person as the shared wording names them (Slack's mark, with a domain person id).
MENTION = re.compile(r"<@([A-Za-z0-9%:_.-]+)(?:\|[^>]*)?>")
# What every mark starts with, in a string and in its JSON alike: text without it names nobody.
MENTION_MARK = "<@"
# However often unknown ids turn up, the people roster is read again no sooner than this.
REFRESH_SECONDS = 300.0
# Text Teams shows outside the card or message body, where `<at>` would be shown as typed.
_PLAIN_KEYS = frozenset({"fallbackText", "summary", "title"})
Roster = Callable[[], Awaitable[Iterable[Mapping[str, Any]]]]


class DisplayNames:
    """Display names by person id, learnt from roster reads (memory only)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.names: dict[str, str] = {}
        self.people: Roster | None = None
        self._clock = clock
        self._read_at: float | None = None

    def learn(self, accounts: Iterable[Mapping[str, Any]]) -> None:
        """Keep the display name of every account a roster read returned."""
        for account in accounts:
            user, name = str(account.get("id") or ""), str(account.get("name") or "").strip()
            if user and name:
                self.names[user] = name

    async def mention(self, body: Any) -> Any:
        """The body with every `<@id>` as a Teams mention (reading the roster once if a name is new)."""
        wanted = {teams_id(m) for m in _marks(body)}
        if wanted - self.names.keys() and self.people is not None and self._may_read():
            self._read_at = self._clock()
            self.learn(await self.people())
        return with_mentions(body, self.names)

    def _may_read(self) -> bool:
        return self._read_at is None or self._clock() - self._read_at >= REFRESH_SECONDS


def with_mentions(body: Any, names: Mapping[str, str]) -> Any:
    """A copy of `body` with its marks as mentions; cards and activities carry their own entities."""
    return _rewrite(body, names, entities=None)


def _rewrite(node: Any, names: Mapping[str, str], *, entities: list[dict[str, Any]] | None) -> Any:
    if isinstance(node, str):
        return _mark_mentions(node, names, entities)
    if isinstance(node, list):
        return [_rewrite(item, names, entities=entities) for item in node]
    if not isinstance(node, dict):
        return node
    # A card shows only the mentions it lists itself; an activity's text, those the activity lists.
    owns = node.get("type") == "AdaptiveCard" or (node.get("type") == "message" and "text" in node)
    found: list[dict[str, Any]] | None = [] if owns else entities
    rewritten = {
        # Previews and notifications show text as it is: there a name is a plain word.
        key: _rewrite(value, names, entities=None if key in _PLAIN_KEYS else found)
        for key, value in node.items()
    }
    if owns and found:
        unique = list({e["mentioned"]["id"]: e for e in found}.values())
        if node.get("type") == "AdaptiveCard":
            teams = dict(rewritten.get("msteams") or {})
            teams["entities"] = [*teams.get("entities", []), *unique]
            rewritten["msteams"] = teams
        else:
            rewritten["entities"] = [*rewritten.get("entities", []), *unique]
    return rewritten


def _mark_mentions(text: str, names: Mapping[str, str], entities: list[dict[str, Any]] | None) -> str:
    def one(match: re.Match[str]) -> str:
        user = teams_id(match.group(1))
        name = names.get(user)
        if name is None or entities is None:
            # Not someone Teams could show as a mention here: a plain word, never the id.
            return "@" + inert(name or _("someone"))
        shown = f"<at>{inert(name)}</at>"
        entities.append({"type": "mention", "text": shown, "mentioned": {"id": user, "name": name}})
        return shown

    return MENTION.sub(one, text)


def _marks(node: Any) -> list[str]:
    if isinstance(node, str):
        return MENTION.findall(node)
    if isinstance(node, list):
        return [m for item in node for m in _marks(item)]
    if isinstance(node, dict):
        return [m for value in node.values() for m in _marks(value)]
    return []
