"""What the pulse and its anonymous forms say on every platform, in the catalogue's light markup."""

from __future__ import annotations

from bot.i18n import N_, _

COMMENT_SAVED = N_(
    ":white_check_mark: *Your comment is saved, without your name.* Names, contact details and links "
    "were removed before it was stored. Coordinators only see comments grouped by theme."
)
COMMENT_REMOVED = N_(":wastebasket: *Your comment is removed.* The box was empty, so nothing of it is kept.")
FEEDBACK_RECEIVED = N_(
    ":pray: *Thank you — your feedback is in, anonymously.* Names, contact details and links were "
    "removed before it was stored. Coordinators read every theme in their weekly digest, and changes "
    "made because of feedback are shared back with everyone."
)
NO_RECORD = N_(
    "This confirmation disappears when you close it: PeerPulse sends no message about it, so nothing "
    "in Slack shows that you wrote."
)

# `/pulse` usage: Slack shows it as it is; Teams types the commands without the slash.
EMPLOYEE_USAGE = N_("""*`/pulse`* — anonymous pulse surveys
• `/pulse` — your open survey and whether you get pulses
• `/pulse optout` · `/pulse optin` — stop or resume getting pulses
• `/pulse help` — this message""")

COORDINATOR_USAGE = N_("""*Coordinators*
• `/pulse send` — open a pulse round now (you confirm who gets it first, and can cancel it after)
• `/pulse status` — participation in the current round
• `/pulse close` — close the open round early (answers kept, results computed)
• `/pulse cancel` — cancel the open round: unsent DMs withdrawn, its answers deleted
• `/pulse schedule` — when pulses and digests go out
• `/pulse questions` — the question bank and where each item comes from
• `/pulse supporters` — peer supporters' sessions, hours and overdue follow-ups (latest completed 4-week period, k-safe) and training
• `/pulse digest` — post the weekly digest to the coordinators' channel now
• `/pulse actions` · `/pulse actions closed` — improvement actions, a page at a time: update, close, reopen, delete, history
• `/pulse policies` · `/pulse policies retired` — the register of program policies: add, edit, mark reviewed, retire""")


def progress_line(done: int, required: int, *, closes: str) -> str:
    """The pulse's last line: how many are answered and when it closes, or thanks once all are."""
    if required and done == required:
        return _(
            ":raised_hands: *Thank you — your answers are in.* You can change them until {closes}."
        ).format(closes=closes)
    return _("{done} of {required} answered · closes {closes}").format(
        done=done, required=required, closes=closes
    )


def reminder_line(*, closes: str, pulse_link: str | None) -> str:
    """The single reminder, the same words for everyone invited (so it says nothing about who answered)."""
    here = _("Here's your pulse")
    where = f"<{pulse_link}|{here}>" if pulse_link else _("It's the message above")
    return _(
        ":alarm_clock: A gentle reminder: this week's anonymous pulse closes {closes}. "
        "{where} — under a minute, one tap per question. Already answered? Thank you; "
        "nothing more to do. Everyone gets this reminder, so it says nothing about who has answered."
    ).format(closes=closes, where=where)
