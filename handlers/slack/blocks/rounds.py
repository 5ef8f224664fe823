"""Block Kit for a coordinator's control over pulse rounds: confirm a send, cancel, close early. Pure builders."""

from __future__ import annotations

from typing import Any

from bot.i18n import _, ngettext
from bot.surveys import CancelledRound, CloseCheck, RoundPreview, SentRound
from handlers.shared.round_words import answered_so_far, cancelled_lines
from handlers.slack.blocks.pulse import slack_date

SEND_CONFIRM_ACTION = "pulse_round_send"
SEND_DISMISS_ACTION = "pulse_round_not_now"
CANCEL_ROUND_ACTION = "pulse_round_cancel"
CLOSE_CONFIRM_ACTION = "pulse_round_close"
CLOSE_KEEP_ACTION = "pulse_round_keep_open"


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(action_id: str, label: str, *, value: str = "", style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "action_id": action_id, "text": _text(label), "value": value}
    if style is not None:
        button["style"] = style
    return button


def _people(n: int) -> str:
    return ngettext("{n} person", "{n} people", n).format(n=n)


def build_send_confirmation(preview: RoundPreview) -> dict[str, Any]:
    """`/pulse send`'s question: who would get the round, how many questions, when it closes."""
    source = (
        _("the members of {channel}").format(channel=f"<#{preview.audience_channel}>")
        if preview.audience_channel
        else _("everyone active in the workspace (guests and bots left out)")
    )
    text = ngettext(
        "*Send a pulse round now?* It goes to *{people}* — {source}, minus anyone who opted out — "
        "with {n} question, and closes {closes}.",
        "*Send a pulse round now?* It goes to *{people}* — {source}, minus anyone who opted out — "
        "with {n} questions, and closes {closes}.",
        preview.questions,
    ).format(
        people=_people(preview.people),
        source=source,
        n=preview.questions,
        closes=slack_date(preview.closes_at, zone=preview.zone),
    )
    blocks = [
        _section(text),
        {
            "type": "actions",
            "block_id": "pulse_round_send",
            "elements": [
                _button(SEND_CONFIRM_ACTION, _("Send it"), value=preview.token, style="primary"),
                _button(SEND_DISMISS_ACTION, _("Not now")),
            ],
        },
    ]
    return {
        "text": _("Send a pulse round to {people} now?").format(people=_people(preview.people)),
        "blocks": blocks,
    }


def build_not_sent() -> dict[str, Any]:
    """What the confirmation turns into after "Not now"."""
    return {"text": _("Not sent: no pulse round was opened.")}


def _cancel_button(round_id: str) -> dict[str, Any]:
    button = _button(CANCEL_ROUND_ACTION, _("Cancel this round"), value=round_id, style="danger")
    button["confirm"] = {
        "title": _text(_("Cancel this round?")),
        "text": _text(
            _("DMs not yet sent are withdrawn, those already sent close, and any answers given are deleted.")
        ),
        "confirm": _text(_("Cancel the round")),
        "deny": _text(_("Keep it")),
        "style": "danger",
    }
    return button


def build_round_opened(sent: SentRound, *, zone: str) -> dict[str, Any]:
    """The confirmation once the round is open, with the way to cancel it before the DMs arrive."""
    round_ = sent.round
    head = _("Pulse round opened") if sent.opened else _("This confirmation already opened the round")
    questions = len(round_.question_ids)
    text = (
        ngettext(
            "*{head}* for {people}, {n} question, closes {closes}. Their DMs are queued and go out now; "
            "`/pulse status` shows how many were delivered, and participation.",
            "*{head}* for {people}, {n} questions, closes {closes}. Their DMs are queued and go out now; "
            "`/pulse status` shows how many were delivered, and participation.",
            questions,
        ).format(
            head=head,
            people=_people(round_.invited),
            n=questions,
            closes=slack_date(round_.closes_at, zone=zone),
        )
        + "\n"
        + _("Changed your mind? *Cancel this round* (or `/pulse cancel`) withdraws the DMs not sent yet.")
    )
    blocks = [
        _section(text),
        {"type": "actions", "block_id": "pulse_round_opened", "elements": [_cancel_button(round_.id)]},
    ]
    return {
        "text": _("{head} for {people}.").format(head=head, people=_people(round_.invited)),
        "blocks": blocks,
    }


def build_cancel_prompt(check: CloseCheck) -> dict[str, Any]:
    """`/pulse cancel`: what cancelling the open round would do, with the button that does it."""
    text = (
        _("*Cancel the open pulse round?*")
        + f" {answered_so_far(check.answered)} "
        + _(
            "DMs not sent yet are withdrawn, DMs already delivered close, and the answers given so far are "
            "deleted: a cancelled round has no results. To keep the answers, close it instead with `/pulse close`."
        )
    )
    blocks = [
        _section(text),
        {"type": "actions", "block_id": "pulse_round_cancel", "elements": [_cancel_button(check.round.id)]},
    ]
    return {"text": _("Cancel the open pulse round?"), "blocks": blocks}


def build_close_confirmation(check: CloseCheck) -> dict[str, Any]:
    """`/pulse close`'s question, with participation only as far as the k rules allow."""
    text = (
        _("*Close the round now?*")
        + f" {answered_so_far(check.answered)} "
        + _("Closing keeps the answers and computes the results; everyone's pulse DM loses its buttons.")
    )
    blocks = [
        _section(text),
        {
            "type": "actions",
            "block_id": "pulse_round_close",
            "elements": [
                _button(CLOSE_CONFIRM_ACTION, _("Close now"), value=check.round.id, style="primary"),
                _button(CLOSE_KEEP_ACTION, _("Keep it open")),
            ],
        },
    ]
    return {"text": _("Close the pulse round now?"), "blocks": blocks}


def build_closed_early(*, closed: bool) -> dict[str, Any]:
    """What the close confirmation turns into once confirmed."""
    if not closed:
        return {"text": _("This round had already closed; nothing changed.")}
    return {
        "text": _("Pulse round closed. Everyone's DM now says it closed; the results are in the next digest.")
    }


def build_kept_open() -> dict[str, Any]:
    """What the close confirmation turns into after "Keep it open"."""
    return {"text": _("The round stays open.")}


def build_cancelled(report: CancelledRound) -> dict[str, Any]:
    """What cancelling did, told plainly: DMs withdrawn, DMs that had already gone out, answers deleted."""
    text = cancelled_lines(report)
    if not report.cancelled:
        return {"text": text}
    return {"text": text, "blocks": [_section(text)]}
