"""What `/peer-log` says on every platform: its usage, the privacy hint atop the session form, a
session in a line, where training stands and the lapsed-training reminder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.i18n import N_, _, format_day
from bot.support import (
    FollowUpResult,
    SavedSession,
    SavedTraining,
    SessionSummary,
    SupportTaxonomy,
    TrainingStatus,
)

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


def saved_heading(saved: SavedSession) -> str:
    """The confirmation's heading: logged, or updated."""
    return (
        _(":white_check_mark: *Session updated*")
        if saved.edited
        else _(":white_check_mark: *Session logged*")
    )


def follow_up_promise(session: SessionSummary) -> str | None:
    """Under a confirmation, when the follow-up reminder will come, if the session has one."""
    follow_up = follow_up_text(session)
    if not follow_up:
        return None
    return _(":calendar: {follow_up} — I'll remind you that morning.").format(
        follow_up=f"{follow_up[0].upper()}{follow_up[1:]}"
    )


def note_heading(saved: SavedSession) -> str:
    """Above the note as stored, saying whether contact details were removed from it."""
    scrubbed = " " + _("_(contact details were removed before saving)_") if saved.note_scrubbed else ""
    return _("*Note as saved*") + scrubbed


def edit_hint() -> str:
    """The confirmation's footnote: how long the session can be changed, and who sees it."""
    return _("You can edit or delete it for 24 hours with `/peer-log list`. Only you see your sessions.")


def saved_summary(saved: SavedSession) -> str:
    """The confirmation in a sentence (what notifications show)."""
    session = saved.session
    summary = {"day": format_day(session.session_date), "length": format_minutes(session.duration_minutes)}
    return (
        _("Session updated: {day}, {length}.") if saved.edited else _("Session logged: {day}, {length}.")
    ).format(**summary)


def training_line(saved: SavedTraining, *, quote: Callable[[str], str]) -> str:
    """A recorded training in a line: its title (through `quote`), when and how long."""
    hours = _("{hours} h").format(hours=f"{saved.hours:g}")
    return f"{quote(_(saved.title))} · {format_day(saved.completed_on, year=True)} · {hours}"


def training_summary(saved: SavedTraining) -> str:
    """The training confirmation in a sentence (what notifications show)."""
    return _("Training recorded: {title}.").format(title=_(saved.title))


def follow_up_due_heading(session: SessionSummary, *, due_on: date) -> str:
    """The follow-up reminder's opening, before the session's line."""
    return _(":calendar: *Time to follow up* ({due}) on your session of {day}:").format(
        due=format_day(due_on), day=format_day(session.session_date)
    )


def follow_up_due_summary(session: SessionSummary) -> str:
    """The follow-up reminder in a sentence (what notifications show)."""
    return _("Follow-up due: your session of {day}.").format(day=format_day(session.session_date))


def follow_up_resolved_text(result: FollowUpResult) -> str:
    """What a follow-up reminder says after Done or Snooze."""
    if result.done:
        if not result.changed:
            return _(":white_check_mark: This follow-up was already marked done.")
        return _(":white_check_mark: Follow-up done. Thank you for checking in.")
    if result.changed:
        return _(":zzz: Snoozed: I'll remind you again on {day}.").format(day=format_day(result.due_on))
    return _(":zzz: Already snoozed: the next reminder is on {day}.").format(day=format_day(result.due_on))
