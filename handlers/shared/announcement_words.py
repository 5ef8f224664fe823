"""The coordinators' notes about what a coordinator changed, in words, on every platform: improvement actions,
retired or restored policies, and how a "you said, we did" update went. Pure.

People stay `<@id>` marks. Each platform passes `quote`, which makes a coordinator's own words safe in its
markup, and says where an update went (`where`), since only Slack can name a channel from its id.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.announcements import ActionAdopted, ActionChanged, ActionClosed, ActionProgress, PolicyChanged
from bot.i18n import _, format_day
from bot.measures import label_of

Quote = Callable[[str], str]


def pct(value: float | None) -> str:
    """A favourable share, or that it cannot be measured."""
    return _("not measurable") if value is None else f"{value:.0%}"


def adopted_text(note: ActionAdopted, *, quote: Quote) -> str:
    """A practice adopted as an action: its owner, due date and measure."""
    a = note.action
    return _(
        ":seedling: {by} adopted *{title}* — owner {owner}, due {due}. Measured by {measure}: baseline {before}."
    ).format(
        by=f"<@{note.by}>",
        title=quote(a.title),
        owner=f"<@{a.owner_id}>",
        due=format_day(a.due_on, year=True),
        measure=label_of(a.construct_id),
        before=pct(a.before_value),
    )


def progress_text(note: ActionProgress, *, quote: Quote) -> str:
    """Progress noted on an action."""
    a = note.action
    return _(":memo: Update on *{title}* (due {due}): {note}").format(
        title=quote(a.title),
        due=format_day(a.due_on),
        note=quote(a.progress_note) if a.progress_note else _("no note"),
    )


def closed_text(note: ActionClosed, *, quote: Quote) -> str:
    """An action closed, with its measure before and after (the outcome note is the platform's to add)."""
    a = note.action
    # Closing never measures: the after figure comes from the next round to close.
    after = _("from the next pulse round to close") if a.after_round_id is None else pct(a.after_value)
    return _(":checkered_flag: Closed *{title}*. {measure}: before {before} → after {after}.").format(
        title=quote(a.title), measure=label_of(a.construct_id), before=pct(a.before_value), after=after
    )


def changed_text(note: ActionChanged, *, quote: Quote) -> str:
    """An action reopened or deleted (in English only: Slack's notes never catalogued these two)."""
    a = note.action
    if note.change == "reopened":
        return (
            f":leftwards_arrow_with_hook: <@{note.by}> reopened *{quote(a.title)}*; its after measure "
            "is taken again once it is closed."
        )
    return f":wastebasket: <@{note.by}> deleted the action *{quote(a.title)}* (its history is kept)."


def policy_moved_text(note: PolicyChanged, *, quote: Quote) -> str:
    """A policy retired from the register or brought back into it (English only, as on Slack)."""
    p = note.status.policy
    if note.change == "retired":
        reason = f": {quote(p.retired_reason.rstrip('.'))}" if p.retired_reason else ""
        return (
            f":file_cabinet: <@{note.by}> retired *{quote(p.name)}* from the policy register{reason}. "
            "No more review reminders for it."
        )
    return (
        f":spiral_note_pad: <@{note.by}> brought *{quote(p.name)}* back into the policy register; "
        f"next review {note.status.next_due:%d %b %Y}."
    )


def _about(title: str | None, quote: Quote) -> str:
    return _(" about *{title}*").format(title=quote(title)) if title else ""


def update_failed_text(*, user_id: str, title: str | None, where: str, error: str, quote: Quote) -> str:
    """The note that Slack refused an update's post, and what to do."""
    return _(
        ":warning: {who}'s ‘you said, we did’ update{about} was *not* published: Slack refused the"
        " post in {where} ({error}). Invite PeerPulse there (`/invite @PeerPulse`), then share"
        " the update again from the closed action."
    ).format(who=f"<@{user_id}>", about=_about(title, quote), where=where, error=quote(error))


def update_waiting_text(*, user_id: str, title: str | None, where: str, quote: Quote) -> str:
    """The note that an update is queued but not accepted yet."""
    return _(
        ":hourglass: {who}'s ‘you said, we did’ update{about} is queued for {where}, but Slack"
        " has not accepted it yet; PeerPulse keeps trying. If it does not appear soon, ask your admin to"
        " look at PeerPulse's log."
    ).format(who=f"<@{user_id}>", about=_about(title, quote), where=where)


def update_published_text(
    *, user_id: str, title: str | None, destination: str, where: str, recipients: int, quote: Quote
) -> str:
    """The note that an update went out (channel: posted `where`; DMs: on their way), before its words."""
    about = _about(title, quote)
    who = f"<@{user_id}>"
    if destination == "channel":
        published = _(":loudspeaker: {who} published a ‘you said, we did’ update{about} {where}:")
        return published.format(who=who, about=about, where=where)
    # A fan-out goes at the workspace's message rate: queued is what is true when this is said.
    shared = _(
        ":loudspeaker: {who} shared a ‘you said, we did’ update{about}; it is on its way"
        " as a direct message to {recipients} people in the pulse audience:"
    )
    return shared.format(who=who, about=about, recipients=recipients)
