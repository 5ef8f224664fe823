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
from bot.i18n import _, format_day
from bot.measures import label_of
from handlers.slack.blocks.mrkdwn import escape
from handlers.slack.blocks.policies import build_policy_reviewed_text, build_policy_saved_text
from handlers.slack.blocks.updates import (
    build_closed_action_blocks,
    build_update_failed_text,
    build_update_published_text,
    build_update_waiting_text,
)


def _pct(value: float | None) -> str:
    return _("not measurable") if value is None else f"{value:.0%}"


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
            "text": _(
                ":seedling: {by} adopted *{title}* — owner {owner}, due {due}. Measured by {measure}: baseline {before}."
            ).format(
                by=f"<@{note.by}>",
                title=a.title,
                owner=f"<@{a.owner_id}>",
                due=format_day(a.due_on, year=True),
                measure=label_of(a.construct_id),
                before=_pct(a.before_value),
            )
        }
    if isinstance(note, ActionProgress):
        a = note.action
        return {
            "text": _(":memo: Update on *{title}* (due {due}): {note}").format(
                title=a.title, due=format_day(a.due_on), note=a.progress_note or _("no note")
            )
        }
    if isinstance(note, ActionClosed):
        a = note.action
        # Closing never measures: the after figure comes from the next round to close.
        after = _("from the next pulse round to close") if a.after_round_id is None else _pct(a.after_value)
        text = _(":checkered_flag: Closed *{title}*. {measure}: before {before} → after {after}.").format(
            title=a.title,
            measure=label_of(a.construct_id),
            before=_pct(a.before_value),
            after=after,
        ) + (f" {a.outcome_note}" if a.outcome_note else "")
        # The button offers to tell employees what was done ("you said, we did").
        return {"text": text, "blocks": build_closed_action_blocks(text, action_id=a.id)}
    if isinstance(note, ActionChanged):
        a = note.action
        if note.change == "reopened":
            return {
                "text": f":leftwards_arrow_with_hook: <@{note.by}> reopened *{escape(a.title)}*; its after measure "
                "is taken again once it is closed."
            }
        return {
            "text": f":wastebasket: <@{note.by}> deleted the action *{escape(a.title)}* (its history is kept)."
        }
    if isinstance(note, PolicyChanged):
        p = note.status.policy
        if note.change == "retired":
            reason = f": {escape(p.retired_reason.rstrip('.'))}" if p.retired_reason else ""
            return {
                "text": f":file_cabinet: <@{note.by}> retired *{escape(p.name)}* from the policy register{reason}. "
                "No more review reminders for it."
            }
        if note.change == "restored":
            return {
                "text": f":spiral_note_pad: <@{note.by}> brought *{escape(p.name)}* back into the policy register; "
                f"next review {note.status.next_due:%d %b %Y}."
            }
        if note.change == "reviewed":
            return {"text": build_policy_reviewed_text(note.status, user_id=note.by)}
        return {"text": build_policy_saved_text(note.status, user_id=note.by, added=note.change == "added")}
    return {"text": _update_text(note, audience_channel=audience_channel)}
