"""The coordinators' channel's notes about what a coordinator changed, drawn from the domain's
announcements (bot/announcements.py). Pure builders."""

from __future__ import annotations

from typing import Any

from bot.announcements import (
    ActionAdopted,
    ActionClosed,
    ActionProgress,
    Announcement,
    PolicyChanged,
    UpdateShared,
)
from bot.measures import label_of
from handlers.slack.blocks.policies import build_policy_reviewed_text, build_policy_saved_text
from handlers.slack.blocks.updates import (
    build_closed_action_blocks,
    build_update_failed_text,
    build_update_published_text,
    build_update_waiting_text,
)


def _pct(value: float | None) -> str:
    return "not measurable" if value is None else f"{value:.0%}"


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
        a = note.action
        return {
            "text": (
                f":seedling: <@{note.by}> adopted *{a.title}* — owner <@{a.owner_id}>, due {a.due_on:%d %b %Y}. "
                f"Measured by {label_of(a.construct_id)}: baseline {_pct(a.before_value)}."
            )
        }
    if isinstance(note, ActionProgress):
        a = note.action
        return {
            "text": f":memo: Update on *{a.title}* (due {a.due_on:%d %b}): {a.progress_note or 'no note'}"
        }
    if isinstance(note, ActionClosed):
        a = note.action
        text = (
            f":checkered_flag: Closed *{a.title}*. {label_of(a.construct_id)}: "
            f"before {_pct(a.before_value)} → after "
            # Closing never measures: the after figure comes from the next round to close.
            + (
                "from the next pulse round to close."
                if a.after_round_id is None
                else f"{_pct(a.after_value)}."
            )
            + (f" {a.outcome_note}" if a.outcome_note else "")
        )
        # The button offers to tell employees what was done ("you said, we did").
        return {"text": text, "blocks": build_closed_action_blocks(text, action_id=a.id)}
    if isinstance(note, PolicyChanged):
        if note.change == "reviewed":
            return {"text": build_policy_reviewed_text(note.status, user_id=note.by)}
        return {"text": build_policy_saved_text(note.status, user_id=note.by, added=note.change == "added")}
    return {"text": _update_text(note, audience_channel=audience_channel)}
