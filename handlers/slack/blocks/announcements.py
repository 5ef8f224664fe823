"""The coordinators' channel's notes about what a coordinator changed, drawn from the domain's
announcements (bot/announcements.py). Pure builders."""

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
from handlers.shared.announcement_words import (
    adopted_text,
    changed_text,
    closed_text,
    policy_moved_text,
    progress_text,
)
from handlers.slack.blocks.mrkdwn import escape
from handlers.slack.blocks.policies import build_policy_reviewed_text, build_policy_saved_text
from handlers.slack.blocks.updates import (
    build_closed_action_blocks,
    build_update_failed_text,
    build_update_published_text,
    build_update_waiting_text,
)


def _update_text(note: UpdateShared, *, audience_channel: str | None) -> str:
    if note.outcome == "failed":
        return build_update_failed_text(
            user_id=note.by, title=note.title, audience_channel=audience_channel, error=note.error or ""
        )
    if note.outcome == "waiting":
        return build_update_waiting_text(user_id=note.by, title=note.title, audience_channel=audience_channel)
    return build_update_published_text(
        user_id=note.by,
        title=note.title,
        text=note.text,
        destination=note.destination,
        audience_channel=audience_channel,
        recipients=note.recipients,
    )


def build_announcement(note: Announcement, *, audience_channel: str | None) -> dict[str, Any]:
    """The note as a Slack message: its text, and blocks where it has a button."""
    if isinstance(note, ActionAdopted):
        # A coordinator's own words are escaped: a title must not become a mention or a link.
        return {"text": adopted_text(note, quote=escape)}
    if isinstance(note, ActionProgress):
        return {"text": progress_text(note, quote=escape)}
    if isinstance(note, ActionClosed):
        a = note.action
        text = closed_text(note, quote=escape) + (f" {escape(a.outcome_note)}" if a.outcome_note else "")
        # The button offers to tell employees what was done ("you said, we did").
        return {"text": text, "blocks": build_closed_action_blocks(text, action_id=a.id)}
    if isinstance(note, ActionChanged):
        return {"text": changed_text(note, quote=escape)}
    if isinstance(note, PolicyChanged):
        if note.change in ("retired", "restored"):
            return {"text": policy_moved_text(note, quote=escape)}
        if note.change == "reviewed":
            return {"text": build_policy_reviewed_text(note.status, user_id=note.by)}
        return {"text": build_policy_saved_text(note.status, user_id=note.by, added=note.change == "added")}
    return {"text": _update_text(note, audience_channel=audience_channel)}
