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
from bot.i18n import _, format_day
from bot.measures import label_of
from handlers.shared.policy_words import reviewed_text, saved_text
from handlers.teams.cards.card import card, lines, note, text
from handlers.teams.cards.improvement import share_button
from handlers.teams.cards.markup import inert


def _pct(value: float | None) -> str:
    return _("not measurable") if value is None else f"{value:.0%}"


def _who(user_id: str) -> str:
    return f"<@{user_id}>"


def _quoted(words: str) -> list[dict[str, Any]]:
    """A coordinator's own multi-line words, line by line, inert (never our markup)."""
    return [
        {"type": "TextBlock", "text": inert(line), "wrap": True, "spacing": "none", "isSubtle": True}
        for line in words.splitlines()
        if line.strip()
    ]


def _about(title: str | None) -> str:
    return _(" about *{title}*").format(title=inert(title)) if title else ""


def _update_shared(note_: UpdateShared, *, audience_channel: str | None) -> tuple[str, list[dict[str, Any]]]:
    # A card cannot name a Teams channel from its id (Slack's <#id> has no Teams form): said in words.
    where = _("the audience channel")
    if note_.outcome == "failed":
        said = _(
            ":warning: {who}'s ‘you said, we did’ update{about} was *not* published: Slack refused the"
            " post in {where} ({error}). Invite PeerPulse there (`/invite @PeerPulse`), then share"
            " the update again from the closed action."
        ).format(who=_who(note_.by), about=_about(note_.title), where=where, error=inert(note_.error or ""))
        return said, []
    if note_.outcome == "waiting":
        said = _(
            ":hourglass: {who}'s ‘you said, we did’ update{about} is queued for {where}, but Slack"
            " has not accepted it yet; PeerPulse keeps trying. If it does not appear soon, ask your admin to"
            " look at PeerPulse's log."
        ).format(who=_who(note_.by), about=_about(note_.title), where=where)
        return said, []
    if note_.destination == "channel":
        said = _(":loudspeaker: {who} published a ‘you said, we did’ update{about} {where}:").format(
            who=_who(note_.by), about=_about(note_.title), where=_("in {channel}").format(channel=where)
        )
    else:
        said = _(
            ":loudspeaker: {who} shared a ‘you said, we did’ update{about}; it is on its way"
            " as a direct message to {recipients} people in the pulse audience:"
        ).format(who=_who(note_.by), about=_about(note_.title), recipients=note_.recipients)
    return said, _quoted(note_.text)


def announcement_text(
    note_: Announcement, *, audience_channel: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """The note's words (catalogued, Slack-marked) and any of a person's own words to show after them."""
    if isinstance(note_, ActionAdopted):
        a = note_.action
        return _(
            ":seedling: {by} adopted *{title}* — owner {owner}, due {due}. Measured by {measure}: baseline {before}."
        ).format(
            by=_who(note_.by),
            title=inert(a.title),
            owner=_who(a.owner_id),
            due=format_day(a.due_on, year=True),
            measure=label_of(a.construct_id),
            before=_pct(a.before_value),
        ), []
    if isinstance(note_, ActionProgress):
        a = note_.action
        return _(":memo: Update on *{title}* (due {due}): {note}").format(
            title=inert(a.title),
            due=format_day(a.due_on),
            note=inert(a.progress_note) if a.progress_note else _("no note"),
        ), []
    if isinstance(note_, ActionClosed):
        a = note_.action
        # Closing never measures: the after figure comes from the next round to close.
        after = _("from the next pulse round to close") if a.after_round_id is None else _pct(a.after_value)
        said = _(":checkered_flag: Closed *{title}*. {measure}: before {before} → after {after}.").format(
            title=inert(a.title), measure=label_of(a.construct_id), before=_pct(a.before_value), after=after
        )
        return said, _quoted(a.outcome_note) if a.outcome_note else []
    if isinstance(note_, ActionChanged):
        # The Slack notes say these two in English only (not catalogued); Teams says the same.
        a = note_.action
        if note_.change == "reopened":
            return (
                f":leftwards_arrow_with_hook: {_who(note_.by)} reopened *{inert(a.title)}*; its after measure "
                "is taken again once it is closed."
            ), []
        return (
            f":wastebasket: {_who(note_.by)} deleted the action *{inert(a.title)}* (its history is kept).",
            [],
        )
    if isinstance(note_, PolicyChanged):
        p = note_.status.policy
        if note_.change == "retired":
            reason = f": {inert(p.retired_reason.rstrip('.'))}" if p.retired_reason else ""
            return (
                f":file_cabinet: {_who(note_.by)} retired *{inert(p.name)}* from the policy register{reason}. "
                "No more review reminders for it."
            ), []
        if note_.change == "restored":
            return (
                f":spiral_note_pad: {_who(note_.by)} brought *{inert(p.name)}* back into the policy register; "
                f"next review {note_.status.next_due:%d %b %Y}."
            ), []
        if note_.change == "reviewed":
            return reviewed_text(note_.status, user_id=note_.by, quote=inert), []
        return saved_text(note_.status, user_id=note_.by, added=note_.change == "added", quote=inert), []
    return _update_shared(note_, audience_channel=audience_channel)


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
