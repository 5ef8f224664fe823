"""What coordinators are told about a pulse round, on every platform: participation by the k rule,
delivery, what cancelling did. Dates are written by the platform's own `day`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.i18n import _
from bot.surveys import AnsweredFigure, CancelledRound, RoundStatus, answered_figure, is_cancelled


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


def answered_so_far(figure: AnsweredFigure) -> str:
    """The answered count so far, as /pulse status may tell it."""
    if figure.shown == "exact":
        return _("{n} answered so far.").format(n=figure.count)
    if figure.shown == "at_least":
        return _("At least {n} answered so far.").format(n=figure.count)
    return _("Fewer than {k} people answered so far (counts under {k} are not shown).").format(k=figure.k)


def status_lines(status: RoundStatus, *, k: int, day: Callable[[datetime], str]) -> str:
    """Participation in a round, plus delivery trouble a coordinator should know about (dates by `day`)."""
    r = status.round
    if is_cancelled(r):
        return _(
            "*Pulse round opened {day}* — cancelled. Its DMs not yet sent were withdrawn, "
            "those delivered now say it closed, and its answers were deleted: it has no results."
        ).format(day=day(r.opened_at))
    state = _("closed") if r.closed_at is not None else _("open until {day}").format(day=day(r.closes_at))
    lines = [
        _("*Pulse round opened {day}* — {state}").format(day=day(r.opened_at), state=state),
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


def cancelled_lines(report: CancelledRound) -> str:
    """What cancelling did, told plainly: DMs withdrawn, DMs that had already gone out, answers deleted."""
    if not report.cancelled:
        return _("This round had already closed, so nothing was cancelled.")
    lines = [
        _("*Pulse round cancelled.*"),
        _("• Withdrawn before sending: {n} DMs").format(n=report.withdrawn),
        _("• Already delivered: {n} DMs — each is being changed to say the pulse closed").format(
            n=report.delivered
        ),
    ]
    if report.in_flight:
        lines.append(
            _(
                "• Being sent at that moment: {n} DMs — they are changed the same way once Slack confirms them"
            ).format(n=report.in_flight)
        )
    if report.answered is not None:
        lines.append(
            f"• {answered_so_far(report.answered)} "
            + _("Those answers are deleted; the round has no results.")
        )
    return "\n".join(lines)
