"""The coordinators' `/pulse supporters` table on every platform: each supporter's own activity, no session
detail, in the catalogue's light markup (people as `<@id>`). Pure."""

from __future__ import annotations

from bot.i18n import _, format_day, ngettext
from bot.insights import Suppressed
from bot.support import SupporterRow, SupportersOverview, TrainingStatus


def _hours(minutes: int) -> str:
    return _("{hours} h").format(hours=f"{minutes / 60:.1f}")


def _training(status: TrainingStatus) -> str:
    until = status.valid_until
    if status.state == "current" and until is not None:
        return _(":large_green_circle: current until {day}").format(day=format_day(until, year=True))
    if status.state == "lapsing" and until is not None:
        return _(":large_yellow_circle: lapsing {day}").format(day=format_day(until, year=True))
    if status.state == "lapsed" and until is not None:
        return _(":red_circle: lapsed since {day}").format(day=format_day(until, year=True))
    return _(":white_circle: none recorded")


def _sessions(value: int | Suppressed) -> str:
    if isinstance(value, Suppressed):
        return _("sessions: withheld")
    return ngettext("{n} session", "{n} sessions", value).format(n=value)


def _row(row: SupporterRow) -> str:
    sessions = _sessions(row.sessions)
    hours = "" if isinstance(row.minutes, Suppressed) else f", {_hours(row.minutes)}"
    overdue = row.overdue_follow_ups
    late = (
        ""
        if isinstance(overdue, Suppressed)
        else " · :warning: "
        + ngettext("{n} follow-up overdue", "{n} follow-ups overdue", overdue).format(n=overdue)
        if overdue
        else " · " + _("no follow-ups overdue")
    )
    training = _("training {status}").format(status=_training(row.training))
    return f"• <@{row.supporter_id}> — {sessions}{hours} · {training}{late}"


def build_supporters_text(overview: SupportersOverview) -> str:
    """Per-supporter sessions and hours and overdue follow-ups (released weeks, k-safe), training."""
    k = overview.k
    period = f"{format_day(overview.since)} – {format_day(overview.until)}"
    lines = [
        _("*Peer supporters* — the latest completed 4-week period, {period} (UTC)").format(period=period)
    ]
    if not overview.rows:
        lines.append(_("The supporters channel has no members yet."))
    lines += [_row(r) for r in overview.rows]
    if overview.rows:
        states = [r.training.state for r in overview.rows]
        total = (
            _("fewer than {k} sessions, or all from one supporter: withheld").format(k=k)
            if isinstance(overview.total_sessions, Suppressed)
            else _sessions(overview.total_sessions)
            + (
                ""
                if isinstance(overview.total_minutes, Suppressed)
                else f", {_hours(overview.total_minutes)}"
            )
        )
        overdue = (
            _("withheld") if isinstance(overview.total_overdue, Suppressed) else str(overview.total_overdue)
        )
        lines.append(
            _(
                "*Total:* {total} · training current {current}, lapsing {lapsing}, lapsed {lapsed}, "
                "none {none} · follow-ups overdue at the end of the period {overdue}"
            ).format(
                total=total,
                current=states.count("current"),
                lapsing=states.count("lapsing"),
                lapsed=states.count("lapsed"),
                none=states.count("none"),
                overdue=overdue,
            )
        )
    if isinstance(overview.former_sessions, Suppressed) or overview.former_sessions:
        former = _sessions(overview.former_sessions)
        hours = (
            "" if isinstance(overview.former_minutes, Suppressed) else f", {_hours(overview.former_minutes)}"
        )
        lines.append(
            _("Sessions by people no longer in the supporters channel — {sessions}.").format(
                sessions=former + hours
            )
        )
    lines.append(
        _(
            "_Supporters' own activity only: no session details, categories or notes. Session and follow-up "
            "figures count sessions once they can no longer be edited, change only when a 4-week period "
            "completes, and any under {k} — or that would reveal one by subtraction — are withheld. "
            "Training status is shown as recorded today. The weekly digest carries the program's trends._"
        ).format(k=k)
    )
    return "\n".join(lines)
