"""“You said, we did” on Teams: the draft and preview dialogs (the share button that opens them is on
the closed action's note, cards/improvement.py). Pure builders; the words are Slack's modals'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.i18n import _
from bot.updates import DESTINATION, TEXT, TEXT_MAX
from handlers.teams.cards.announcements import build_update_card
from handlers.teams.cards.card import card, dialog, note, text
from handlers.teams.cards.forms import field_error
from handlers.teams.cards.markup import inert

PREVIEW = "update.preview"  # the draft's Send: check it, then preview
PUBLISH = "update.publish"  # the preview's Send: publish
# In the preview's Publish: the action, the destination, the text and the update's id (as Slack's metadata).
ACTION_KEY, DESTINATION_KEY, TEXT_KEY, UPDATE_KEY = "a", "d", "t", "u"


def _where(destination: str, audience_channel: str | None) -> str:
    # A card cannot name a Teams channel from its id: said in words, as the channel's notes do.
    if destination == "channel" and audience_channel:
        return _("in {channel}").format(channel=_("the audience channel"))
    return _("as a direct message to each person in the pulse audience")


def build_draft_dialog(
    *,
    action_id: str,
    title: str,
    draft: str,
    destination: str | None,
    audience_channel: str | None,
    k: int,
    notice: str = "",
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The editable draft and where it goes (with why it came back, if it did); its Send previews."""
    choices = [{"title": _("A direct message to each person in the pulse audience"), "value": "dm"}]
    if audience_channel:
        choices.insert(0, {"title": _("A post in the audience channel"), "value": "channel"})
    errors = errors or {}
    box = {
        "type": "Input.Text",
        "id": TEXT,
        "label": _("The update, in plain words"),
        "isMultiline": True,
        "maxLength": TEXT_MAX,
        "value": draft[:TEXT_MAX],
        "isRequired": True,
        "errorMessage": _("Write the update people will read."),
    }
    where = {
        "type": "Input.ChoiceSet",
        "id": DESTINATION,
        "label": _("Send it as"),
        "style": "expanded",
        "choices": choices,
        "value": destination if destination in {c["value"] for c in choices} else choices[0]["value"],
    }
    body: list[dict[str, Any]] = [
        text(
            _("Tell employees what changed because of what they said: *{title}*.").format(title=inert(title))
        )
    ]
    if notice:
        body.append(text(f":warning: {inert(notice)}", color="attention"))
    body.append(box)
    body += [field_error(errors[TEXT])] if TEXT in errors else []
    body.append(where)
    body += [field_error(errors[DESTINATION])] if DESTINATION in errors else []
    body += [
        note(
            _(
                ":lock: Only the before and after this action measured from {k} or more people may be "
                "quoted. Counts of fewer than {k} people and quotes repeated from a digest are refused, "
                "with the reason."
            ).format(k=k)
        ),
        {
            "type": "ActionSet",
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": _("Preview"),
                    "data": {"action": PREVIEW, ACTION_KEY: action_id},
                }
            ],
        },
    ]
    return dialog(_("You said, we did"), card(body))


def build_preview_dialog(
    *, action_id: str, words: str, destination: str, audience_channel: str | None, update_id: str
) -> dict[str, Any]:
    """Exactly what will be sent and where; its Publish sends it."""
    shown = build_update_card(words)
    data = {
        "action": PUBLISH,
        ACTION_KEY: action_id,
        DESTINATION_KEY: destination,
        TEXT_KEY: words,
        UPDATE_KEY: update_id,
    }
    body = [
        note(
            _("*Preview* — this is exactly what will be sent {where}:").format(
                where=_where(destination, audience_channel)
            )
        ),
        {"type": "Container", "style": "emphasis", "items": shown["body"]},
        note(_("Publish sends it now. Cancel sends nothing.")),
        {"type": "ActionSet", "actions": [{"type": "Action.Submit", "title": _("Publish"), "data": data}]},
    ]
    return dialog(_("Preview"), card(body))
