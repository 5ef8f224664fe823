"""Block Kit for the policy register: the list, its modals, reminders and confirmations. Pure builders."""

from __future__ import annotations

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
from handlers.shared.policy_words import (
    policy_text,
    reminder_text,
    reviewed_text,
    saved_text,
)
from handlers.slack.blocks.mrkdwn import escape, link
from storage.policy_models import Policy, PolicyReview

ADD_POLICY_ACTION = "policy_add"
REVIEW_POLICY_ACTION = "policy_review"
EDIT_POLICY_ACTION = "policy_edit"
RETIRE_POLICY_ACTION = "policy_retire"
UNRETIRE_POLICY_ACTION = "policy_unretire"
SHOW_POLICIES_ACTION = "policy_register_show"  # value "active" or "retired"
RETIRE_POLICY_VIEW = "policy_retire_view"
ADD_POLICY_VIEW = "policy_add_view"
EDIT_POLICY_VIEW = "policy_edit_view"
REVIEW_POLICY_VIEW = "policy_review_view"
INPUT = "value"
MAX_LISTED = 20  # two blocks each, inside a message's 50


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def _button(action_id: str, label: str, value: str = "", *, primary: bool = False) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label},
        "value": value or action_id,
    }
    if primary:
        button["style"] = "primary"
    return button


def _add_button() -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": "policy_register_add",
        "elements": [_button(ADD_POLICY_ACTION, _("Add a policy"), primary=True)],
    }


def policy_line(status: PolicyStatus) -> str:
    """One policy, its owner and when its review is due, in a line."""
    return policy_words.policy_line(status, name=link(status.policy.link, status.policy.name))


def _policy_text(status: PolicyStatus) -> str:
    return policy_text(status, name=link(status.policy.link, status.policy.name), quote=escape)


def _show_button(view: str) -> dict[str, Any]:
    label = _("Show retired policies") if view == "retired" else _("Show the register")
    return {
        "type": "actions",
        "block_id": "policy_register_show",
        "elements": [_button(SHOW_POLICIES_ACTION, label, view)],
    }


def build_retired_policies_blocks(policies: list[PolicyStatus], *, notice: str = "") -> list[dict[str, Any]]:
    """`/pulse policies retired`: retired policies, who retired them, when and why, with Un-retire."""
    blocks: list[dict[str, Any]] = [_context(escape(notice))] if notice else []
    if not policies:
        return [*blocks, _section(_("*Retired policies* — none.")), _show_button("active")]
    blocks.append(_section(_("*Retired policies* — {n}").format(n=len(policies))))
    for i, status in enumerate(policies[:MAX_LISTED]):
        p = status.policy
        when = format_day(p.retired_at.date(), year=True) if p.retired_at else "?"
        who = f"<@{p.retired_by}>" if p.retired_by else _("someone")
        blocks.append(
            _section(
                f"*{link(p.link, p.name)}* · "
                + _("retired {day} by {who}").format(day=when, who=who)
                + (f": {escape(p.retired_reason)}" if p.retired_reason else "")
            )
        )
        blocks.append(
            {
                "type": "actions",
                "block_id": f"policy_retired_{p.id}",
                "elements": [
                    {
                        **_button(f"{UNRETIRE_POLICY_ACTION}_{i}", _("Bring back"), p.id),
                        "confirm": {
                            "title": {"type": "plain_text", "text": _("Bring this policy back?")},
                            "text": {
                                "type": "plain_text",
                                "text": _(
                                    "It returns to the register, with review reminders from its last review."
                                ),
                            },
                            "confirm": {"type": "plain_text", "text": _("Bring back")},
                            "deny": {"type": "plain_text", "text": _("Cancel")},
                        },
                    }
                ],
            }
        )
    if len(policies) > MAX_LISTED:
        blocks.append(
            _context(_("Showing {shown} of {total}.").format(shown=MAX_LISTED, total=len(policies)))
        )
    blocks.append(_show_button("active"))
    return blocks


def build_retire_modal(*, policy: Policy) -> dict[str, Any]:
    """Retire a policy: why, recorded with who and when; it leaves the register and its reminders."""
    return {
        "type": "modal",
        "callback_id": RETIRE_POLICY_VIEW,
        "private_metadata": policy.id,
        "title": {"type": "plain_text", "text": _("Retire policy")},
        "submit": {"type": "plain_text", "text": _("Retire")},
        "close": {"type": "plain_text", "text": _("Cancel")},
        "blocks": [
            _section(
                _(
                    "{policy} leaves the register, its review reminders and the due "
                    "lists. Its reviews are kept, and it can be brought back from the retired list."
                ).format(policy=f"*{link(policy.link, policy.name)}*")
            ),
            _input(
                RETIRE_REASON,
                _("Why is it retired?"),
                _text_input("", max_length=SUMMARY_MAX, multiline=True, placeholder=_("e.g. replaced by …")),
            ),
        ],
    }


def build_policies_blocks(statuses: list[PolicyStatus]) -> list[dict[str, Any]]:
    """`/pulse policies`: the register, soonest due first, with Mark reviewed / Edit / Retire / Add buttons."""
    if not statuses:
        return [
            _section(
                _(
                    "*Policy register* — empty for now. Add each policy or procedure of the program (for example "
                    "the anti-bullying policy or the peer-support procedure) with a link to the document, its owner "
                    "and how often it is reviewed. PeerPulse then reminds the coordinators' channel 30 days before "
                    "a review is due and weekly once it is overdue."
                )
            ),
            _add_button(),
            _show_button("retired"),
        ]
    count = len(statuses)
    blocks = [
        _section(
            ngettext(
                "*Policy register* — {n} policy or procedure, soonest review first",
                "*Policy register* — {n} policies or procedures, soonest review first",
                count,
            ).format(n=count)
        )
    ]
    for i, status in enumerate(statuses[:MAX_LISTED]):
        blocks.append(_section(_policy_text(status)))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"policy_{status.policy.id}",
                "elements": [
                    _button(f"{REVIEW_POLICY_ACTION}_{i}", _("Mark reviewed"), status.policy.id),
                    _button(f"{EDIT_POLICY_ACTION}_{i}", _("Edit"), status.policy.id),
                    _button(f"{RETIRE_POLICY_ACTION}_{i}", _("Retire"), status.policy.id),
                ],
            }
        )
    if count > MAX_LISTED:
        blocks.append(
            _context(_("Showing the {shown} soonest due of {total}.").format(shown=MAX_LISTED, total=count))
        )
    blocks.append(_add_button())
    blocks.append(_show_button("retired"))
    blocks.append(
        _context(
            _(
                "Reminders go to the coordinators' channel 30 days before a review is due, then weekly while overdue."
            )
        )
    )
    return blocks


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = ""
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": INPUT},
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _text_input(
    initial: str, *, max_length: int, multiline: bool = False, placeholder: str = ""
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline, "max_length": max_length}
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    return element


def build_policy_modal(*, policy: Policy | None, owner_id: str) -> dict[str, Any]:
    """Add a policy (policy None) or edit one: name, link, owner, review interval."""
    adding = policy is None
    blocks = [
        _input(NAME, _("Name"), _text_input(policy.name if policy else "", max_length=NAME_MAX)),
        _input(
            LINK,
            _("Link to the document"),
            {"type": "url_text_input", **({"initial_value": policy.link} if policy else {})},
            hint=_("An http(s) address, up to {n} characters.").format(n=LINK_MAX),
        ),
        _input(
            OWNER,
            _("Owner"),
            {"type": "users_select", "initial_user": policy.owner_id if policy else owner_id},
        ),
        _input(
            INTERVAL,
            _("Review every (months)"),
            {
                "type": "number_input",
                "is_decimal_allowed": False,
                "min_value": str(INTERVAL_MIN),
                "max_value": str(INTERVAL_MAX),
                "initial_value": str(policy.review_interval_months if policy else DEFAULT_INTERVAL),
            },
        ),
    ]
    if adding:
        blocks.append(
            _input(
                LAST_REVIEWED,
                _("Last reviewed"),
                {"type": "datepicker"},
                optional=True,
                hint=_("Leave empty if it has never been reviewed or nobody knows when."),
            )
        )
    return {
        "type": "modal",
        "callback_id": ADD_POLICY_VIEW if adding else EDIT_POLICY_VIEW,
        "private_metadata": "" if policy is None else policy.id,
        "title": {"type": "plain_text", "text": _("Add a policy") if adding else _("Edit policy")},
        "submit": {"type": "plain_text", "text": _("Add") if adding else _("Save")},
        "close": {"type": "plain_text", "text": _("Cancel")},
        "blocks": blocks,
    }


def build_review_modal(*, policy: Policy, history: list[PolicyReview], today: date) -> dict[str, Any]:
    """Mark a policy reviewed: the date and a short summary of what changed."""
    last = format_day(policy.last_reviewed_on, year=True) if policy.last_reviewed_on else _("never")
    blocks: list[dict[str, Any]] = [
        _section(f"*{link(policy.link, policy.name)}* — " + _("last reviewed {day}").format(day=last)),
        _input(REVIEWED_ON, _("Reviewed on"), {"type": "datepicker", "initial_date": today.isoformat()}),
        _input(
            SUMMARY,
            _("What changed"),
            _text_input(
                "", max_length=SUMMARY_MAX, multiline=True, placeholder=_("A short summary, or “no change”")
            ),
        ),
    ]
    if history:
        lines = [
            f"{format_day(r.reviewed_on, year=True)} · <@{r.reviewed_by}>: {escape(r.summary)}"
            for r in history
        ]
        blocks.append(_context(_("*Earlier reviews*") + "\n" + "\n".join(lines)))
    return {
        "type": "modal",
        "callback_id": REVIEW_POLICY_VIEW,
        "private_metadata": policy.id,
        "title": {"type": "plain_text", "text": _("Mark reviewed")},
        "submit": {"type": "plain_text", "text": _("Save review")},
        "close": {"type": "plain_text", "text": _("Cancel")},
        "blocks": blocks,
    }


def build_policy_saved_text(status: PolicyStatus, *, user_id: str, added: bool) -> str:
    """The channel's note that a policy was added or edited."""
    return saved_text(status, user_id=user_id, added=added, quote=escape)


def build_policy_reviewed_text(status: PolicyStatus, *, user_id: str) -> str:
    """The channel's note that a policy was reviewed."""
    return reviewed_text(status, user_id=user_id, quote=escape)


def build_policy_reminder(status: PolicyStatus, *, kind: str) -> dict[str, Any]:
    """The coordinators' reminder that a review is due soon or overdue, with a Mark reviewed button."""
    p = status.policy
    text = reminder_text(status, kind=kind, quote=escape)
    blocks = [
        _section(f"{text}\n{link(p.link, _('Open the document'))}"),
        {
            "type": "actions",
            "block_id": f"policy_reminder_{p.id}",
            "elements": [_button(f"{REVIEW_POLICY_ACTION}_0", _("Mark reviewed"), p.id, primary=True)],
        },
    ]
    return {"text": text, "blocks": blocks}
