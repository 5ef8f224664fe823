"""Text for coordinators' `/pulse` subcommands. Pure builders."""

from __future__ import annotations

from bot.questions import QuestionBank
from bot.surveys import AnsweredFigure, RoundStatus, Schedules, answered_figure, is_cancelled


def build_status_text(status: RoundStatus, *, k: int) -> str:
    """Participation in a round, plus delivery trouble a coordinator should know about."""
    r = status.round
    if is_cancelled(r):
        return (
            f"*Pulse round opened {r.opened_at:%a %d %b}* — cancelled. Its DMs not yet sent were withdrawn, "
            "those delivered now say it closed, and its answers were deleted: it has no results."
        )
    state = "closed" if r.closed_at is not None else f"open until {r.closes_at:%a %d %b %H:%M} UTC"
    lines = [
        f"*Pulse round opened {r.opened_at:%a %d %b}* — {state}",
        f"• Invited: {status.invited}",
        f"• Delivered: {status.delivered}"
        + (f" (still to send: {status.waiting})" if status.waiting else ""),
    ]
    lines.append(answered_line(answered_figure(status, k=k)))
    if status.failed:
        lines.append(
            f"• :warning: Could not deliver: {status.failed} (see the logs for reasons; retries are exhausted)"
        )
    if status.reminders_scheduled:
        lines.append(
            f"• One reminder is scheduled for each of the {status.reminders_scheduled} people invited; "
            "everyone gets it, answered or not, so it reveals nothing about who answered"
        )
    return "\n".join(lines)


def answered_line(figure: AnsweredFigure) -> str:
    """The answered count as the k rule lets it be told, as a bullet line."""
    k = figure.k
    if figure.shown == "exact":
        return f"• Answered: {figure.count} ({figure.rate or 0.0:.0%})"
    if figure.shown == "at_least" and figure.closed:
        return (
            f"• Answered: at least {figure.count} (fewer than {k} did not answer, so the "
            "exact count is not shown)"
        )
    if figure.shown == "at_least":
        return f"• Answered: at least {figure.count} so far (shown in steps of {k})"
    return f"• Answered: fewer than {k} so far (counts under {k} are not shown)"


def build_schedule_text(schedules: Schedules) -> str:
    """When pulses and digests go out."""
    return (
        f"*Pulses:* `{schedules.pulse}` in each person's own time zone, open for "
        f"{schedules.pulse_window_days} day(s), one reminder before closing.\n"
        f"*Digest:* `{schedules.digest}` ({schedules.digest_timezone}) in <#{schedules.coordinator_channel}>.\n"
        "_Change them with PULSE_SCHEDULE / DIGEST_SCHEDULE and restart; the scheduler keeps one job each._"
    )


def build_questions_text(bank: QuestionBank) -> str:
    """The question bank with constructs and sources."""
    lines = ["*Question bank* (core constructs are asked every round, the rest take turns):"]
    for q in bank.questions:
        tag = " · every round" if bank.cadence_of(q.construct) == "every" else " · rotating"
        lines.append(f"• `{q.id}` ({q.construct}{tag}) — {q.text}\n    _{q.source}_")
    return "\n".join(lines)
