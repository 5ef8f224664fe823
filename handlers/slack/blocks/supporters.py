"""The coordinators' `/pulse supporters` table: each supporter's own activity, no session detail. Pure."""

from __future__ import annotations

from bot.insights import Suppressed
from bot.support import SupporterRow, SupportersOverview, TrainingStatus


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f} h"


def _training(status: TrainingStatus) -> str:
    until = status.valid_until
    if status.state == "current" and until is not None:
        return f":large_green_circle: current until {until:%d %b %Y}"
    if status.state == "lapsing" and until is not None:
        return f":large_yellow_circle: lapsing {until:%d %b %Y}"
    if status.state == "lapsed" and until is not None:
        return f":red_circle: lapsed since {until:%d %b %Y}"
    return ":white_circle: none recorded"


def _count(value: int | Suppressed, one: str, many: str) -> str:
    if isinstance(value, Suppressed):
        return f"{many}: withheld"
    return f"{value} {one if value == 1 else many}"


def _row(row: SupporterRow) -> str:
    sessions = _count(row.sessions, "session", "sessions")
    hours = "" if isinstance(row.minutes, Suppressed) else f", {_hours(row.minutes)}"
    overdue = (
        ""
        if isinstance(row.overdue_follow_ups, Suppressed)
        else f" · :warning: {_count(row.overdue_follow_ups, 'follow-up', 'follow-ups')} overdue"
        if row.overdue_follow_ups
        else " · no follow-ups overdue"
    )
    return f"• <@{row.supporter_id}> — {sessions}{hours} · training {_training(row.training)}{overdue}"


def build_supporters_text(overview: SupportersOverview) -> str:
    """Per-supporter sessions and hours and overdue follow-ups (released weeks, k-safe), training."""
    k = overview.k
    period = f"{overview.since:%a %d %b} – {overview.until:%a %d %b}"
    lines = [f"*Peer supporters* — the latest completed 4-week period, {period} (UTC)"]
    if not overview.rows:
        lines.append("The supporters channel has no members yet.")
    lines += [_row(r) for r in overview.rows]
    if overview.rows:
        states = [r.training.state for r in overview.rows]
        total = (
            f"fewer than {k} sessions, or all from one supporter: withheld"
            if isinstance(overview.total_sessions, Suppressed)
            else f"{overview.total_sessions} sessions"
            + (
                ""
                if isinstance(overview.total_minutes, Suppressed)
                else f", {_hours(overview.total_minutes)}"
            )
        )
        overdue = (
            "withheld" if isinstance(overview.total_overdue, Suppressed) else str(overview.total_overdue)
        )
        lines.append(
            f"*Total:* {total} · training current {states.count('current')}, "
            f"lapsing {states.count('lapsing')}, lapsed {states.count('lapsed')}, none {states.count('none')} · "
            f"follow-ups overdue at the end of the period {overdue}"
        )
    if isinstance(overview.former_sessions, Suppressed) or overview.former_sessions:
        former = _count(overview.former_sessions, "session", "sessions")
        hours = (
            "" if isinstance(overview.former_minutes, Suppressed) else f", {_hours(overview.former_minutes)}"
        )
        lines.append(f"Sessions by people no longer in the supporters channel — {former}{hours}.")
    lines.append(
        f"_Supporters' own activity only: no session details, categories or notes. Session and follow-up "
        f"figures count sessions once they can no longer be edited, change only when a 4-week period "
        f"completes, and any under {k} — or that would reveal one by subtraction — are withheld. "
        "Training status is shown as recorded today. The weekly digest carries the program's trends._"
    )
    return "\n".join(lines)
