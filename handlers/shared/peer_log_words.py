"""What `/peer-log` says on every platform: its usage and the privacy hint atop the session form."""

from __future__ import annotations

from bot.i18n import N_

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
