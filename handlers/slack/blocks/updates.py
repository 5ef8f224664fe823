"""Block Kit for "you said, we did": the share button, the draft and preview modals, the message. Pure builders."""

from __future__ import annotations

import json
from typing import Any

from bot.updates import DESTINATION, TEXT, TEXT_MAX
from handlers.slack.blocks.mrkdwn import escape, quote
from storage.digest_models import ImprovementAction

SHARE_UPDATE_ACTION = "update_share"
UPDATE_DRAFT_VIEW = "update_draft_view"
UPDATE_PREVIEW_VIEW = "update_preview_view"
INPUT = "value"
SHARE_LABEL = "Share a ‘you said, we did’ update"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def build_closed_action_blocks(text: str, *, action_id: str) -> list[dict[str, Any]]:
    """The channel's note that an action closed, with the button to tell employees about it."""
    return [
        _section(text),
        {
            "type": "actions",
            "block_id": f"share_{action_id}",
            "elements": [
                {
                    "type": "button",
                    "action_id": SHARE_UPDATE_ACTION,
                    "text": {"type": "plain_text", "text": SHARE_LABEL},
                    "value": action_id,
                }
            ],
        },
    ]


def build_update_message(text: str) -> dict[str, Any]:
    """The update as employees receive it, in the channel or a DM."""
    return {
        "text": f"You said, we did: {text}"[:3000],
        "blocks": [
            _section(":loudspeaker: *You said, we did*"),
            _section(escape(text)),
            _context("From the peer-support program's coordinators. Your pulse answers stay anonymous."),
        ],
    }


def where_text(destination: str, audience_channel: str | None) -> str:
    """Where an update goes, in words."""
    if destination == "channel" and audience_channel:
        return f"in <#{audience_channel}>"
    return "as a direct message to each person in the pulse audience"


def build_update_draft_modal(
    *, action: ImprovementAction, draft: str, audience_channel: str | None, k: int, notice: str = ""
) -> dict[str, Any]:
    """The editable draft and where it goes (with why it came back, if it did); submitting it previews."""
    options = [_option("dm", "A direct message to each person in the pulse audience")]
    if audience_channel:
        options.insert(0, _option("channel", "A post in the audience channel"))
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "multiline": True,
        "max_length": TEXT_MAX,
        "initial_value": draft[:TEXT_MAX],
    }
    return {
        "type": "modal",
        "callback_id": UPDATE_DRAFT_VIEW,
        "private_metadata": json.dumps({"a": action.id}, separators=(",", ":")),
        "title": {"type": "plain_text", "text": "You said, we did"},
        "submit": {"type": "plain_text", "text": "Preview"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _section(f"Tell employees what changed because of what they said: *{escape(action.title)}*."),
            *([_section(f":warning: {escape(notice)}")] if notice else []),
            {
                "type": "input",
                "block_id": TEXT,
                "label": {"type": "plain_text", "text": "The update, in plain words"},
                "element": {**element, "action_id": INPUT},
            },
            {
                "type": "input",
                "block_id": DESTINATION,
                "label": {"type": "plain_text", "text": "Send it as"},
                "element": {
                    "type": "radio_buttons",
                    "action_id": INPUT,
                    "options": options,
                    "initial_option": options[0],
                },
            },
            _context(
                f":lock: Only the before and after this action measured from {k} or more people may be quoted. "
                f"Counts of fewer than {k} people and quotes repeated from a digest are refused, with the reason."
            ),
        ],
    }


def build_update_preview_modal(
    *, action_id: str, text: str, destination: str, audience_channel: str | None, update_id: str
) -> dict[str, Any]:
    """Exactly what will be sent and where; submitting it publishes."""
    meta = {"a": action_id, "d": destination, "t": text, "u": update_id}
    message = build_update_message(text)
    return {
        "type": "modal",
        "callback_id": UPDATE_PREVIEW_VIEW,
        "private_metadata": json.dumps(meta, separators=(",", ":"), ensure_ascii=False),
        "title": {"type": "plain_text", "text": "Preview"},
        "submit": {"type": "plain_text", "text": "Publish"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _context(
                f"*Preview* — this is exactly what will be sent {where_text(destination, audience_channel)}:"
            ),
            {"type": "divider"},
            *message["blocks"],
            {"type": "divider"},
            _context("Publish sends it now. Cancel sends nothing."),
        ],
    }


def build_update_published_text(
    *,
    user_id: str,
    title: str | None,
    text: str,
    destination: str,
    audience_channel: str | None,
    recipients: int,
) -> str:
    """The coordinators' channel's note that an update went out (channel: posted; DMs: on their way)."""
    about = f" about *{escape(title)}*" if title else ""
    quoted = quote(text, keep_lines=True)
    if destination == "channel":
        where = where_text(destination, audience_channel)
        return f":loudspeaker: <@{user_id}> published a ‘you said, we did’ update{about} {where}:\n{quoted}"
    # A fan-out goes at the workspace's message rate: queued is what is true when this is said.
    return (
        f":loudspeaker: <@{user_id}> shared a ‘you said, we did’ update{about}; it is on its way"
        f" as a direct message to {recipients} people in the pulse audience:\n{quoted}"
    )


def build_update_failed_text(
    *, user_id: str, title: str | None, audience_channel: str | None, error: str
) -> str:
    """The coordinators' channel's note that Slack refused an update's post, and what to do."""
    about = f" about *{escape(title)}*" if title else ""
    where = f"<#{audience_channel}>" if audience_channel else "the audience channel"
    return (
        f":warning: <@{user_id}>'s ‘you said, we did’ update{about} was *not* published: Slack refused the"
        f" post in {where} ({escape(error)}). Invite PeerPulse there (`/invite @PeerPulse`), then share"
        " the update again from the closed action."
    )


def build_update_waiting_text(*, user_id: str, title: str | None, audience_channel: str | None) -> str:
    """The coordinators' channel's note that an update is queued but Slack has not accepted it yet."""
    about = f" about *{escape(title)}*" if title else ""
    where = f"<#{audience_channel}>" if audience_channel else "the audience channel"
    return (
        f":hourglass: <@{user_id}>'s ‘you said, we did’ update{about} is queued for {where}, but Slack"
        " has not accepted it yet; PeerPulse keeps trying. If it does not appear soon, ask your admin to"
        " look at PeerPulse's log."
    )
