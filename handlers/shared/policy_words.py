"""What the policy register says on every platform: a review's state and when it is due, a policy in a line
or in full, the coordinators' notes on a change or a review, and the review reminder. Pure.

Each platform escapes differently, so it passes a policy's name as it shows it (`name`, escaped and linked)
or the function that makes someone's own words safe (`quote`); people stay `<@id>` marks.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.i18n import N_, _, format_day, ngettext
from bot.policies import PolicyStatus

STATE_LABELS = {
    "overdue": N_(":warning: *overdue*"),
    "due": N_(":hourglass_flowing_sand: due soon"),
    "never_reviewed": N_(":grey_question: never reviewed"),
    "current": N_(":white_check_mark: current"),
}


def next_review_text(status: PolicyStatus) -> str:
    """'due in 12 days', 'due today', 'overdue by 3 days'."""
    days = status.days_to_due
    if days < 0:
        return ngettext("overdue by {n} day", "overdue by {n} days", -days).format(n=-days)
    if days == 0:
        return _("due today")
    return ngettext("due in {n} day", "due in {n} days", days).format(n=days)


def policy_line(status: PolicyStatus, *, name: str) -> str:
    """One policy, its owner and when its review is due, in a line."""
    p = status.policy
    return f"{_(STATE_LABELS[status.state])} · *{name}* — " + _(
        "owner {owner} · next review {due} ({when})"
    ).format(
        owner=f"<@{p.owner_id}>", due=format_day(status.next_due, year=True), when=next_review_text(status)
    )


def policy_text(status: PolicyStatus, *, name: str, quote: Callable[[str], str]) -> str:
    """One policy in the register: state, owner, interval, last and next review, the last review's summary."""
    p = status.policy
    last = format_day(p.last_reviewed_on, year=True) if p.last_reviewed_on else _("never")
    said = f"*{name}* · {_(STATE_LABELS[status.state])}\n" + ngettext(
        "Owner {owner} · reviewed every {n} month · last reviewed {last} · next due {due} ({when})",
        "Owner {owner} · reviewed every {n} months · last reviewed {last} · next due {due} ({when})",
        p.review_interval_months,
    ).format(
        owner=f"<@{p.owner_id}>",
        n=p.review_interval_months,
        last=last,
        due=format_day(status.next_due, year=True),
        when=next_review_text(status),
    )
    if status.last_review is not None:
        r = status.last_review
        said += "\n" + _("_Last review ({day}, {by}):_ {summary}").format(
            day=format_day(r.reviewed_on, year=True), by=f"<@{r.reviewed_by}>", summary=quote(r.summary)
        )
    return said


def saved_text(status: PolicyStatus, *, user_id: str, added: bool, quote: Callable[[str], str]) -> str:
    """The coordinators' note that a policy was added or edited."""
    p = status.policy
    said = (
        ngettext(
            "{who} added {policy} to the policy register — owner {owner}, reviewed every {n} month, "
            "next review {due} ({when}).",
            "{who} added {policy} to the policy register — owner {owner}, reviewed every {n} months, "
            "next review {due} ({when}).",
            p.review_interval_months,
        )
        if added
        else ngettext(
            "{who} updated {policy} in the policy register — owner {owner}, reviewed every {n} month, "
            "next review {due} ({when}).",
            "{who} updated {policy} in the policy register — owner {owner}, reviewed every {n} months, "
            "next review {due} ({when}).",
            p.review_interval_months,
        )
    )
    return ":spiral_note_pad: " + said.format(
        who=f"<@{user_id}>",
        policy=f"*{quote(p.name)}*",
        owner=f"<@{p.owner_id}>",
        n=p.review_interval_months,
        due=format_day(status.next_due, year=True),
        when=next_review_text(status),
    )


def reviewed_text(status: PolicyStatus, *, user_id: str, quote: Callable[[str], str]) -> str:
    """The coordinators' note that a policy was reviewed."""
    r = status.last_review
    policy = f"*{quote(status.policy.name)}*"
    summary = f": {quote(r.summary.rstrip('.'))}" if r is not None else ""
    marked = (
        _("{who} marked {policy} reviewed on {day}").format(
            who=f"<@{user_id}>", policy=policy, day=format_day(r.reviewed_on, year=True)
        )
        if r is not None
        else _("{who} marked {policy} reviewed").format(who=f"<@{user_id}>", policy=policy)
    )
    return f":white_check_mark: {marked}{summary}. " + _("Next review due {day}.").format(
        day=format_day(status.next_due, year=True)
    )


def reminder_text(status: PolicyStatus, *, kind: str, quote: Callable[[str], str]) -> str:
    """The coordinators' reminder that a review is due soon, or (`kind` "overdue") overdue."""
    p = status.policy
    if kind == "overdue":
        return ":warning: " + ngettext(
            "The review of {policy} is overdue: it was due {due} ({n} day ago). Owner {owner}. "
            "This reminder repeats weekly until it is marked reviewed.",
            "The review of {policy} is overdue: it was due {due} ({n} days ago). Owner {owner}. "
            "This reminder repeats weekly until it is marked reviewed.",
            -status.days_to_due,
        ).format(
            policy=f"*{quote(p.name)}*",
            due=format_day(status.next_due, year=True),
            n=-status.days_to_due,
            owner=f"<@{p.owner_id}>",
        )
    return ":spiral_note_pad: " + _("{policy} is due for review on {due} ({when}). Owner {owner}.").format(
        policy=f"*{quote(p.name)}*",
        due=format_day(status.next_due, year=True),
        when=next_review_text(status),
        owner=f"<@{p.owner_id}>",
    )
