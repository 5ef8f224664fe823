"""Each person's home in words, on every platform: the pulse, the promise, a supporter's and a
coordinator's parts. Dates are written by the platform's own `day`; names and links stay Slack marks,
which each platform turns into its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from bot.ballots import PulsePromise
from bot.home import LastDigest, OpenPulse, RoundParticipation
from bot.i18n import N_, _, format_day, ngettext
from bot.policies import PolicyStatus
from bot.support import FOLLOW_UPS_AHEAD_DAYS, SessionSummary
from handlers.shared.round_words import answered_line
from storage.digest_models import ImprovementAction

SUPPORTER_HEADER = N_("For peer supporters")
COORDINATOR_HEADER = N_("Coordinator dashboard")
# How many supporters the home names before it stops (the rest are in the supporters' channel).
SUPPORTERS_SHOWN = 20
Day = Callable[[datetime], str]


def pulse_text(pulse: OpenPulse | None, *, opted_out: bool, day: Day) -> str:
    """Where the person's own pulse stands."""
    if opted_out:
        return _("You've opted out of pulse surveys. `/pulse optin` to take part again.")
    if pulse is None:
        return _("No pulse survey is open right now. The next one arrives in your DMs.")
    closes = day(pulse.closes_at)
    if pulse.answered:
        return _(
            "You've answered this week's pulse — thank you. You can change answers until {closes}."
        ).format(closes=closes)
    return _(":memo: *A pulse is open* until {closes} — it's in your DMs, under a minute.").format(
        closes=closes
    )


def open_pulse_label(pulse: OpenPulse) -> str:
    """The button that takes the person to their pulse."""
    return _("Change my answers") if pulse.answered else _("Open my pulse")


def reach_text(supporters: tuple[str, ...]) -> str:
    """How to reach a peer supporter, naming them."""
    if not supporters:
        return _(
            "*Talk to a peer supporter*\nThe program is recruiting supporters; your coordinators can help meanwhile."
        )
    names = ", ".join(f"<@{u}>" for u in supporters[:SUPPORTERS_SHOWN])
    return _(
        "*Talk to a peer supporter*\nTrained colleagues who listen in confidence: {names}. "
        "Message any of them directly — they never record who they helped."
    ).format(names=names)


def promise_lines(promise: PulsePromise) -> str:
    """The confidentiality promise, heading and bullets."""
    days = promise.retention_days
    bullets = [
        _("Survey answers are stored *without your name* or anything that could point back to you."),
        _("Results are only ever shown for groups of *{k} or more* people.").format(k=promise.min_group_size),
        ngettext(
            "Comments are stripped of names, emails and phone numbers before they are saved, "
            "and deleted after *{days} day*; only group figures stay.",
            "Comments are stripped of names, emails and phone numbers before they are saved, "
            "and deleted after *{days} days*; only group figures stay.",
            days,
        ).format(days=days),
        _(
            "Peer supporters never log who they helped. Nobody — coordinators included — sees individual answers."
        ),
        _(
            "`/feedback` leaves an anonymous suggestion at any time. `/pulse optout` stops pulses; "
            "`/pulse optin` brings them back."
        ),
    ]
    return "\n".join([_("*Our confidentiality promise*"), *("• " + b for b in bullets)])


def follow_up_line(session: SessionSummary, *, today: date) -> str:
    """One follow-up due, as a bullet: when (overdue, today) and from which session."""
    due = session.follow_up_on
    assert due is not None  # follow-ups due always have a date
    when = f"*{format_day(due)}*"
    if due < today:
        when += " " + _("(overdue)")
    elif due == today:
        when += " " + _("(today)")
    return "• " + _("{when} — from your session of {day}").format(
        when=when, day=format_day(session.session_date)
    )


def follow_ups_text(due: tuple[SessionSummary, ...], *, today: date) -> str:
    """The supporter's follow-ups due, heading and bullets."""
    if not due:
        return (
            _("*Follow-ups due*")
            + "\n"
            + _("Nothing due in the next {days} days.").format(days=FOLLOW_UPS_AHEAD_DAYS)
        )
    return _("*Follow-ups due*") + "\n" + "\n".join(follow_up_line(s, today=today) for s in due)


def recent_heading(has_any: bool) -> str:
    """The heading of a supporter's latest sessions (and the line saying there are none)."""
    heading = _("*Your latest sessions*")
    return heading if has_any else heading + "\n" + _("You haven't logged a session yet.")


def supporter_footnote() -> str:
    """Who sees a supporter's sessions, and how to change one."""
    return _(
        "Only you see your sessions; coordinators see totals, never who or when. "
        "`/peer-log list` to edit or delete one within 24 hours."
    )


def more_text(count: int, command: str) -> str | None:
    """'…and N more' with the command that lists them all; None when nothing is left out."""
    return (
        _("…and {n} more: {command} shows them all.").format(n=count, command=f"`{command}`")
        if count
        else None
    )


def round_text(participation: RoundParticipation | None, *, day: Day) -> str:
    """The open round's participation as far as the k rule lets it be told."""
    if participation is None:
        return _("*This round*\nNo pulse is open right now. `/pulse send` opens one.")
    return (
        _("*This round* — open until {day}").format(day=day(participation.closes_at))
        + "\n• "
        + _("Invited: {n}").format(n=participation.invited)
        + f"\n{answered_line(participation.answered)}"
    )


def actions_heading(has_any: bool) -> str:
    """The heading of the open actions (and the line saying there are none)."""
    return _("*Open actions*") + ("" if has_any else "\n" + _("No open actions."))


def action_line(action: ImprovementAction, *, today: date, title: str) -> str:
    """One open action: overdue mark, title (as the platform writes it), owner and due date."""
    overdue = _(":warning: *overdue* · ") if action.due_on < today else ""
    return overdue + _("*{title}* — owner {owner}, due {due}").format(
        title=title, owner=f"<@{action.owner_id}>", due=format_day(action.due_on, year=True)
    )


def reviews_heading(has_any: bool) -> str:
    """The heading of the policy reviews due (and the line saying none is)."""
    return _("*Policy reviews due*") + ("" if has_any else "\n" + _("No policy review is due."))


def review_line(status: PolicyStatus, *, policy: str, review: str) -> str:
    """One review due: the policy (as the platform links it), its owner and when."""
    return _("*{policy}* — owner {owner}, {review}").format(
        policy=policy, owner=f"<@{status.policy.owner_id}>", review=review
    )


def last_digest_text(digest: LastDigest | None, *, day: Day, where: str) -> str:
    """When and where the last digest was posted (`where` as the platform writes it)."""
    if digest is None:
        return _("*Last digest*\nNo digest has been posted yet. `/pulse digest` posts one now.")
    return _("*Last digest*\nPosted {day} in {where}").format(day=day(digest.posted_at), where=where)


def coordinator_tools() -> str:
    """The coordinators' commands, in one line."""
    return (
        _("*Coordinator tools:*")
        + " `/pulse status` · `/pulse send` · `/pulse close` · `/pulse cancel` · `/pulse digest` · "
        "`/pulse actions` · `/pulse policies` · `/pulse supporters` · `/pulse schedule` · `/pulse questions`"
    )
