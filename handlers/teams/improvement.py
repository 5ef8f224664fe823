"""Coordinators' improvement loop on Teams: adopt a digest suggestion, `pulse actions` with its pages
and controls, and "you said, we did" updates, each through the same domain call as Slack's.

The dialogs open from a card's task/fetch button and come back as task/submit (dialogs.py hands them
here); a refusal draws the dialog again with what was typed and the reason under its field, and the
domain's role refusal is said word for word. The list's paging is an adaptiveCard/action invoke,
answered with the list redrawn, which also replaces the message (Teams keeps an invoke's card only
for the tapper until the chat reloads).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import date, timedelta
from typing import Any, Literal

from bot.actions import Direction, ListedStatus
from bot.errors import DeliveryError, InvalidInput, PeerPulseError
from bot.i18n import _, use_language
from bot.idempotency import first_delivery
from bot.measures import numeric_constructs
from bot.playbook import load_practices
from bot.roles import begin_request
from bot.services import Services
from bot.updates import DESTINATION, TEXT
from handlers.teams.cards import improvement as cards
from handlers.teams.cards import updates as update_cards
from handlers.teams.cards.card import action_response, message
from handlers.teams.connector import conversation_path
from handlers.teams.context import TeamsContext
from handlers.teams.ids import person_id, teams_id
from handlers.teams.payloads import conversation_of, sender_of
from handlers.teams.replies import not_our_button_text, user_message_for

log = logging.getLogger(__name__)
DIALOGS = frozenset(
    {cards.ADOPT, cards.UPDATE, cards.CLOSE, cards.HISTORY, cards.REOPEN, cards.DELETE, cards.SHARE}
)
SUBMISSIONS = frozenset(
    {
        cards.ADOPT_SAVE,
        cards.UPDATE_SAVE,
        cards.CLOSE_SAVE,
        cards.REOPEN_SAVE,
        cards.DELETE_SAVE,
        update_cards.PREVIEW,
        update_cards.PUBLISH,
    }
)
VERBS = frozenset({cards.PAGE_VERB})
_NONCE = re.compile(r"[0-9a-f]{32}")
_INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"


def _said(words: str) -> dict[str, Any]:
    """The answer to task/fetch or task/submit that shows a short message instead of a dialog."""
    return {"task": {"type": "message", "value": words}}


def _str(data: dict[str, Any], key: str) -> str:
    found = data.get(key)
    return found if isinstance(found, str) else ""


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _fields(exc: PeerPulseError) -> dict[str, str]:
    return dict(exc.fields) if isinstance(exc, InvalidInput) else {}


async def open_dialog(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """task/fetch: the dialog the tapped button names, or the domain's refusal in words."""
    person = person_id(sender_of(activity))
    action = _str(data, "action")
    try:
        if action == cards.ADOPT:
            return await _adopt_dialog(ctx, person, data)
        if action == cards.SHARE:
            return await _draft_dialog(ctx.services, person, _str(data, update_cards.ACTION_KEY))
        return await _action_dialog(ctx.services, person, action, data, activity.get("replyToId"))
    except Exception as exc:
        if not isinstance(exc, PeerPulseError):
            log.warning("opening an improvement dialog failed: %s", type(exc).__name__)
        return _said(user_message_for(exc))


async def submit_dialog(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """task/submit: save what the dialog carries, or show it again with why not."""
    person = person_id(sender_of(activity))
    action = _str(data, "action")
    services = ctx.services
    try:
        if action == cards.ADOPT_SAVE:
            return await _adopt(ctx, person, data)
        if action == cards.UPDATE_SAVE:
            return await _update(services, person, data)
        if action == cards.CLOSE_SAVE:
            return await _close(services, person, data)
        if action in (cards.REOPEN_SAVE, cards.DELETE_SAVE):
            return await _reopen_or_delete(ctx, activity, person, action, data)
        if action == update_cards.PREVIEW:
            return await _preview(services, person, data)
        return await _publish(services, person, data)
    except Exception as exc:
        if not isinstance(exc, PeerPulseError):
            log.warning("an improvement dialog's submission failed: %s", type(exc).__name__)
        return _said(user_message_for(exc))


async def _owners(ctx: TeamsContext, person: str) -> list[tuple[str, str]]:
    """Who may own an action: the coordinators (only they can update it), the one adopting first.

    Their names come from the roster read itself (names.py learns them); nobody else's are read.
    """
    services = ctx.services
    ids = await services.directory.channel_members(services.settings.coordinator_channel)

    def name(i: str) -> str:
        return ctx.names.names.get(teams_id(i)) or _("someone")

    others = sorted((i for i in ids if i != person), key=lambda i: name(i).casefold())
    return [(i, name(i)) for i in [person, *others]]


async def _adopt_dialog(ctx: TeamsContext, person: str, data: dict[str, Any]) -> dict[str, Any]:
    services = ctx.services
    # Refused before the dialog opens, so nobody fills in a form they can't submit; adopt checks again.
    await services.roles.require_coordinator(person)
    practice, construct, title = _str(data, "p"), _str(data, "c"), _str(data, "t")
    if not practice:
        raise InvalidInput(_("That button isn't one of PeerPulse's."))
    # The digest spoke the channel's language; the form speaks the clicker's.
    shipped = next((p for p in load_practices() if p.id == practice), None)
    if shipped is not None:
        title = _(shipped.title)
    return cards.build_adopt_dialog(
        practice_id=practice,
        nonce=secrets.token_hex(16),
        title=title,
        owner=person,
        owners=await _owners(ctx, person),
        due=(services.clock.now().date() + timedelta(days=30)).isoformat(),
        construct=construct,
        constructs=numeric_constructs(services.surveys.bank),
    )


async def _adopt(ctx: TeamsContext, person: str, data: dict[str, Any]) -> dict[str, Any]:
    services = ctx.services
    title, owner, due = _str(data, cards.TITLE), _str(data, cards.OWNER), _str(data, cards.DUE)
    construct, success = _str(data, cards.MEASURE), _str(data, cards.SUCCESS)
    practice, nonce = _str(data, "p"), _str(data, cards.NONCE_KEY)
    adopted = _("Adopted “{title}”; the coordinators' channel has been told.").format(title=title.strip())

    async def again(errors: dict[str, str]) -> dict[str, Any]:
        # A fresh nonce: the corrected form is a new adoption, not a repeat of the refused one.
        return cards.build_adopt_dialog(
            practice_id=practice,
            nonce=secrets.token_hex(16),
            title=title,
            owner=owner,
            owners=await _owners(ctx, person),
            due=due,
            construct=construct,
            constructs=numeric_constructs(services.surveys.bank),
            success=success,
            errors=errors,
        )

    if not _NONCE.fullmatch(nonce):
        return _said(_("This form is out of date; adopt again from the digest."))
    # Asked before the form's nonce is spent, so someone else's copy of the form cannot spend it.
    await services.roles.require_coordinator(person)
    # The same form sent twice (a double tap, a redelivered invoke) adopts once, on any replica.
    # Kept as a digest, as Slack's request identities are: the row says nothing of who adopted.
    key = "teams-adopt:" + hashlib.sha256(f"{person}\n{nonce}".encode()).hexdigest()
    if not await first_delivery(services.db, key=key, now=services.clock.now()):
        return _said(adopted)
    try:
        await services.actions.adopt(
            team_id=services.team_id,
            practice_id=practice,
            title=title,
            owner_id=owner,
            by=person,
            due_on=_date(due),
            construct=construct,
            success_measure=success,
        )
    except InvalidInput as refused:
        return await again(_fields(refused) or {cards.TITLE: str(refused)})
    except Exception as exc:
        # Nothing adopted and this nonce spent: the form comes back with a fresh one, saying why.
        if not isinstance(exc, PeerPulseError):
            log.warning("adopting an action from Teams failed: %s", type(exc).__name__)
        return await again({cards.TITLE: user_message_for(exc)})
    return _said(adopted)


async def _action_dialog(
    services: Services, person: str, action: str, data: dict[str, Any], message_id: Any
) -> dict[str, Any]:
    found = await services.actions.get(
        team_id=services.team_id, action_id=_str(data, cards.ACTION_KEY), by=person
    )
    listed = message_id if isinstance(message_id, str) and message_id else None
    if action == cards.UPDATE:
        history = await services.actions.history(team_id=found.team_id, action_id=found.id, by=person)
        return cards.build_update_dialog(action=found, history=history)
    if action == cards.CLOSE:
        return cards.build_close_dialog(action=found)
    if action == cards.HISTORY:
        history = await services.actions.history(team_id=found.team_id, action_id=found.id, by=person)
        return cards.build_history_dialog(title=found.title, events=history)
    if action == cards.REOPEN:
        return cards.build_reopen_dialog(action=found, message_id=listed)
    return cards.build_delete_dialog(action=found, message_id=listed)


async def _update(services: Services, person: str, data: dict[str, Any]) -> dict[str, Any]:
    action_id, typed, due = _str(data, cards.ACTION_KEY), _str(data, cards.NOTE), _str(data, cards.DUE)
    try:
        done = await services.actions.update(
            team_id=services.team_id, action_id=action_id, progress_note=typed, due_on=_date(due), by=person
        )
    except InvalidInput as refused:
        found = await services.actions.get(team_id=services.team_id, action_id=action_id, by=person)
        errors = _fields(refused) or {cards.NOTE: str(refused)}
        return cards.build_update_dialog(action=found, typed=typed, due=due, errors=errors)
    # The domain queued the channel's note with the change.
    return _said(_("Saved progress on “{title}”.").format(title=done.title))


async def _close(services: Services, person: str, data: dict[str, Any]) -> dict[str, Any]:
    action_id, typed = _str(data, cards.ACTION_KEY), _str(data, cards.NOTE)
    try:
        done = await services.actions.close(
            team_id=services.team_id, action_id=action_id, outcome_note=typed, by=person
        )
    except InvalidInput as refused:
        found = await services.actions.get(team_id=services.team_id, action_id=action_id, by=person)
        errors = _fields(refused) or {cards.NOTE: str(refused)}
        return cards.build_close_dialog(action=found, typed=typed, errors=errors)
    # The domain queued the channel's note, with its "you said, we did" button.
    return _said(_("Closed “{title}”.").format(title=done.title))


async def _reopen_or_delete(
    ctx: TeamsContext, activity: dict[str, Any], person: str, action: str, data: dict[str, Any]
) -> dict[str, Any]:
    services, team_id = ctx.services, ctx.services.team_id
    action_id = _str(data, cards.ACTION_KEY)
    if action == cards.REOPEN_SAVE:
        reopened = await services.actions.reopen(team_id=team_id, action_id=action_id, by=person)
        notice = _("Reopened “{title}”.").format(title=reopened.title)
    else:
        found = await services.actions.get(team_id=team_id, action_id=action_id, by=person)
        await services.actions.delete(team_id=team_id, action_id=action_id, reason="", by=person)
        notice = _("Deleted “{title}”.").format(title=found.title)
    listed: ListedStatus = "closed" if _str(data, cards.LIST_KEY) == "closed" else "open"
    message_id = _str(data, cards.MESSAGE_KEY)
    if message_id:
        # The list the dialog was opened from, redrawn from its first page with what changed.
        page = await services.actions.page(team_id=team_id, by=person, status=listed)
        content = cards.build_actions_card(page, today=services.clock.now().date(), notice=notice)
        services.spawn(_replace(ctx, activity, message_id, content))
    return _said(notice)


def _page_request(data: Any) -> tuple[ListedStatus, Direction, str | None]:
    """Which list, which way and from where a paging button asks for; refused if not ours."""
    if not isinstance(data, dict):
        raise InvalidInput(not_our_button_text())
    status, direction, cursor = data.get("s"), data.get("d"), data.get("c")
    if status not in ("open", "closed") or direction not in ("next", "prev"):
        raise InvalidInput(not_our_button_text())
    if cursor is not None and not isinstance(cursor, str):
        raise InvalidInput(not_our_button_text())
    return status, direction, cursor


async def handle_page_invoke(ctx: TeamsContext, activity: dict[str, Any], data: Any) -> dict[str, Any]:
    """A paging button of the actions list: answer with the list redrawn, and keep it in the chat."""
    begin_request()
    use_language(activity.get("locale"), fallback=ctx.services.settings.default_language)
    services = ctx.services
    try:
        status, direction, cursor = _page_request(data)
        page = await services.actions.page(
            team_id=services.team_id,
            by=person_id(sender_of(activity)),
            status=status,
            cursor=cursor,
            direction=direction,
        )
    except Exception as exc:
        if not isinstance(exc, PeerPulseError):
            log.warning("paging the actions list failed: %s", type(exc).__name__)
        return {"statusCode": 200, "type": _INVOKE_MESSAGE, "value": user_message_for(exc)}
    content = cards.build_actions_card(page, today=services.clock.now().date())
    ref = activity.get("replyToId")
    if isinstance(ref, str) and ref:
        services.spawn(_replace(ctx, activity, ref, content))
    return action_response(content)


async def actions_card(services: Services, person: str, words: list[str]) -> dict[str, Any]:
    """`pulse actions [closed]`: the first page of the list (the domain refuses anyone but a coordinator)."""
    listed: Literal["open", "closed"] = "closed" if words[:1] == ["closed"] else "open"
    page = await services.actions.page(team_id=services.team_id, by=person, status=listed)
    return cards.build_actions_card(page, today=services.clock.now().date())


async def _draft_dialog(services: Services, person: str, action_id: str) -> dict[str, Any]:
    draft = await services.updates.draft(team_id=services.team_id, action_id=action_id, by=person)
    return update_cards.build_draft_dialog(
        action_id=draft.action.id,
        title=draft.action.title,
        draft=draft.text,
        destination=None,
        audience_channel=services.settings.pulse_audience_channel,
        k=services.settings.min_group_size,
    )


async def _preview(services: Services, person: str, data: dict[str, Any]) -> dict[str, Any]:
    """Check the draft: refusals go back next to the text, a clean draft becomes the preview."""
    action_id = _str(data, update_cards.ACTION_KEY)
    words, destination = _str(data, TEXT).strip(), _str(data, DESTINATION)
    try:
        await services.updates.validate(
            team_id=services.team_id, action_id=action_id, text=words, destination=destination, by=person
        )
    except InvalidInput as refused:
        found = await services.actions.get(team_id=services.team_id, action_id=action_id, by=person)
        return update_cards.build_draft_dialog(
            action_id=found.id,
            title=found.title,
            draft=_str(data, TEXT),
            destination=destination,
            audience_channel=services.settings.pulse_audience_channel,
            k=services.settings.min_group_size,
            errors=_fields(refused) or {TEXT: str(refused)},
        )
    return update_cards.build_preview_dialog(
        action_id=action_id,
        words=words,
        destination=destination,
        audience_channel=services.settings.pulse_audience_channel,
        # Named now so a preview sent twice publishes once.
        update_id=secrets.token_hex(16),
    )


async def _publish(services: Services, person: str, data: dict[str, Any]) -> dict[str, Any]:
    """Share the previewed update (checked once more); the domain tells the coordinators' channel."""
    action_id = _str(data, update_cards.ACTION_KEY) or None
    words, destination = _str(data, update_cards.TEXT_KEY), _str(data, update_cards.DESTINATION_KEY)
    update_id = _str(data, update_cards.UPDATE_KEY) or None
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
    return _said(
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


async def _replace(ctx: TeamsContext, activity: dict[str, Any], ref: str, content: dict[str, Any]) -> None:
    """Rewrite the actions list in the chat, after the invoke is answered."""
    conversation = conversation_of(activity)
    update = {**message(content, summary=str(content.get("fallbackText", ""))), "id": ref}
    try:
        await ctx.client.request(
            "PUT",
            conversation_path(conversation, "activities", ref),
            json=update,
            operation="update",
            conversation=conversation,
            service_url=str(activity.get("serviceUrl") or "") or None,
        )
    except DeliveryError as exc:
        log.warning("the actions list could not be redrawn in Teams (%s)", exc)
