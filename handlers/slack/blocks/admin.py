"""Text for coordinators' `/pulse` subcommands. Pure builders."""

from __future__ import annotations

from bot.questions import QuestionBank
from bot.surveys import RoundStatus, Schedules


def build_status_text(status: RoundStatus, *, k: int) -> str:
    """Participation in a round, plus delivery trouble a coordinator should know about."""
    r = status.round
    state = "closed" if r.closed_at is not None else f"open until {r.closes_at:%a %d %b %H:%M} UTC"
    lines = [
        f"*Pulse round opened {r.opened_at:%a %d %b}* — {state}",
        f"• Invited: {status.invited}",
        f"• Delivered: {status.delivered}"
        + (f" (still to send: {status.waiting})" if status.waiting else ""),
    ]
    # Invited minus answered is a group too (who did not answer): both must be 0 or at least k.
    exact = status.answered >= k and not 0 < status.invited - status.answered < k
    if r.closed_at is not None and exact:
        rate = status.answered / status.invited if status.invited else 0.0
        lines.append(f"• Answered: {status.answered} ({rate:.0%})")
    elif r.closed_at is not None and status.answered >= k:
        lines.append(
            f"• Answered: at least {status.answered // k * k} (fewer than {k} did not answer, so the "
            "exact count is not shown)"
        )
    elif status.answered >= k:
        # While open the count moves in steps of k: two looks a minute apart never differ by 1..k-1.
        lines.append(f"• Answered: at least {status.answered // k * k} so far (shown in steps of {k})")
    else:
        lines.append(f"• Answered: fewer than {k} so far (counts under {k} are not shown)")
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
