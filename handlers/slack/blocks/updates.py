"""Block Kit for "you said, we did": the share button, the draft and preview modals, the message. Pure builders."""

from __future__ import annotations

import json
from typing import Any

from bot.i18n import N_, _
from bot.updates import DESTINATION, TEXT, TEXT_MAX
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
    about = _(" about *{title}*").format(title=escape(title)) if title else ""
    quoted = quote(text, keep_lines=True)
    who = f"<@{user_id}>"
    if destination == "channel":
        where = where_text(destination, audience_channel)
        published = _(":loudspeaker: {who} published a ‘you said, we did’ update{about} {where}:")
        return published.format(who=who, about=about, where=where) + f"\n{quoted}"
    # A fan-out goes at the workspace's message rate: queued is what is true when this is said.
    shared = _(
        ":loudspeaker: {who} shared a ‘you said, we did’ update{about}; it is on its way"
        " as a direct message to {recipients} people in the pulse audience:"
    )
    return shared.format(who=who, about=about, recipients=recipients) + f"\n{quoted}"


def build_update_failed_text(
    *, user_id: str, title: str | None, audience_channel: str | None, error: str
) -> str:
    """The coordinators' channel's note that Slack refused an update's post, and what to do."""
    about = _(" about *{title}*").format(title=escape(title)) if title else ""
    where = f"<#{audience_channel}>" if audience_channel else _("the audience channel")
    return _(
        ":warning: {who}'s ‘you said, we did’ update{about} was *not* published: Slack refused the"
        " post in {where} ({error}). Invite PeerPulse there (`/invite @PeerPulse`), then share"
        " the update again from the closed action."
    ).format(who=f"<@{user_id}>", about=about, where=where, error=escape(error))


def build_update_waiting_text(*, user_id: str, title: str | None, audience_channel: str | None) -> str:
    """The coordinators' channel's note that an update is queued but Slack has not accepted it yet."""
    about = _(" about *{title}*").format(title=escape(title)) if title else ""
    where = f"<#{audience_channel}>" if audience_channel else _("the audience channel")
    return _(
        ":hourglass: {who}'s ‘you said, we did’ update{about} is queued for {where}, but Slack"
        " has not accepted it yet; PeerPulse keeps trying. If it does not appear soon, ask your admin to"
        " look at PeerPulse's log."
    ).format(who=f"<@{user_id}>", about=about, where=where)
