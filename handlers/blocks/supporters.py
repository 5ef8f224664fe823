"""The coordinators' `/pulse supporters` table: each supporter's own activity, no session detail. Pure."""

from __future__ import annotations

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


def _row(row: SupporterRow) -> str:
    sessions = f"{row.sessions} session{'' if row.sessions == 1 else 's'}"
    overdue = (
        f" · :warning: {row.overdue_follow_ups} follow-up{'' if row.overdue_follow_ups == 1 else 's'} overdue"
        if row.overdue_follow_ups
        else " · no follow-ups overdue"
    )
    return f"• <@{row.supporter_id}> — {sessions}, {_hours(row.minutes)} · training {_training(row.training)}{overdue}"


def build_supporters_text(overview: SupportersOverview) -> str:
    """Per-supporter sessions and hours (4 weeks), training status and overdue follow-ups."""
    period = f"{overview.since:%a %d %b} – {overview.until:%a %d %b}"
    lines = [f"*Peer supporters* — last 4 weeks ({period}, by session date)"]
    if not overview.rows:
        lines.append("The supporters channel has no members yet.")
    lines += [_row(r) for r in overview.rows]
    if overview.rows:
        states = [r.training.state for r in overview.rows]
        lines.append(
            f"*Total:* {sum(r.sessions for r in overview.rows)} sessions, "
            f"{_hours(sum(r.minutes for r in overview.rows))} · training current {states.count('current')}, "
            f"lapsing {states.count('lapsing')}, lapsed {states.count('lapsed')}, none {states.count('none')} · "
            f"follow-ups overdue {sum(r.overdue_follow_ups for r in overview.rows)}"
        )
    if overview.former_sessions:
        lines.append(
            f"Sessions by people no longer in the supporters channel: {overview.former_sessions}, "
            f"{_hours(overview.former_minutes)}."
        )
    lines.append(
        "_Supporters' own activity only: no session details, categories or notes are shown here. "
        "The weekly digest carries the program's trends._"
    )
    return "\n".join(lines)
