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
from bot.errors import InvalidInput, PeerPulseError
from bot.i18n import _, use_language
from bot.idempotency import first_delivery
from bot.measures import numeric_constructs
from bot.playbook import load_practices
from bot.roles import begin_request
from bot.services import Services
from handlers.teams import you_said
from handlers.teams.cards import improvement as cards
from handlers.teams.cards import updates as update_cards
from handlers.teams.cards.card import action_response, message
from handlers.teams.context import TeamsContext
from handlers.teams.ids import person_id, teams_id
from handlers.teams.payloads import sender_of
from handlers.teams.replies import not_our_button_text, user_message_for
from handlers.teams.task_replies import field_errors, said, text_of

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


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


async def open_dialog(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """task/fetch: the dialog the tapped button names, or the domain's refusal in words."""
    person = person_id(sender_of(activity))
    action = text_of(data, "action")
    try:
        if action == cards.ADOPT:
            return await _adopt_dialog(ctx, person, data)
        if action == cards.SHARE:
            return await you_said.draft_dialog(ctx.services, person, text_of(data, update_cards.ACTION_KEY))
        return await _action_dialog(ctx.services, person, action, data, activity.get("replyToId"))
    except Exception as exc:
        if not isinstance(exc, PeerPulseError):
            log.warning("opening an improvement dialog failed: %s", type(exc).__name__)
        return said(user_message_for(exc))


async def submit_dialog(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """task/submit: save what the dialog carries, or show it again with why not."""
    person = person_id(sender_of(activity))
    action = text_of(data, "action")
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
            return await you_said.preview(services, person, data)
        return await you_said.publish(services, person, data)
    except Exception as exc:
        if not isinstance(exc, PeerPulseError):
            log.warning("an improvement dialog's submission failed: %s", type(exc).__name__)
        return said(user_message_for(exc))


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
    practice, construct, title = text_of(data, "p"), text_of(data, "c"), text_of(data, "t")
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
    title, owner, due = text_of(data, cards.TITLE), text_of(data, cards.OWNER), text_of(data, cards.DUE)
    construct, success = text_of(data, cards.MEASURE), text_of(data, cards.SUCCESS)
    practice, nonce = text_of(data, "p"), text_of(data, cards.NONCE_KEY)
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
        return said(_("This form is out of date; adopt again from the digest."))
    # Asked before the form's nonce is spent, so someone else's copy of the form cannot spend it.
    await services.roles.require_coordinator(person)
    # The same form sent twice (a double tap, a redelivered invoke) adopts once, on any replica.
    # Kept as a digest, as Slack's request identities are: the row says nothing of who adopted.
    key = "teams-adopt:" + hashlib.sha256(f"{person}\n{nonce}".encode()).hexdigest()
    if not await first_delivery(services.db, key=key, now=services.clock.now()):
        return said(adopted)
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
        return await again(field_errors(refused) or {cards.TITLE: str(refused)})
    except Exception as exc:
        # Nothing adopted and this nonce spent: the form comes back with a fresh one, saying why.
        if not isinstance(exc, PeerPulseError):
            log.warning("adopting an action from Teams failed: %s", type(exc).__name__)
        return await again({cards.TITLE: user_message_for(exc)})
    return said(adopted)


async def _action_dialog(
    services: Services, person: str, action: str, data: dict[str, Any], message_id: Any
) -> dict[str, Any]:
    found = await services.actions.get(
        team_id=services.team_id, action_id=text_of(data, cards.ACTION_KEY), by=person
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
    action_id, typed, due = (
        text_of(data, cards.ACTION_KEY),
        text_of(data, cards.NOTE),
        text_of(data, cards.DUE),
    )
    try:
        done = await services.actions.update(
            team_id=services.team_id, action_id=action_id, progress_note=typed, due_on=_date(due), by=person
        )
    except InvalidInput as refused:
        found = await services.actions.get(team_id=services.team_id, action_id=action_id, by=person)
        errors = field_errors(refused) or {cards.NOTE: str(refused)}
        return cards.build_update_dialog(action=found, typed=typed, due=due, errors=errors)
    # The domain queued the channel's note with the change.
    return said(_("Saved progress on “{title}”.").format(title=done.title))


async def _close(services: Services, person: str, data: dict[str, Any]) -> dict[str, Any]:
    action_id, typed = text_of(data, cards.ACTION_KEY), text_of(data, cards.NOTE)
    try:
        done = await services.actions.close(
            team_id=services.team_id, action_id=action_id, outcome_note=typed, by=person
        )
    except InvalidInput as refused:
        found = await services.actions.get(team_id=services.team_id, action_id=action_id, by=person)
        errors = field_errors(refused) or {cards.NOTE: str(refused)}
        return cards.build_close_dialog(action=found, typed=typed, errors=errors)
    # The domain queued the channel's note, with its "you said, we did" button.
    return said(_("Closed “{title}”.").format(title=done.title))


async def _reopen_or_delete(
    ctx: TeamsContext, activity: dict[str, Any], person: str, action: str, data: dict[str, Any]
) -> dict[str, Any]:
    services, team_id = ctx.services, ctx.services.team_id
    action_id = text_of(data, cards.ACTION_KEY)
    if action == cards.REOPEN_SAVE:
        reopened = await services.actions.reopen(team_id=team_id, action_id=action_id, by=person)
        notice = _("Reopened “{title}”.").format(title=reopened.title)
    else:
        found = await services.actions.get(team_id=team_id, action_id=action_id, by=person)
        await services.actions.delete(team_id=team_id, action_id=action_id, reason="", by=person)
        notice = _("Deleted “{title}”.").format(title=found.title)
    listed: ListedStatus = "closed" if text_of(data, cards.LIST_KEY) == "closed" else "open"
    message_id = text_of(data, cards.MESSAGE_KEY)
    if message_id:
        # The list the dialog was opened from, redrawn from its first page with what changed.
        page = await services.actions.page(team_id=team_id, by=person, status=listed)
        content = cards.build_actions_card(page, today=services.clock.now().date(), notice=notice)
        services.spawn(_replace(ctx, activity, message_id, content))
    return said(notice)


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


async def _replace(ctx: TeamsContext, activity: dict[str, Any], ref: str, content: dict[str, Any]) -> None:
    """Rewrite the actions list in the chat, after the invoke is answered."""
    update = message(content, summary=str(content.get("fallbackText", "")))
    await ctx.rewrite(activity, ref, update, failure="the actions list could not be redrawn in Teams")
