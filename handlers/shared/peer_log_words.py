"""What `/peer-log` says on every platform: its usage, the privacy hint atop the session form, a
session in a line, where training stands and the lapsed-training reminder."""

from __future__ import annotations

from collections.abc import Callable

from bot.i18n import N_, _, format_day
from bot.support import SessionSummary, SupportTaxonomy, TrainingStatus

USAGE = N_("""*`/peer-log`* — log peer-support sessions without naming anyone
• `/peer-log` — log a session: date, length, category, how you talked, outcome, follow-up, a short note
• `/peer-log list` — your last 10 sessions; edit or delete one within 24 hours
• `/peer-log training` — record a training you completed
• `/peer-log help` — this message
_For peer supporters (members of the supporters channel). Coordinators see totals, never your sessions._""")

PRIVACY_HINT = N_(
    ":lock: Never name or describe the person you supported: a note naming anyone in the workspace "
    "(a first name or surname alone counts) is sent back to reword. Mentions, emails and phone numbers "
    "are removed from the note automatically."
)


def format_minutes(minutes: int) -> str:
    """'45 min', '1 h', '1 h 30 min'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("{minutes} min").format(minutes=rest)
    return _("{hours} h").format(hours=hours) + (
        " " + _("{minutes} min").format(minutes=rest) if rest else ""
    )


def session_line(session: SessionSummary, taxonomy: SupportTaxonomy) -> str:
    """One line describing a session to the supporter who logged it."""
    return (
        f"*{format_day(session.session_date)}* · {format_minutes(session.duration_minutes)} · "
        f"{_(taxonomy.label('categories', session.category))} · "
        f"{_(taxonomy.label('channels', session.contact_channel))} · "
        f"{_(taxonomy.label('outcomes', session.outcome))}"
    )


def follow_up_text(session: SessionSummary) -> str | None:
    """The session's follow-up, if it has one: when, and whether it is done."""
    if session.follow_up_on is None:
        return None
    if session.follow_up_done:
        return _("follow-up on {day} done").format(day=format_day(session.follow_up_on))
    return _("follow-up {day}").format(day=format_day(session.follow_up_on))


def training_status_text(status: TrainingStatus) -> str:
    """A sentence on where the supporter's training stands."""
    if status.state == "none" or status.valid_until is None:
        return _("You have no training recorded yet.")
    until = format_day(status.valid_until, year=True)
    if status.state == "lapsed":
        return _("Your training lapsed on {day}: please record a refresher.").format(day=until)
    if status.state == "lapsing":
        return _("Your training is current until {day} — a refresher is due soon.").format(day=until)
    return _("Your training is current until {day}.").format(day=until)


def training_reminder_text(status: TrainingStatus, *, own_words: Callable[[str], str]) -> str:
    """The weekly reminder to a supporter whose training lapsed or was never recorded (its title as `own_words`)."""
    if status.state == "none" or status.last_on is None:
        opening = _("You haven't recorded any peer-support training yet.")
    else:
        lapsed = format_day(status.valid_until, year=True) if status.valid_until else ""
        last = format_day(status.last_on, year=True)
        opening = (
            _("Your peer-support training lapsed on {lapsed}: your most recent was on {last} ({title}).")
            if status.last_title
            else _("Your peer-support training lapsed on {lapsed}: your most recent was on {last}.")
        ).format(lapsed=lapsed, last=last, title=own_words(_(status.last_title)) if status.last_title else "")
    return _(
        ":mortar_board: {opening} Keeping it current is part of being a supporter — record a "
        "refresher with `/peer-log training`. I'll remind you once a week until you do."
    ).format(opening=opening)
