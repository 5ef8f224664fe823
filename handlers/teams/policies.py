"""The policy register's dialogs on Teams: add, edit, mark reviewed, retire, bring back (task/fetch, task/submit).

Each opens with the same domain call as Slack's button (which refuses anyone but a coordinator, word for
word) and submits through the same domain call as Slack's modal: a refusal draws the dialog again with
what was typed and each error under its field; success turns it into the note the coordinators' channel
gets, which the domain queues with the change itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.announcements import PolicyChanged
from bot.errors import InvalidInput, PeerPulseError
from bot.i18n import _
from bot.policies import (
    INTERVAL,
    LAST_REVIEWED,
    LINK,
    NAME,
    OWNER,
    RETIRE_REASON,
    REVIEWED_ON,
    SUMMARY,
    PolicyForm,
    policy_status,
)
from bot.services import Services
from handlers.teams.cards.announcements import announcement_text
from handlers.teams.cards.markup import inert
from handlers.teams.cards.policies import (
    ADD_ACTION,
    EDIT_ACTION,
    OPEN_ACTIONS,
    POLICY_KEY,
    RETIRE_ACTION,
    REVIEW_ACTION,
    SUBMIT_SUFFIX,
    UNRETIRE_ACTION,
    build_done_dialog,
    build_policy_dialog,
    build_retire_dialog,
    build_review_dialog,
    build_unretire_dialog,
    policy_values,
    today_value,
)
from handlers.teams.ids import PERSON_PREFIX
from handlers.teams.replies import user_message_for
from handlers.teams.task_replies import said
from storage.policy_models import Policy

log = logging.getLogger(__name__)
__all__ = ["OPEN_ACTIONS", "SUBMIT_ACTIONS", "open_policy_dialog", "submit_policy_dialog"]
SUBMIT_ACTIONS = frozenset(action + SUBMIT_SUFFIX for action in OPEN_ACTIONS)
TaskAnswer = dict[str, Any]
_FORM_FIELDS = (NAME, LINK, OWNER, INTERVAL, LAST_REVIEWED)


def _typed(data: dict[str, Any], field: str) -> str:
    found = data.get(field)
    if isinstance(found, bool):
        return ""
    if isinstance(found, int | float):
        # Input.Number may come back as a number; a whole one is the domain's digits.
        return str(int(found)) if float(found).is_integer() else str(found)
    return found if isinstance(found, str) else ""


async def _owners(services: Services, *, keep: str) -> list[str]:
    """Who may be picked as owner: the coordinators, and whoever owns the policy now."""
    members = await services.directory.channel_members(services.settings.coordinator_channel)
    # The roster holds the bot too; only people own policies.
    people = {member for member in members if member.startswith(PERSON_PREFIX)} | ({keep} if keep else set())
    return sorted(people)


async def open_policy_dialog(
    services: Services, action: str, data: dict[str, Any], *, person: str
) -> TaskAnswer:
    """The dialog a register or reminder button opens; a refusal instead, in the domain's words."""
    try:
        return await _open(services, action, str(data.get(POLICY_KEY) or ""), person=person)
    except Exception as exc:
        log.warning("opening a policy dialog failed: %s", type(exc).__name__)
        return said(user_message_for(exc))


async def _open(services: Services, action: str, policy_id: str, *, person: str) -> TaskAnswer:
    team_id = services.team_id
    if action == ADD_ACTION:
        # Refused before the dialog opens, so nobody fills in a form they can't submit; add checks again.
        await services.roles.require_coordinator(person)
        return build_policy_dialog(
            policy=None,
            owners=await _owners(services, keep=person),
            values=policy_values(None, owner_id=person),
        )
    if action == REVIEW_ACTION:
        return await _review_dialog(
            services, policy_id, person, values={REVIEWED_ON: today_value(services.policies.today())}
        )
    policy = await services.policies.get(team_id=team_id, policy_id=policy_id, by=person)
    if action == EDIT_ACTION:
        return build_policy_dialog(
            policy=policy,
            owners=await _owners(services, keep=policy.owner_id),
            values=policy_values(policy, owner_id=policy.owner_id),
        )
    if action == RETIRE_ACTION:
        return build_retire_dialog(policy=policy)
    return build_unretire_dialog(policy=policy)


async def _review_dialog(
    services: Services,
    policy_id: str,
    person: str,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
) -> TaskAnswer:
    """The Mark reviewed dialog, with the policy's last three reviews (the domain checks the role)."""
    policy, history = await services.policies.with_history(
        team_id=services.team_id, policy_id=policy_id, by=person, limit=3
    )
    return build_review_dialog(policy=policy, history=history, values=values, errors=errors)


async def submit_policy_dialog(
    services: Services, action: str, data: dict[str, Any], *, person: str
) -> TaskAnswer:
    """Make the change a dialog's Send asks for, or draw the dialog again with why not."""
    opened = action.removesuffix(SUBMIT_SUFFIX)
    policy_id = str(data.get(POLICY_KEY) or "")
    submit = _SUBMITS[opened]
    try:
        return await submit(services, policy_id, data, person)
    except PeerPulseError as refused:
        fields = dict(refused.fields) if isinstance(refused, InvalidInput) and refused.fields else {}
        try:
            return await _again(services, opened, policy_id, data, person, fields or {"": str(refused)})
        except Exception as exc:
            # No dialog to draw again (no longer a coordinator, the policy gone): the refusal alone.
            log.warning("redrawing a policy dialog failed: %s", type(exc).__name__)
            return said(user_message_for(refused))
    except Exception as exc:
        log.warning("a policy dialog's submission failed: %s", type(exc).__name__)
        return said(user_message_for(exc))


async def _again(
    services: Services, opened: str, policy_id: str, data: dict[str, Any], person: str, errors: dict[str, str]
) -> TaskAnswer:
    """The same dialog, what was typed kept, each reason under its field (a whole-form one first)."""
    # The role is checked again: a former coordinator is told so, not shown the form.
    await services.roles.require_coordinator(person)
    team_id = services.team_id
    if opened == REVIEW_ACTION:
        values = {REVIEWED_ON: _typed(data, REVIEWED_ON), SUMMARY: _typed(data, SUMMARY)}
        return await _review_dialog(services, policy_id, person, values=values, errors=errors)
    editing = (
        None
        if opened == ADD_ACTION
        else await services.policies.get(team_id=team_id, policy_id=policy_id, by=person)
    )
    if opened in (ADD_ACTION, EDIT_ACTION):
        owner = _typed(data, OWNER) or person
        return build_policy_dialog(
            policy=editing,
            owners=await _owners(services, keep=owner),
            values={field: _typed(data, field) for field in _FORM_FIELDS},
            errors=errors,
        )
    assert editing is not None
    if opened == RETIRE_ACTION:
        return build_retire_dialog(policy=editing, reason=_typed(data, RETIRE_REASON), errors=errors)
    return build_unretire_dialog(policy=editing, error=" ".join(errors.values()))


def _form(data: dict[str, Any]) -> PolicyForm:
    """The add / edit dialog's inputs as a domain form."""
    return PolicyForm(
        name=_typed(data, NAME),
        link=_typed(data, LINK),
        owner_id=_typed(data, OWNER),
        interval_months=_typed(data, INTERVAL),
        last_reviewed_on=_typed(data, LAST_REVIEWED),
    )


async def _done(services: Services, change: PolicyChanged, title: str) -> TaskAnswer:
    """The dialog's confirmation: the words the coordinators' channel gets about this change."""
    words, _quoted = announcement_text(change, audience_channel=None)
    return build_done_dialog(title, words)


async def _add(services: Services, policy_id: str, data: dict[str, Any], person: str) -> TaskAnswer:
    status = await services.policies.add(team_id=services.team_id, form=_form(data), by=person)
    return await _done(services, PolicyChanged(by=person, change="added", status=status), _("Add a policy"))


async def _edit(services: Services, policy_id: str, data: dict[str, Any], person: str) -> TaskAnswer:
    status = await services.policies.edit(
        team_id=services.team_id, policy_id=policy_id, form=_form(data), by=person
    )
    return await _done(services, PolicyChanged(by=person, change="edited", status=status), _("Edit policy"))


async def _review(services: Services, policy_id: str, data: dict[str, Any], person: str) -> TaskAnswer:
    status = await services.policies.mark_reviewed(
        team_id=services.team_id,
        policy_id=policy_id,
        reviewed_on=_typed(data, REVIEWED_ON),
        summary=_typed(data, SUMMARY),
        by=person,
    )
    return await _done(
        services, PolicyChanged(by=person, change="reviewed", status=status), _("Mark reviewed")
    )


async def _retire(services: Services, policy_id: str, data: dict[str, Any], person: str) -> TaskAnswer:
    policy: Policy = await services.policies.retire(
        team_id=services.team_id, policy_id=policy_id, reason=_typed(data, RETIRE_REASON), by=person
    )
    status = policy_status(policy, today=services.policies.today())
    return await _done(
        services, PolicyChanged(by=person, change="retired", status=status), _("Retire policy")
    )


async def _unretire(services: Services, policy_id: str, data: dict[str, Any], person: str) -> TaskAnswer:
    status = await services.policies.unretire(team_id=services.team_id, policy_id=policy_id, by=person)
    words = _("“{name}” is back in the register.").format(name=inert(status.policy.name))
    return build_done_dialog(_("Bring back"), words)


_SUBMITS: dict[str, Callable[[Services, str, dict[str, Any], str], Awaitable[TaskAnswer]]] = {
    ADD_ACTION: _add,
    EDIT_ACTION: _edit,
    REVIEW_ACTION: _review,
    RETIRE_ACTION: _retire,
    UNRETIRE_ACTION: _unretire,
}
