"""Notes for the coordinators' conversation about what a coordinator changed, and "you said, we did"
updates, as simple cards. Pure builders; the wording is the Slack notes' (bot/announcements.py views).
"""

from __future__ import annotations

from typing import Any

from bot.announcements import (
    ActionAdopted,
    ActionChanged,
    ActionClosed,
    ActionProgress,
    Announcement,
    PolicyChanged,
    UpdateShared,
)
from bot.i18n import _
from handlers.shared.announcement_words import (
    adopted_text,
    changed_text,
    closed_text,
    policy_moved_text,
    progress_text,
    update_failed_text,
    update_published_text,
    update_waiting_text,
)
from handlers.shared.policy_words import reviewed_text, saved_text
from handlers.teams.cards.card import card, lines, note, text
from handlers.teams.cards.improvement import share_button
from handlers.teams.cards.markup import inert


def _who(user_id: str) -> str:
    return f"<@{user_id}>"


def _quoted(words: str) -> list[dict[str, Any]]:
    """A coordinator's own multi-line words, line by line, inert (never our markup)."""
    return [
        {"type": "TextBlock", "text": inert(line), "wrap": True, "spacing": "none", "isSubtle": True}
        for line in words.splitlines()
        if line.strip()
    ]


def _update_shared(note_: UpdateShared) -> tuple[str, list[dict[str, Any]]]:
    # A card cannot name a Teams channel from its id (Slack's <#id> has no Teams form): said in words.
    where = _("the audience channel")
    if note_.outcome == "failed":
        failed = update_failed_text(
            user_id=note_.by, title=note_.title, where=where, error=note_.error or "", quote=inert
        )
        return failed, []
    if note_.outcome == "waiting":
        return update_waiting_text(user_id=note_.by, title=note_.title, where=where, quote=inert), []
    said = update_published_text(
        user_id=note_.by,
        title=note_.title,
        destination=note_.destination,
        where=_("in {channel}").format(channel=where),
        recipients=note_.recipients,
        quote=inert,
    )
    return said, _quoted(note_.text)


def announcement_text(
    note_: Announcement, *, audience_channel: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """The note's words (catalogued, Slack-marked) and any of a person's own words to show after them."""
    if isinstance(note_, ActionAdopted):
        return adopted_text(note_, quote=inert), []
    if isinstance(note_, ActionProgress):
        return progress_text(note_, quote=inert), []
    if isinstance(note_, ActionClosed):
        a = note_.action
        return closed_text(note_, quote=inert), _quoted(a.outcome_note) if a.outcome_note else []
    if isinstance(note_, ActionChanged):
        return changed_text(note_, quote=inert), []
    if isinstance(note_, PolicyChanged):
        if note_.change in ("retired", "restored"):
            return policy_moved_text(note_, quote=inert), []
        if note_.change == "reviewed":
            return reviewed_text(note_.status, user_id=note_.by, quote=inert), []
        return saved_text(note_.status, user_id=note_.by, added=note_.change == "added", quote=inert), []
    return _update_shared(note_)


def build_announcement_card(note_: Announcement, *, audience_channel: str | None) -> dict[str, Any]:
    """The note as a card: its words, then anyone's own words quoted inert."""
    said, quoted = announcement_text(note_, audience_channel=audience_channel)
    # A closed action's note carries the button to tell employees about it, as on Slack.
    share = (
        [{"type": "ActionSet", "actions": [share_button(note_.action.id)]}]
        if isinstance(note_, ActionClosed)
        else []
    )
    return card([*lines(said), *quoted, *share], fallback=said.split("\n")[0])


def build_update_card(words: str) -> dict[str, Any]:
    """A "you said, we did" update as employees receive it."""
    return card(
        [
            text(_(":loudspeaker: *You said, we did*"), weight="bolder"),
            *_quoted(words),
            note(_("From the peer-support program's coordinators. Your pulse answers stay anonymous.")),
        ],
        fallback=_("You said, we did: {text}").format(text=inert(" ".join(words.split())))[:1000],
    )
