"""The policy register as Teams cards and dialogs: the register, the retired list, the add / edit /
review / retire / bring-back dialogs with their field errors, and the review reminder. Pure builders.

Every sentence is the catalogue's, as Slack's register words it (handlers/slack/blocks/policies.py);
policy names and people's own words are made inert. People stay `<@id>` marks, which become Teams
mentions as the message or dialog leaves (handlers/teams/names.py). Dialog inputs are named by the domain's form
fields (bot/policies.py), so a refusal's `fields` lands under the right input.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.i18n import _, format_day, ngettext
from bot.policies import (
    DEFAULT_INTERVAL,
    INTERVAL,
    INTERVAL_MAX,
    INTERVAL_MIN,
    LAST_REVIEWED,
    LINK,
    LINK_MAX,
    NAME,
    NAME_MAX,
    OWNER,
    RETIRE_REASON,
    REVIEWED_ON,
    SUMMARY,
    SUMMARY_MAX,
    PolicyStatus,
)
from handlers.shared import policy_words
from handlers.shared.policy_words import reminder_text
from handlers.teams.cards.card import card, dialog, lines, note, opens_dialog, text
from handlers.teams.cards.forms import choice_set, date_input, send_button, text_box, with_errors
from handlers.teams.cards.markup import inert, linked
from storage.policy_models import Policy, PolicyReview

# Buttons that open a dialog (task/fetch) and the dialogs' Sends (task/submit); "p" names the policy.
ADD_ACTION = "policy.add"
EDIT_ACTION = "policy.edit"
REVIEW_ACTION = "policy.review"
RETIRE_ACTION = "policy.retire"
UNRETIRE_ACTION = "policy.unretire"
OPEN_ACTIONS = frozenset({ADD_ACTION, EDIT_ACTION, REVIEW_ACTION, RETIRE_ACTION, UNRETIRE_ACTION})
SUBMIT_SUFFIX = ".send"
POLICY_KEY = "p"
MAX_LISTED = 20  # as on Slack: the soonest due, the rest counted


def _policy_name(policy: Policy) -> str:
    """The policy's name, bold, linked to its document (the domain accepts only http(s) links)."""
    return f"*{linked(policy.name, policy.link)}*"


def _open_button(title: str, action: str, policy_id: str = "", **style: Any) -> dict[str, Any]:
    data = {POLICY_KEY: policy_id} if policy_id else {}
    return {**opens_dialog(title, action, **data), **style}


def _show_button(view: str) -> dict[str, Any]:
    """Switch lists: a messageBack types the command for the coordinator (Teams shows the label)."""
    title = _("Show retired policies") if view == "retired" else _("Show the register")
    command = "pulse policies retired" if view == "retired" else "pulse policies"
    return {
        "type": "Action.Submit",
        "title": title,
        "data": {"msteams": {"type": "messageBack", "text": command, "displayText": title}},
    }


def _actions(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"type": "ActionSet", "actions": list(buttons)}


def policy_text(status: PolicyStatus) -> str:
    """One policy in the register: state, owner, interval, last and next review, the last review's summary."""
    return policy_words.policy_text(status, name=linked(status.policy.name, status.policy.link), quote=inert)


def build_register_card(statuses: list[PolicyStatus]) -> dict[str, Any]:
    """`pulse policies`: the register, soonest due first, with Mark reviewed / Edit / Retire / Add."""
    add = _open_button(_("Add a policy"), ADD_ACTION, style="positive")
    if not statuses:
        empty = _(
            "*Policy register* — empty for now. Add each policy or procedure of the program (for example "
            "the anti-bullying policy or the peer-support procedure) with a link to the document, its owner "
            "and how often it is reviewed. PeerPulse then reminds the coordinators' channel 30 days before "
            "a review is due and weekly once it is overdue."
        )
        return card([text(empty), _actions(add, _show_button("retired"))], fallback=_("Policy register"))
    count = len(statuses)
    body: list[dict[str, Any]] = [
        text(
            ngettext(
                "*Policy register* — {n} policy or procedure, soonest review first",
                "*Policy register* — {n} policies or procedures, soonest review first",
                count,
            ).format(n=count)
        )
    ]
    for status in statuses[:MAX_LISTED]:
        policy_id = status.policy.id
        body.append({"type": "Container", "separator": True, "items": lines(policy_text(status))})
        body.append(
            _actions(
                _open_button(_("Mark reviewed"), REVIEW_ACTION, policy_id),
                _open_button(_("Edit"), EDIT_ACTION, policy_id),
                _open_button(_("Retire"), RETIRE_ACTION, policy_id),
            )
        )
    if count > MAX_LISTED:
        body.append(
            note(_("Showing the {shown} soonest due of {total}.").format(shown=MAX_LISTED, total=count))
        )
    body.append(_actions(add, _show_button("retired")))
    body.append(
        note(
            _(
                "Reminders go to the coordinators' channel 30 days before a review is due, then weekly while overdue."
            )
        )
    )
    return card(body, fallback=_("Policy register"))


def build_retired_card(statuses: list[PolicyStatus]) -> dict[str, Any]:
    """`pulse policies retired`: who retired each policy, when and why, with Bring back."""
    if not statuses:
        body = [text(_("*Retired policies* — none.")), _actions(_show_button("active"))]
        return card(body, fallback=_("Retired policies"))
    body = [text(_("*Retired policies* — {n}").format(n=len(statuses)))]
    for status in statuses[:MAX_LISTED]:
        p = status.policy
        when = format_day(p.retired_at.date(), year=True) if p.retired_at else "?"
        who = f"<@{p.retired_by}>" if p.retired_by else _("someone")
        said = (
            f"{_policy_name(p)} · "
            + _("retired {day} by {who}").format(day=when, who=who)
            + (f": {inert(p.retired_reason)}" if p.retired_reason else "")
        )
        body.append({"type": "Container", "separator": True, "items": [text(said)]})
        body.append(_actions(_open_button(_("Bring back"), UNRETIRE_ACTION, p.id)))
    if len(statuses) > MAX_LISTED:
        body.append(note(_("Showing {shown} of {total}.").format(shown=MAX_LISTED, total=len(statuses))))
    body.append(_actions(_show_button("active")))
    return card(body, fallback=_("Retired policies"))


def _send(title: str, action: str, policy_id: str) -> dict[str, Any]:
    data = {POLICY_KEY: policy_id} if policy_id else {}
    return send_button(title, action + SUBMIT_SUFFIX, style="positive", **data)


def build_policy_dialog(
    *,
    policy: Policy | None,
    owners: list[str],
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Add a policy (policy None) or edit one: name, link, owner, review interval (and, adding, last review).

    `owners` are the people the owner can be picked from; `values` what the inputs show.
    """
    adding = policy is None
    # Each shown by name (handlers/teams/names.py names people as the dialog leaves).
    owner_choices = [{"title": f"<@{person}>", "value": person} for person in owners]
    owner = choice_set(OWNER, _("Owner"), owner_choices, values.get(OWNER), style="compact")
    items = [
        text_box(NAME, _("Name"), values.get(NAME, ""), max_length=NAME_MAX),
        text_box(LINK, _("Link to the document"), values.get(LINK, ""), max_length=LINK_MAX, style="Url"),
        note(_("An http(s) address, up to {n} characters.").format(n=LINK_MAX)),
        owner,
        {
            "type": "Input.Number",
            "id": INTERVAL,
            "label": _("Review every (months)"),
            "min": INTERVAL_MIN,
            "max": INTERVAL_MAX,
            **({"value": int(values[INTERVAL])} if values.get(INTERVAL, "").isdigit() else {}),
        },
    ]
    if adding:
        items += [
            date_input(LAST_REVIEWED, _("Last reviewed"), values.get(LAST_REVIEWED, "")),
            note(_("Leave empty if it has never been reviewed or nobody knows when.")),
        ]
    body = [
        *with_errors(items, errors or {}, fallback=NAME),
        _send(
            _("Add") if adding else _("Save"),
            ADD_ACTION if policy is None else EDIT_ACTION,
            "" if policy is None else policy.id,
        ),
    ]
    return dialog(_("Add a policy") if adding else _("Edit policy"), card(body))


def policy_values(policy: Policy | None, *, owner_id: str) -> dict[str, str]:
    """What the add / edit dialog shows when it opens."""
    if policy is None:
        return {OWNER: owner_id, INTERVAL: str(DEFAULT_INTERVAL)}
    return {
        NAME: policy.name,
        LINK: policy.link,
        OWNER: policy.owner_id,
        INTERVAL: str(policy.review_interval_months),
    }


def build_review_dialog(
    *,
    policy: Policy,
    history: list[PolicyReview],
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Mark a policy reviewed: the date and a short summary of what changed, with its earlier reviews."""
    last = format_day(policy.last_reviewed_on, year=True) if policy.last_reviewed_on else _("never")
    items = [
        date_input(REVIEWED_ON, _("Reviewed on"), values.get(REVIEWED_ON, "")),
        text_box(
            SUMMARY,
            _("What changed"),
            values.get(SUMMARY, ""),
            max_length=SUMMARY_MAX,
            multiline=True,
            placeholder=_("A short summary, or “no change”"),
        ),
    ]
    body = [
        text(f"{_policy_name(policy)} — " + _("last reviewed {day}").format(day=last)),
        *with_errors(items, errors or {}, fallback=SUMMARY),
    ]
    if history:
        earlier = [
            f"{format_day(r.reviewed_on, year=True)} · <@{r.reviewed_by}>: {inert(r.summary)}"
            for r in history
        ]
        body += lines(_("*Earlier reviews*") + "\n" + "\n".join(earlier), size="small", isSubtle=True)
    body.append(_send(_("Save review"), REVIEW_ACTION, policy.id))
    return dialog(_("Mark reviewed"), card(body))


def build_retire_dialog(
    *, policy: Policy, reason: str = "", errors: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Retire a policy: why, recorded with who and when; it leaves the register and its reminders."""
    items = [
        text_box(
            RETIRE_REASON,
            _("Why is it retired?"),
            reason,
            max_length=SUMMARY_MAX,
            multiline=True,
            placeholder=_("e.g. replaced by …"),
        )
    ]
    body = [
        text(
            _(
                "{policy} leaves the register, its review reminders and the due "
                "lists. Its reviews are kept, and it can be brought back from the retired list."
            ).format(policy=_policy_name(policy))
        ),
        *with_errors(items, errors or {}, fallback=RETIRE_REASON),
        _send(_("Retire"), RETIRE_ACTION, policy.id),
    ]
    return dialog(_("Retire policy"), card(body))


def build_unretire_dialog(*, policy: Policy, error: str = "") -> dict[str, Any]:
    """Bring a retired policy back: Slack's confirmation, as a dialog."""
    body = [
        text(f"{_policy_name(policy)}"),
        text(_("It returns to the register, with review reminders from its last review.")),
    ]
    if error:
        body.append(text(error, color="attention", size="small"))
    body.append(_send(_("Bring back"), UNRETIRE_ACTION, policy.id))
    return dialog(_("Bring this policy back?"), card(body))


def build_done_dialog(title: str, words: str) -> dict[str, Any]:
    """What a policy dialog turns into once the change is made: the note the coordinators' channel gets."""
    return dialog(title, card(lines(words)))


def build_policy_reminder_card(status: PolicyStatus, *, kind: str) -> dict[str, Any]:
    """The coordinators' reminder that a review is due soon or overdue, with a Mark reviewed button."""
    p = status.policy
    said = reminder_text(status, kind=kind, quote=inert)
    body = [text(said)]
    if p.link.startswith(("https://", "http://")):
        opening = _("Open the document")
        body.append(text(f"<{p.link}|{opening}>"))
    body.append(_actions(_open_button(_("Mark reviewed"), REVIEW_ACTION, p.id, style="positive")))
    return card(body, fallback=said)


def today_value(today: date) -> str:
    """A date as Input.Date holds it."""
    return today.isoformat()
