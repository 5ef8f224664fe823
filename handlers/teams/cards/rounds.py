"""A coordinator's control over pulse rounds on Teams: status, and the send, close and cancel questions.

Pure builders, worded as the Slack ones are (the catalogue's strings). The questions are cards whose
buttons are Action.Submit: in a personal chat Teams sends their data back as a message activity,
which `handlers/teams/coordinator.py` reads; nothing is done until a coordinator taps.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import _, ngettext
from bot.surveys import (
    CancelledRound,
    CloseCheck,
    RoundPreview,
    RoundStatus,
)
from handlers.shared.round_words import answered_so_far, cancelled_lines, status_lines
from handlers.teams.cards.card import card, lines
from handlers.teams.cards.markup import card_date, written_date

# The key that marks a submitted card's data as a round decision, and the decisions.
ROUND_KEY = "peerpulse_round"
SEND, NOT_NOW, CLOSE, KEEP_OPEN, CANCEL = "send", "not_now", "close", "keep_open", "cancel"


def _people(n: int) -> str:
    return ngettext("{n} person", "{n} people", n).format(n=n)


def _submit(title: str, decision: str, value: str = "", *, style: str | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": title,
        "data": {ROUND_KEY: decision, "value": value},
    }
    if style is not None:
        action["style"] = style
    return action


def _question(words: str, buttons: list[dict[str, Any]], *, fallback: str) -> dict[str, Any]:
    return card([*lines(words), {"type": "ActionSet", "actions": buttons}], fallback=fallback)


def build_send_confirmation(preview: RoundPreview) -> dict[str, Any]:
    """`pulse send`'s question: who would get the round, how many questions, when it closes."""
    source = (
        # A card cannot name a Teams channel from its id: said in words.
        _("the members of {channel}").format(channel=_("the audience channel"))
        if preview.audience_channel
        else _("everyone active in the workspace (guests and bots left out)")
    )
    words = ngettext(
        "*Send a pulse round now?* It goes to *{people}* — {source}, minus anyone who opted out — "
        "with {n} question, and closes {closes}.",
        "*Send a pulse round now?* It goes to *{people}* — {source}, minus anyone who opted out — "
        "with {n} questions, and closes {closes}.",
        preview.questions,
    ).format(
        people=_people(preview.people),
        source=source,
        n=preview.questions,
        closes=card_date(preview.closes_at),
    )
    return _question(
        words,
        [_submit(_("Send it"), SEND, preview.token, style="positive"), _submit(_("Not now"), NOT_NOW)],
        fallback=_("Send a pulse round to {people} now?").format(people=_people(preview.people)),
    )


def build_close_confirmation(check: CloseCheck) -> dict[str, Any]:
    """`pulse close`'s question, with participation only as far as the k rules allow."""
    words = (
        _("*Close the round now?*")
        + f" {answered_so_far(check.answered)} "
        + _("Closing keeps the answers and computes the results; everyone's pulse DM loses its buttons.")
    )
    return _question(
        words,
        [
            _submit(_("Close now"), CLOSE, check.round.id, style="positive"),
            _submit(_("Keep it open"), KEEP_OPEN),
        ],
        fallback=_("Close the pulse round now?"),
    )


def build_cancel_prompt(check: CloseCheck) -> dict[str, Any]:
    """`pulse cancel`: what cancelling the open round would do, with the button that does it."""
    words = (
        _("*Cancel the open pulse round?*")
        + f" {answered_so_far(check.answered)} "
        + _(
            "DMs not sent yet are withdrawn, DMs already delivered close, and the answers given so far are "
            "deleted: a cancelled round has no results. To keep the answers, close it instead with `/pulse close`."
        )
    )
    return _question(
        words,
        [
            _submit(_("Cancel the round"), CANCEL, check.round.id, style="destructive"),
            _submit(_("Keep it"), KEEP_OPEN),
        ],
        fallback=_("Cancel the open pulse round?"),
    )


def round_opened_text(opened: bool, *, invited: int, questions: int, closes: str) -> str:
    """What tapping "Send it" did."""
    head = _("Pulse round opened") if opened else _("This confirmation already opened the round")
    return (
        ngettext(
            "*{head}* for {people}, {n} question, closes {closes}. Their DMs are queued and go out now; "
            "`/pulse status` shows how many were delivered, and participation.",
            "*{head}* for {people}, {n} questions, closes {closes}. Their DMs are queued and go out now; "
            "`/pulse status` shows how many were delivered, and participation.",
            questions,
        ).format(head=head, people=_people(invited), n=questions, closes=closes)
        + "\n"
        + _("Changed your mind? *Cancel this round* (or `/pulse cancel`) withdraws the DMs not sent yet.")
    )


def closed_early_text(*, closed: bool) -> str:
    """What tapping "Close now" did."""
    if not closed:
        return _("This round had already closed; nothing changed.")
    return _("Pulse round closed. Everyone's DM now says it closed; the results are in the next digest.")


def not_sent_text() -> str:
    """What tapping "Not now" did."""
    return _("Not sent: no pulse round was opened.")


def kept_open_text() -> str:
    """What tapping "Keep it open" (or "Keep it") did."""
    return _("The round stays open.")


def status_text(status: RoundStatus, *, k: int, zone: str) -> str:
    """`pulse status`: participation in the latest round (k-safe), plus delivery trouble."""
    return status_lines(status, k=k, day=lambda moment: written_date(moment, zone=zone))


def cancelled_text(report: CancelledRound) -> str:
    """What cancelling did, told plainly."""
    return cancelled_lines(report)
