"""Outbox rows rendered for Teams at send time: the one seam the Adaptive Card renderers replace.

Until they land (handlers/teams/cards/), every row goes out as its plain fallback text, in the
reader's catalogue language where the words already exist; a pulse also carries its answer buttons
as data (AnswerButtons), so answering works end to end through the same `pulse.answer` invoke.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.announcements import ANNOUNCEMENTS
from bot.ballots import PulseBallot
from bot.delivery import Renderer
from bot.digest import DigestChart, DigestView
from bot.i18n import _, current_language, format_day
from bot.ports import OutgoingFile, OutgoingMessage
from bot.services import Services
from bot.updates import UpdateMessage
from bot.views import read_view
from handlers.teams.answer_data import AnswerButtons, PulseAnswer, encode_answer_data
from storage.models import OutboxMessage

# Slack's emoji shortcodes in shared catalogue strings mean nothing in Teams' plain text.
_SHORTCODE = re.compile(r":[a-z_]+:\s*")


def plain(text: str) -> str:
    """A catalogue string as Teams text: no emoji shortcodes, typed commands without Slack's slash."""
    return _SHORTCODE.sub("", text).replace("`/pulse", "`pulse")


def written_date(moment: datetime, *, zone: str) -> str:
    """A deadline written out in one zone (Teams text has no reader-local date token)."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(ZoneInfo(zone))
    return f"{format_day(local.date())}, {local:%H:%M} {local:%Z}"


def answer_buttons(pulse: PulseBallot) -> AnswerButtons:
    """Every answer a person can tap on their pulse, bound to their ballot."""
    language = current_language()
    options = []
    for question in pulse.questions:
        for value, label in zip(question.values, question.labels, strict=False):
            answer = PulseAnswer(
                round_id=pulse.round_id,
                question_id=question.id,
                ballot=pulse.ballot,
                tag=pulse.tag,
                value=value,
                language=language,
            )
            options.append({"question": question.id, "label": _(label), "data": encode_answer_data(answer)})
    return AnswerButtons(options=tuple(options))


def pulse_fallback(pulse: PulseBallot) -> OutgoingMessage:
    """The pulse as text: what it asks, with its answers as data for the buttons."""
    lines = [_("This week's pulse: a few one-tap questions, anonymous.")]
    lines += [f"{n}. {_(q.text)}" for n, q in enumerate(pulse.questions, start=1) if q.values]
    return OutgoingMessage(text="\n".join(lines), view=answer_buttons(pulse))


def make_renderers(services: Services) -> dict[str, Renderer]:
    """Renderers by outbox kind (the pulse, its reminder and close, channel posts, the chart)."""

    async def render_pulse(row: OutboxMessage) -> OutgoingMessage | None:
        pulse = await services.ballots.ballot_for(round_id=row.round_id or "", recipient=row.recipient)
        return None if pulse is None else pulse_fallback(pulse)

    async def render_reminder(row: OutboxMessage) -> OutgoingMessage | None:
        reminder = await services.ballots.reminder_for(round_id=row.round_id or "", recipient=row.recipient)
        if reminder is None:
            return None
        closes = written_date(reminder.closes_at, zone=reminder.promise.timezone)
        text = _(
            ":alarm_clock: A gentle reminder: this week's anonymous pulse closes {closes}. "
            "{where} — under a minute, one tap per question. Already answered? Thank you; "
            "nothing more to do. Everyone gets this reminder, so it says nothing about who has answered."
        ).format(closes=closes, where=_("It's the message above"))
        return OutgoingMessage(text=plain(text))

    async def render_closed(row: OutboxMessage) -> OutgoingMessage | None:
        # Everyone's pulse becomes the same words, with nothing left to tap.
        if row.message_ref is None:
            return None
        text = _(
            "This pulse has closed. Thank you. Answers are kept without names and shared only as group figures."
        )
        return OutgoingMessage(text=text, replaces=row.message_ref)

    async def render_text(row: OutboxMessage) -> OutgoingMessage | None:
        view = read_view(row.payload)
        if isinstance(view, DigestView):
            # One line per part until the cards draw the digest.
            return OutgoingMessage(text=f"PeerPulse weekly digest · {view.report.generated_at:%d %b %Y}")
        if isinstance(view, UpdateMessage):
            return OutgoingMessage(text=view.text)
        if isinstance(view, ANNOUNCEMENTS):
            return OutgoingMessage(text=view.kind.replace("_", " "))
        if view is not None:
            raise ValueError(f"a text row holds a {view.kind!r} view")
        return OutgoingMessage(text=str((row.payload or {}).get("text", "")))

    async def render_file(row: OutboxMessage) -> OutgoingMessage | None:
        view = read_view(row.payload)
        if not isinstance(view, DigestChart):
            raise ValueError("a file row on Teams holds a chart view")
        file = OutgoingFile(
            filename=view.filename, title=view.title, content=view.png, alt_text=view.alt_text
        )
        return OutgoingMessage(text=view.caption, file=file)

    return {
        "pulse": render_pulse,
        "pulse_reminder": render_reminder,
        "pulse_closed": render_closed,
        "text": render_text,
        "file": render_file,
    }
