"""Block Kit for a coordinator's control over pulse rounds: confirm a send, cancel, close early. Pure builders."""

from __future__ import annotations

from typing import Any

from bot.surveys import AnsweredFigure, CancelledRound, CloseCheck, RoundPreview, SentRound
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
    return f"{n} person" if n == 1 else f"{n} people"


def build_send_confirmation(preview: RoundPreview) -> dict[str, Any]:
    """`/pulse send`'s question: who would get the round, how many questions, when it closes."""
    source = (
        f"the members of <#{preview.audience_channel}>"
        if preview.audience_channel
        else "everyone active in the workspace (guests and bots left out)"
    )
    text = (
        f"*Send a pulse round now?* It goes to *{_people(preview.people)}* — {source}, "
        f"minus anyone who opted out — with {preview.questions} questions, and closes "
        f"{slack_date(preview.closes_at, zone=preview.zone)}."
    )
    blocks = [
        _section(text),
        {
            "type": "actions",
            "block_id": "pulse_round_send",
            "elements": [
                _button(SEND_CONFIRM_ACTION, "Send it", value=preview.token, style="primary"),
                _button(SEND_DISMISS_ACTION, "Not now"),
            ],
        },
    ]
    return {"text": f"Send a pulse round to {_people(preview.people)} now?", "blocks": blocks}


def build_not_sent() -> dict[str, Any]:
    """What the confirmation turns into after "Not now"."""
    return {"text": "Not sent: no pulse round was opened."}


def _cancel_button(round_id: str) -> dict[str, Any]:
    button = _button(CANCEL_ROUND_ACTION, "Cancel this round", value=round_id, style="danger")
    button["confirm"] = {
        "title": _text("Cancel this round?"),
        "text": _text(
            "DMs not yet sent are withdrawn, those already sent close, and any answers given are deleted."
        ),
        "confirm": _text("Cancel the round"),
        "deny": _text("Keep it"),
        "style": "danger",
    }
    return button


def build_round_opened(sent: SentRound, *, zone: str) -> dict[str, Any]:
    """The confirmation once the round is open, with the way to cancel it before the DMs arrive."""
    round_ = sent.round
    head = "Pulse round opened" if sent.opened else "This confirmation already opened the round"
    text = (
        f"*{head}* for {_people(round_.invited)}, {len(round_.question_ids)} questions, closes "
        f"{slack_date(round_.closes_at, zone=zone)}. Their DMs are queued and go out now; "
        "`/pulse status` shows how many were delivered, and participation.\n"
        "Changed your mind? *Cancel this round* (or `/pulse cancel`) withdraws the DMs not sent yet."
    )
    blocks = [
        _section(text),
        {"type": "actions", "block_id": "pulse_round_opened", "elements": [_cancel_button(round_.id)]},
    ]
    return {"text": f"{head} for {_people(round_.invited)}.", "blocks": blocks}


def build_cancel_prompt(check: CloseCheck) -> dict[str, Any]:
    """`/pulse cancel`: what cancelling the open round would do, with the button that does it."""
    text = (
        f"*Cancel the open pulse round?* {_answered(check.answered)} DMs not sent yet are withdrawn, "
        "DMs already delivered close, and the answers given so far are deleted: a cancelled round has "
        "no results. To keep the answers, close it instead with `/pulse close`."
    )
    blocks = [
        _section(text),
        {"type": "actions", "block_id": "pulse_round_cancel", "elements": [_cancel_button(check.round.id)]},
    ]
    return {"text": "Cancel the open pulse round?", "blocks": blocks}


def build_cancelled(report: CancelledRound) -> dict[str, Any]:
    """What cancelling did, told plainly: DMs withdrawn, DMs that had already gone out, answers deleted."""
    if not report.cancelled:
        return {"text": "This round had already closed, so nothing was cancelled."}
    lines = [
        "*Pulse round cancelled.*",
        f"• Withdrawn before sending: {report.withdrawn} DMs",
        f"• Already delivered: {report.delivered} DMs — each is being changed to say the pulse closed",
    ]
    if report.in_flight:
        lines.append(
            f"• Being sent at that moment: {report.in_flight} DMs — they are changed the same way once Slack "
            "confirms them"
        )
    if report.answered is not None:
        lines.append(f"• {_answered(report.answered)} Those answers are deleted; the round has no results.")
    text = "\n".join(lines)
    return {"text": text, "blocks": [_section(text)]}


def build_close_confirmation(check: CloseCheck) -> dict[str, Any]:
    """`/pulse close`'s question, with participation only as far as the k rules allow."""
    text = (
        f"*Close the round now?* {_answered(check.answered)} Closing keeps the answers and computes "
        "the results; everyone's pulse DM loses its buttons."
    )
    blocks = [
        _section(text),
        {
            "type": "actions",
            "block_id": "pulse_round_close",
            "elements": [
                _button(CLOSE_CONFIRM_ACTION, "Close now", value=check.round.id, style="primary"),
                _button(CLOSE_KEEP_ACTION, "Keep it open"),
            ],
        },
    ]
    return {"text": "Close the pulse round now?", "blocks": blocks}


def build_closed_early(*, closed: bool) -> dict[str, Any]:
    """What the close confirmation turns into once confirmed."""
    if not closed:
        return {"text": "This round had already closed; nothing changed."}
    return {
        "text": "Pulse round closed. Everyone's DM now says it closed; the results are in the next digest."
    }


def build_kept_open() -> dict[str, Any]:
    """What the close confirmation turns into after "Keep it open"."""
    return {"text": "The round stays open."}


def _answered(figure: AnsweredFigure) -> str:
    """The answered count so far, as /pulse status may tell it."""
    if figure.shown == "exact":
        return f"{figure.count} answered so far."
    if figure.shown == "at_least":
        return f"At least {figure.count} answered so far."
    return f"Fewer than {figure.k} people answered so far (counts under {figure.k} are not shown)."
