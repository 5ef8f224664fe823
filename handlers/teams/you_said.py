"""“You said, we did” on Teams: the draft dialog from a closed action's note, its preview, and the
publish, each through the same domain calls as Slack's modals (validate, then share).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from bot.errors import InvalidInput
from bot.i18n import _
from bot.services import Services
from bot.updates import DESTINATION, TEXT
from handlers.teams.cards import updates as update_cards
from handlers.teams.task_replies import field_errors, said, text_of

log = logging.getLogger(__name__)


async def draft_dialog(services: Services, person: str, action_id: str) -> dict[str, Any]:
    """The editable draft for a closed action (the domain refuses anyone but a coordinator)."""
    draft = await services.updates.draft(team_id=services.team_id, action_id=action_id, by=person)
    return update_cards.build_draft_dialog(
        action_id=draft.action.id,
        title=draft.action.title,
        draft=draft.text,
        destination=None,
        audience_channel=services.settings.pulse_audience_channel,
        k=services.settings.min_group_size,
    )


async def preview(services: Services, person: str, data: dict[str, Any]) -> dict[str, Any]:
    """Check the draft: refusals go back next to the text, a clean draft becomes the preview."""
    action_id = text_of(data, update_cards.ACTION_KEY)
    words, destination = text_of(data, TEXT).strip(), text_of(data, DESTINATION)
    try:
        await services.updates.validate(
            team_id=services.team_id, action_id=action_id, text=words, destination=destination, by=person
        )
    except InvalidInput as refused:
        found = await services.actions.get(team_id=services.team_id, action_id=action_id, by=person)
        return update_cards.build_draft_dialog(
            action_id=found.id,
            title=found.title,
            draft=text_of(data, TEXT),
            destination=destination,
            audience_channel=services.settings.pulse_audience_channel,
            k=services.settings.min_group_size,
            errors=field_errors(refused) or {TEXT: str(refused)},
        )
    return update_cards.build_preview_dialog(
        action_id=action_id,
        words=words,
        destination=destination,
        audience_channel=services.settings.pulse_audience_channel,
        # Named now so a preview sent twice publishes once.
        update_id=secrets.token_hex(16),
    )


async def publish(services: Services, person: str, data: dict[str, Any]) -> dict[str, Any]:
    """Share the previewed update (checked once more); the domain tells the coordinators' channel."""
    action_id = text_of(data, update_cards.ACTION_KEY) or None
    words, destination = text_of(data, update_cards.TEXT_KEY), text_of(data, update_cards.DESTINATION_KEY)
    update_id = text_of(data, update_cards.UPDATE_KEY) or None
    team_id = services.team_id
    # Comments may have arrived since the preview, and the data came back from the client.
    try:
        await services.updates.validate(
            team_id=team_id, action_id=action_id, text=words, destination=destination, by=person
        )
    except InvalidInput as refused:
        if action_id is None:
            raise
        # The preview has no field to hang errors on: back to the draft, saying why.
        found = await services.actions.get(team_id=team_id, action_id=action_id, by=person)
        return update_cards.build_draft_dialog(
            action_id=found.id,
            title=found.title,
            draft=words,
            destination=destination,
            audience_channel=services.settings.pulse_audience_channel,
            k=services.settings.min_group_size,
            notice=" ".join(refused.fields.values()) or str(refused),
        )
    # A channel post waits for Teams to accept it, longer than a dialog may: the channel hears how it went.
    services.spawn(
        _share(
            services, person, action_id=action_id, words=words, destination=destination, update_id=update_id
        )
    )
    return said(
        _("Publishing your ‘you said, we did’ update; the coordinators' channel will say when it is out.")
    )


async def _share(
    services: Services,
    person: str,
    *,
    action_id: str | None,
    words: str,
    destination: str,
    update_id: str | None,
) -> None:
    try:
        await services.updates.share(
            team_id=services.team_id,
            action_id=action_id,
            text=words,
            destination=destination,
            by=person,
            update_id=update_id,
        )
    except Exception as exc:
        # Logged without the words or who shared them: only that sharing failed and how.
        log.warning("sharing an update from Teams failed: %s", type(exc).__name__)
