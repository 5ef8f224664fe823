"""Text for coordinators' `/pulse` subcommands. Pure builders."""

from __future__ import annotations

from bot.i18n import _, ngettext
from bot.measures import CONSTRUCT_LABELS, label_of
from bot.questions import QuestionBank
from bot.surveys import AnsweredFigure, RoundStatus, Schedules, answered_figure, is_cancelled
from handlers.slack.blocks.pulse import slack_date


def build_status_text(status: RoundStatus, *, k: int, zone: str = "UTC") -> str:
    """Participation in a round, plus delivery trouble a coordinator should know about.

    Dates show in each reader's own time zone (written out in `zone` where Slack cannot format them).
    """
    r = status.round
    if is_cancelled(r):
        return _(
            "*Pulse round opened {day}* — cancelled. Its DMs not yet sent were withdrawn, "
            "those delivered now say it closed, and its answers were deleted: it has no results."
        ).format(day=slack_date(r.opened_at, zone=zone))
    state = (
        _("closed")
        if r.closed_at is not None
        else _("open until {day}").format(day=slack_date(r.closes_at, zone=zone))
    )
    lines = [
        _("*Pulse round opened {day}* — {state}").format(day=slack_date(r.opened_at, zone=zone), state=state),
        "• " + _("Invited: {n}").format(n=status.invited),
        "• "
        + _("Delivered: {n}").format(n=status.delivered)
        + (" " + _("(still to send: {n})").format(n=status.waiting) if status.waiting else ""),
    ]
    lines.append(answered_line(answered_figure(status, k=k)))
    if status.failed:
        lines.append(
            "• "
            + _(":warning: Could not deliver: {n} (see the logs for reasons; retries are exhausted)").format(
                n=status.failed
            )
        )
    if status.reminders_scheduled:
        lines.append(
            "• "
            + _(
                "One reminder is scheduled for each of the {n} people invited; "
                "everyone gets it, answered or not, so it reveals nothing about who answered"
            ).format(n=status.reminders_scheduled)
        )
    return "\n".join(lines)


def answered_line(figure: AnsweredFigure) -> str:
    """The answered count as the k rule lets it be told, as a bullet line."""
    k = figure.k
    if figure.shown == "exact":
        return "• " + _("Answered: {n} ({rate})").format(n=figure.count, rate=f"{figure.rate or 0.0:.0%}")
    if figure.shown == "at_least" and figure.closed:
        return "• " + _(
            "Answered: at least {n} (fewer than {k} did not answer, so the exact count is not shown)"
        ).format(n=figure.count, k=k)
    if figure.shown == "at_least":
        return "• " + _("Answered: at least {n} so far (shown in steps of {k})").format(n=figure.count, k=k)
    return "• " + _("Answered: fewer than {k} so far (counts under {k} are not shown)").format(k=k)


def build_schedule_text(schedules: Schedules) -> str:
    """When pulses and digests go out."""
    days = schedules.pulse_window_days
    return "\n".join(
        [
            ngettext(
                "*Pulses:* {cron} in each person's own time zone, open for {days} day, one reminder before closing.",
                "*Pulses:* {cron} in each person's own time zone, open for {days} days, one reminder before closing.",
                days,
            ).format(cron=f"`{schedules.pulse}`", days=days),
            _("*Digest:* {cron} ({zone}) in {channel}.").format(
                cron=f"`{schedules.digest}`",
                zone=schedules.digest_timezone,
                channel=f"<#{schedules.coordinator_channel}>",
            ),
            _(
                "_Change them with PULSE_SCHEDULE / DIGEST_SCHEDULE and restart; the scheduler keeps one job each._"
            ),
        ]
    )


def build_questions_text(bank: QuestionBank) -> str:
    """The question bank with constructs and sources."""
    lines = [_("*Question bank* (core constructs are asked every round, the rest take turns):")]
    for q in bank.questions:
        tag = _("every round") if bank.cadence_of(q.construct) == "every" else _("rotating")
        # The source is a citation: it stays as published.
        about = label_of(q.construct) if q.construct in CONSTRUCT_LABELS else _("Open comments")
        lines.append(f"• `{q.id}` ({about} · {tag}) — {_(q.text)}\n    _{q.source}_")
    return "\n".join(lines)
