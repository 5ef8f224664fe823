"""Improvement actions on Teams: the adopt, update, close, history and confirm dialogs, and the
`pulse actions` card with its pages. Pure builders; every sentence is the Slack modals' and list's.

Dialog buttons are Action.Submit with Teams' task/fetch marker (the dialog opens from the card); a
dialog's Send comes back as task/submit with its inputs merged into the button's data. Paging is an
Action.Execute (`adaptiveCard/action`): the list is redrawn in place, as Slack's ephemeral list is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.actions import ActionPage
from bot.i18n import N_, _, format_day
from bot.measures import label_of
from handlers.shared.digest_words import after_reading, open_action_text, reading
from handlers.shared.improvement_words import history_lines
from handlers.teams.cards.card import card, dialog, lines, note, opens_dialog, text
from handlers.teams.cards.forms import choice_set, date_input, send_button, text_box, with_errors
from handlers.teams.cards.markup import inert
from storage.digest_models import ImprovementAction, ImprovementActionEvent

# Dialogs a card's button opens (task/fetch), by the `action` its data carries.
ADOPT = "action.adopt"
UPDATE = "action.update"
CLOSE = "action.close"
HISTORY = "action.history"
REOPEN = "action.reopen"
DELETE = "action.delete"
SHARE = "update.share"  # a closed action's "you said, we did" (cards/updates.py draws its dialogs)
# What each dialog's Send carries back (task/submit).
ADOPT_SAVE = "action.adopt.save"
UPDATE_SAVE = "action.update.save"
CLOSE_SAVE = "action.close.save"
REOPEN_SAVE = "action.reopen.save"
DELETE_SAVE = "action.delete.save"
# The list's paging buttons (adaptiveCard/action).
PAGE_VERB = "actions.page"

TITLE, OWNER, DUE, MEASURE, SUCCESS, NOTE = "title", "owner", "due", "measure", "success", "note"
# In a button's data: the action, the list a confirm dialog redraws, the list's message, a form's nonce.
ACTION_KEY, LIST_KEY, MESSAGE_KEY, NONCE_KEY = "a", "s", "m", "n"
SHARE_LABEL = N_("Share a ‘you said, we did’ update")

Element = dict[str, Any]


def share_button(action_id: str) -> Element:
    """The closed action note's button that opens the "you said, we did" draft (coordinators only, checked on open)."""
    return opens_dialog(_(SHARE_LABEL), SHARE, a=action_id)


def _required(item: Element, message: str | None = None) -> Element:
    """Required, as Slack's non-optional inputs are (Teams checks before sending; the domain checks again)."""
    item["isRequired"] = True
    if message:
        item["errorMessage"] = message
    return item


def build_adopt_dialog(
    *,
    practice_id: str,
    nonce: str,
    title: str,
    owner: str,
    owners: Sequence[tuple[str, str]],
    due: str,
    construct: str,
    constructs: Sequence[str],
    success: str = "",
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Adopt a suggested practice: owner, due date and the survey measure that judges it (Slack's fields)."""
    owner_choices = [{"title": name, "value": person} for person, name in owners]
    owner_choice = choice_set(OWNER, _("Owner"), owner_choices, owner, style="compact")
    # A practice with no survey measure preselects none: the coordinator picks one, or none fits.
    measure = choice_set(
        MEASURE,
        _("Success measure: which survey construct should move"),
        [{"title": label_of(c)[:75], "value": c} for c in constructs],
        construct if construct in constructs else None,
        style="compact",
    )
    fields = [
        _required(
            text_box(TITLE, _("Action"), title, max_length=200),
            _("Give the action a short title (up to 200 characters)."),
        ),
        _required(owner_choice, _("Pick who owns this action.")),
        _required(date_input(DUE, _("Due"), due), _("Pick a due date from today on.")),
        _required(measure, _("Pick the survey measure this action should move.")),
        text_box(SUCCESS, _("What success looks like (optional)"), success, max_length=300),
    ]
    body = [
        *with_errors(fields, errors or {}, fallback=TITLE),
        note(
            _(
                "The construct's current favourable share is kept as the baseline; once the action is "
                "closed, the digest tests every round before adoption against every round after it "
                "(a rank test on the whole answer scale) and says how many rounds each side used."
            )
        ),
        send_button(_("Adopt"), ADOPT_SAVE, p=practice_id, **{NONCE_KEY: nonce}),
    ]
    return dialog(_("Adopt as action"), card(body))


def _history(events: Sequence[ImprovementActionEvent]) -> list[Element]:
    return [
        text(_("*History*"), spacing="medium"),
        *[note(line) for line in history_lines(events, quote=inert)],
    ]


def build_history_dialog(*, title: str, events: Sequence[ImprovementActionEvent]) -> dict[str, Any]:
    """An action's history: who adopted, updated, closed, reopened or deleted it, and when. Read only."""
    return dialog(_("Action history"), card([text(f"*{inert(title)}*"), *_history(events)]))


def build_update_dialog(
    *,
    action: ImprovementAction,
    history: Sequence[ImprovementActionEvent] = (),
    typed: str = "",
    due: str | None = None,
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Record progress on an action, or move its due date; its history below."""
    fields = [
        _required(text_box(NOTE, _("Progress"), typed, max_length=500, multiline=True)),
        _required(
            date_input(DUE, _("Due"), due if due is not None else action.due_on.isoformat()),
            _("Pick a date from today on."),
        ),
    ]
    body = [
        text(f"*{inert(action.title)}*"),
        *with_errors(fields, errors or {}, fallback=NOTE),
        *(_history(history) if history else []),
        send_button(_("Save"), UPDATE_SAVE, **{ACTION_KEY: action.id}),
    ]
    return dialog(_("Update action"), card(body))


def build_close_dialog(
    *, action: ImprovementAction, typed: str = "", errors: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Close an action with what was done; its measure is read from the next round to close."""
    box = text_box(NOTE, _("What was done, and what changed"), typed, max_length=500, multiline=True)
    body = [
        text(f"*{inert(action.title)}*"),
        *with_errors([box], errors or {}, fallback=NOTE),
        note(
            _(
                "Its after measure is taken from the first pulse round that closes after now; "
                "until then the digest says it is waiting for that round."
            )
        ),
        send_button(_("Close"), CLOSE_SAVE, **{ACTION_KEY: action.id}),
    ]
    return dialog(_("Close action"), card(body))


def build_reopen_dialog(*, action: ImprovementAction, message_id: str | None) -> dict[str, Any]:
    """Slack's confirmation before reopening, as a dialog (Teams buttons have no confirm)."""
    words = _(
        "Its after measure is cleared and taken again from the first round that closes after it is closed again."
    )
    data = {ACTION_KEY: action.id, LIST_KEY: "closed", **({MESSAGE_KEY: message_id} if message_id else {})}
    body = [text(f"*{inert(action.title)}*"), text(words), send_button(_("Reopen"), REOPEN_SAVE, **data)]
    return dialog(_("Reopen this action?"), card(body))


def build_delete_dialog(*, action: ImprovementAction, message_id: str | None) -> dict[str, Any]:
    """Slack's confirmation before deleting, as a dialog."""
    words = _("It leaves the lists and the digest. Its history is kept, with who deleted it and when.")
    listed = "closed" if action.status == "closed" else "open"
    data = {ACTION_KEY: action.id, LIST_KEY: listed, **({MESSAGE_KEY: message_id} if message_id else {})}
    body = [
        text(f"*{inert(action.title)}*"),
        text(words),
        send_button(_("Delete"), DELETE_SAVE, style="destructive", **data),
    ]
    return dialog(_("Delete this action?"), card(body))


def page_data(status: str, direction: str, cursor: str | None) -> dict[str, Any]:
    """What a paging button carries: which list, which way, from which boundary."""
    return {"s": status, "d": direction, "c": cursor}


def _page_button(title: str, data: dict[str, Any]) -> Element:
    return {"type": "Action.Execute", "title": title, "verb": PAGE_VERB, "data": data}


def _open_text(action: ImprovementAction, today: date) -> str:
    progress = inert(action.progress_note) if action.progress_note else None
    return open_action_text(action, today=today, title=inert(action.title), progress=progress)


def _closed_text(action: ImprovementAction) -> str:
    closed = format_day(action.closed_at.date(), year=True) if action.closed_at else "?"
    said = ":checkered_flag: " + _("*{title}* — closed {closed}, owner {owner}").format(
        title=inert(action.title), closed=closed, owner=f"<@{action.owner_id}>"
    )
    return (
        said
        + "\n"
        + _("{measure}: before {before} → after {after}").format(
            measure=label_of(action.construct_id),
            before=reading(action.before_value, action.before_low, action.before_high),
            after=after_reading(action),
        )
    )


def build_actions_card(page: ActionPage, *, today: date, notice: str = "") -> dict[str, Any]:
    """`pulse actions`: one page of open (or closed) actions with their buttons and paging."""
    listing = _("Open improvement actions") if page.status == "open" else _("Closed improvement actions")
    other = "closed" if page.status == "open" else "open"
    switch = _page_button(
        _("Show closed actions") if other == "closed" else _("Show open actions"),
        page_data(other, "next", None),
    )
    body: list[Element] = [note(inert(notice))] if notice else []
    if not page.items:
        empty = (
            _("No open improvement actions. Adopt one from a digest suggestion.")
            if page.status == "open"
            else _("No closed improvement actions.")
        )
        body += [text(empty), {"type": "ActionSet", "actions": [switch]}]
        return card(body, fallback=listing)
    last = page.first_position + len(page.items) - 1
    heading = (
        _("*Open improvement actions* — {first}–{last} of {total} (soonest due first)")
        if page.status == "open"
        else _("*Closed improvement actions* — {first}–{last} of {total} (latest closed first)")
    )
    body.append(text(heading.format(first=page.first_position, last=last, total=page.total)))
    for action in page.items:
        if page.status == "open":
            said = _open_text(action, today)
            buttons = [
                opens_dialog(_("Update"), UPDATE, a=action.id),
                opens_dialog(_("Close"), CLOSE, a=action.id),
            ]
        else:
            said = _closed_text(action)
            buttons = [opens_dialog(_("Reopen"), REOPEN, a=action.id)]
        buttons += [
            opens_dialog(_("History"), HISTORY, a=action.id),
            opens_dialog(_("Delete"), DELETE, a=action.id),
        ]
        body += [*lines(said), {"type": "ActionSet", "actions": buttons, "separator": True}]
    nav: list[Element] = []
    if page.prev_cursor is not None:
        nav.append(_page_button(_("← Previous"), page_data(page.status, "prev", page.prev_cursor)))
    if page.next_cursor is not None:
        nav.append(_page_button(_("Next →"), page_data(page.status, "next", page.next_cursor)))
    body.append({"type": "ActionSet", "actions": [*nav, switch]})
    return card(body, fallback=listing)


def adopt_data(practice_id: str, construct: str, title: str) -> dict[str, str]:
    """What a digest suggestion's Adopt button carries (as Slack's button value: p, c, t)."""
    return {"p": practice_id, "c": construct, "t": title[:150]}
