"""Block Kit for "you said, we did": the share button, the draft and preview modals, the message. Pure builders."""

from __future__ import annotations

import json
from typing import Any

from bot.i18n import N_, _
from bot.updates import DESTINATION, TEXT, TEXT_MAX
from handlers.shared.announcement_words import update_failed_text, update_published_text, update_waiting_text
from handlers.slack.blocks.mrkdwn import escape, quote
from storage.digest_models import ImprovementAction

SHARE_UPDATE_ACTION = "update_share"
UPDATE_DRAFT_VIEW = "update_draft_view"
UPDATE_PREVIEW_VIEW = "update_preview_view"
INPUT = "value"
SHARE_LABEL = N_("Share a ‘you said, we did’ update")


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
                    "text": {"type": "plain_text", "text": _(SHARE_LABEL)},
                    "value": action_id,
                }
            ],
        },
    ]


def build_update_message(text: str) -> dict[str, Any]:
    """The update as employees receive it, in the channel or a DM."""
    return {
        "text": _("You said, we did: {text}").format(text=text)[:3000],
        "blocks": [
            _section(_(":loudspeaker: *You said, we did*")),
            _section(escape(text)),
            _context(_("From the peer-support program's coordinators. Your pulse answers stay anonymous.")),
        ],
    }


def where_text(destination: str, audience_channel: str | None) -> str:
    """Where an update goes, in words."""
    if destination == "channel" and audience_channel:
        return _("in {channel}").format(channel=f"<#{audience_channel}>")
    return _("as a direct message to each person in the pulse audience")


def build_update_draft_modal(
    *, action: ImprovementAction, draft: str, audience_channel: str | None, k: int, notice: str = ""
) -> dict[str, Any]:
    """The editable draft and where it goes (with why it came back, if it did); submitting it previews."""
    options = [_option("dm", _("A direct message to each person in the pulse audience"))]
    if audience_channel:
        options.insert(0, _option("channel", _("A post in the audience channel")))
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
        "title": {"type": "plain_text", "text": _("You said, we did")},
        "submit": {"type": "plain_text", "text": _("Preview")},
        "close": {"type": "plain_text", "text": _("Cancel")},
        "blocks": [
            _section(
                _("Tell employees what changed because of what they said: *{title}*.").format(
                    title=escape(action.title)
                )
            ),
            *([_section(f":warning: {escape(notice)}")] if notice else []),
            {
                "type": "input",
                "block_id": TEXT,
                "label": {"type": "plain_text", "text": _("The update, in plain words")},
                "element": {**element, "action_id": INPUT},
            },
            {
                "type": "input",
                "block_id": DESTINATION,
                "label": {"type": "plain_text", "text": _("Send it as")},
                "element": {
                    "type": "radio_buttons",
                    "action_id": INPUT,
                    "options": options,
                    "initial_option": options[0],
                },
            },
            _context(
                _(
                    ":lock: Only the before and after this action measured from {k} or more people may be "
                    "quoted. Counts of fewer than {k} people and quotes repeated from a digest are refused, "
                    "with the reason."
                ).format(k=k)
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
        "title": {"type": "plain_text", "text": _("Preview")},
        "submit": {"type": "plain_text", "text": _("Publish")},
        "close": {"type": "plain_text", "text": _("Cancel")},
        "blocks": [
            _context(
                _("*Preview* — this is exactly what will be sent {where}:").format(
                    where=where_text(destination, audience_channel)
                )
            ),
            {"type": "divider"},
            *message["blocks"],
            {"type": "divider"},
            _context(_("Publish sends it now. Cancel sends nothing.")),
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
    said = update_published_text(
        user_id=user_id,
        title=title,
        destination=destination,
        where=where_text(destination, audience_channel),
        recipients=recipients,
        quote=escape,
    )
    return said + f"\n{quote(text, keep_lines=True)}"


def _where(audience_channel: str | None) -> str:
    return f"<#{audience_channel}>" if audience_channel else _("the audience channel")


def build_update_failed_text(
    *, user_id: str, title: str | None, audience_channel: str | None, error: str
) -> str:
    """The coordinators' channel's note that Slack refused an update's post, and what to do."""
    return update_failed_text(
        user_id=user_id, title=title, where=_where(audience_channel), error=error, quote=escape
    )


def build_update_waiting_text(*, user_id: str, title: str | None, audience_channel: str | None) -> str:
    """The coordinators' channel's note that an update is queued but Slack has not accepted it yet."""
    return update_waiting_text(user_id=user_id, title=title, where=_where(audience_channel), quote=escape)
