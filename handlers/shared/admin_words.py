"""What coordinators' `/pulse schedule` and `/pulse questions` say, on every platform. Pure builders.

The platform names the coordinators' channel its own way (Slack links it; Teams says it in words).
"""

from __future__ import annotations

from bot.i18n import _, ngettext
from bot.measures import CONSTRUCT_LABELS, label_of
from bot.questions import QuestionBank
from bot.surveys import Schedules


def schedule_text(schedules: Schedules, *, channel: str) -> str:
    """When pulses and digests go out; `channel` is how the platform names the coordinators' channel."""
    days = schedules.pulse_window_days
    return "\n".join(
        [
            ngettext(
                "*Pulses:* {cron} in each person's own time zone, open for {days} day, one reminder before closing.",
                "*Pulses:* {cron} in each person's own time zone, open for {days} days, one reminder before closing.",
                days,
            ).format(cron=f"`{schedules.pulse}`", days=days),
            _("*Digest:* {cron} ({zone}) in {channel}.").format(
                cron=f"`{schedules.digest}`", zone=schedules.digest_timezone, channel=channel
            ),
            _(
                "_Change them with PULSE_SCHEDULE / DIGEST_SCHEDULE and restart; the scheduler keeps one job each._"
            ),
        ]
    )


def questions_text(bank: QuestionBank) -> str:
    """The question bank with constructs and sources."""
    lines = [_("*Question bank* (core constructs are asked every round, the rest take turns):")]
    for q in bank.questions:
        tag = _("every round") if bank.cadence_of(q.construct) == "every" else _("rotating")
        # The source is a citation: it stays as published.
        about = label_of(q.construct) if q.construct in CONSTRUCT_LABELS else _("Open comments")
        lines.append(f"• `{q.id}` ({about} · {tag}) — {_(q.text)}\n    _{q.source}_")
    return "\n".join(lines)
