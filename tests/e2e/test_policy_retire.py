"""Retiring a policy end to end: the reason asked in a modal, who and when kept; a retired policy is in
no due list (register, reminders, the digest, the coordinator's Home) but in the "retired" view, from
which it can be brought back; an employee's forged clicks and submissions are refused."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from bot.errors import Conflict
from bot.policies import RETIRE_REASON, PolicyForm, add_months
from bot.roles import SYSTEM
from bot.runtime import Runtime
from handlers.slack.blocks.policies import (
    RETIRE_POLICY_ACTION,
    RETIRE_POLICY_VIEW,
    SHOW_POLICIES_ACTION,
    UNRETIRE_POLICY_ACTION,
)
from handlers.slack.simulation.people import People
from handlers.slack.simulation.people_policies import (
    latest_view,
    open_register,
    policy_button,
    settle_outbox,
    until,
)
from handlers.slack.simulation.signing import block_actions, state_text
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, Workspace
from storage.policy_models import Policy
from tests.e2e.test_authorization_matrix import NOT_COORDINATOR

OLD, CURRENT = "Dignity at work (2019)", "Peer-support procedure"


def _reason(text: str) -> dict[str, Any]:
    return {RETIRE_REASON: {"value": state_text(text)}}


async def _add(runtime: Runtime, coordinator: str, name: str, last: date) -> str:
    form = PolicyForm(
        name=name,
        link="https://intranet.example.com/p",
        owner_id=coordinator,
        last_reviewed_on=last.isoformat(),
    )
    status = await runtime.services.policies.add(team_id=runtime.services.team_id, form=form, by=coordinator)
    return status.policy.id


async def _policy(runtime: Runtime, policy_id: str) -> Policy:
    async with runtime.db.session() as session:
        policy = await session.get(Policy, policy_id)
    assert policy is not None
    return policy


async def test_a_retired_policy_leaves_every_due_list_and_can_be_brought_back(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    services, team = runtime.services, runtime.services.team_id
    today = services.policies.today()
    old = await _add(runtime, coordinator, OLD, add_months(today, -13))  # overdue
    await _add(runtime, coordinator, CURRENT, today - timedelta(days=10))
    assert (
        await services.policies.plan_reminders(team_id=team) == 1
    )  # the overdue one, queued before retiring
    overdue = next(s for s in await services.policies.register(team_id=team, by=SYSTEM) if s.policy.id == old)

    # Retire: the modal asks why; without a reason it says so in place.
    register = await open_register(people, coordinator)
    seen = len(slack.opened_views())
    await people.click(coordinator, register, policy_button(register, RETIRE_POLICY_ACTION, OLD))
    view = await until(lambda: latest_view(slack, RETIRE_POLICY_VIEW, after=seen))
    status, body = await people.submit_view(
        coordinator,
        callback_id=RETIRE_POLICY_VIEW,
        private_metadata=view["private_metadata"],
        state_values=_reason(" "),
    )
    assert body["response_action"] == "errors" and RETIRE_REASON in body["errors"]
    status, body = await people.submit_view(
        coordinator,
        callback_id=RETIRE_POLICY_VIEW,
        private_metadata=view["private_metadata"],
        state_values=_reason("Replaced by the 2026 policy."),
    )
    assert status == 200 and not body, body
    retired = await _policy(runtime, old)
    assert (retired.retired_by, retired.retired_reason) == (coordinator, "Replaced by the 2026 policy.")
    assert retired.retired_at == services.clock.now()
    # Submitted twice (a double click): refused in the modal, nothing recorded again.
    services.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    status, body = await people.submit_view(
        coordinator,
        callback_id=RETIRE_POLICY_VIEW,
        private_metadata=view["private_metadata"],
        state_values=_reason("Again"),
    )
    assert body["response_action"] == "errors" and "already retired" in str(body["errors"])
    assert (await _policy(runtime, old)).retired_reason == "Replaced by the 2026 policy."
    await settle_outbox(runtime, runtime.clock)  # type: ignore[arg-type]
    assert [m.text for m in slack.messages(COORDINATOR_CHANNEL_ID) if "retired" in (m.text or "")] == [
        f":file_cabinet: <@{coordinator}> retired *{OLD}* from the policy register: Replaced by the 2026 "
        "policy. No more review reminders for it."
    ]

    # Out of the register, the reminders (new and already queued), the digest and the Home's due list.
    assert [s.policy.name for s in await services.policies.register(team_id=team, by=SYSTEM)] == [CURRENT]
    assert OLD not in str((await open_register(people, coordinator)).blocks)
    services.clock.advance(timedelta(days=8))  # type: ignore[attr-defined]
    assert await services.policies.plan_reminders(team_id=team) == 0
    assert await services.policies.reminder(policy_id=old, due_on=overdue.next_due, kind="overdue") is None
    report = await services.digests.build(team_id=team, by=SYSTEM, with_chart=False)
    assert [s.policy.name for s in report.policies] == [CURRENT]
    home = await services.home.build(team_id=team, by=coordinator)
    assert home.coordinator is not None and home.coordinator.reviews_due == ()
    # It can't be reviewed or edited while retired.
    with pytest.raises(Conflict, match="retired"):
        await services.policies.mark_reviewed(
            team_id=team, policy_id=old, reviewed_on=today.isoformat(), summary="No change.", by=coordinator
        )
    seen = len(slack.ephemerals(coordinator))

    # The retired view shows who, when and why, and brings it back.
    status, reply = await people.command(coordinator, "/pulse", "policies retired")
    text = str(reply["blocks"])
    assert OLD in text and f"by <@{coordinator}>" in text and "Replaced by the 2026 policy." in text
    url = slack.new_response_url()
    await people.post(
        block_actions(
            user_id=coordinator, action_id=f"{UNRETIRE_POLICY_ACTION}_0", value=old, response_url=url
        )
    )
    [redrawn] = await until(lambda: slack.responses(url))
    assert "back in the register" in str(redrawn.body["blocks"])
    assert (await _policy(runtime, old)).retired_at is None
    await settle_outbox(runtime, runtime.clock)  # type: ignore[arg-type]
    assert [m.text for m in slack.messages(COORDINATOR_CHANNEL_ID) if "brought" in (m.text or "")] == [
        f":spiral_note_pad: <@{coordinator}> brought *{OLD}* back into the policy register; next review "
        f"{overdue.next_due:%d %b %Y}."
    ]
    names = {s.policy.name for s in await services.policies.register(team_id=team, by=SYSTEM)}
    assert names == {OLD, CURRENT}
    # The register's button switches to the retired view in place.
    url = slack.new_response_url()
    await people.post(
        block_actions(user_id=coordinator, action_id=SHOW_POLICIES_ACTION, value="retired", response_url=url)
    )
    [shown] = await until(lambda: slack.responses(url))
    assert "Retired policies" in str(shown.body["blocks"])
    assert len(slack.ephemerals(coordinator)) == seen  # nothing above was refused


async def test_an_employee_cannot_retire_or_bring_back_a_policy_even_by_forging_the_request(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    staff = set(workspace.coordinators()) | set(workspace.supporters())
    employee = next(u.id for u in workspace.active_humans() if u.id not in staff)
    today = runtime.services.policies.today()
    active = await _add(runtime, coordinator, CURRENT, today)
    gone = await _add(runtime, coordinator, OLD, today)
    await runtime.services.policies.retire(
        team_id=runtime.services.team_id, policy_id=gone, reason="Replaced.", by=coordinator
    )
    for action_id, value in (
        (f"{RETIRE_POLICY_ACTION}_0", active),
        (f"{UNRETIRE_POLICY_ACTION}_0", gone),
        (SHOW_POLICIES_ACTION, "retired"),
    ):
        seen, url = len(slack.ephemerals(employee)), slack.new_response_url()
        await people.post(
            block_actions(
                user_id=employee,
                action_id=action_id,
                value=value,
                response_url=url,
                trigger_id=slack.new_trigger_id(employee),
            )
        )
        await until(lambda n=seen: [e for e in slack.ephemerals(employee)[n:] if NOT_COORDINATOR in e.text])
        assert slack.responses(url) == []
    assert latest_view(slack, RETIRE_POLICY_VIEW) is None
    _, body = await people.submit_view(
        employee, callback_id=RETIRE_POLICY_VIEW, private_metadata=active, state_values=_reason("Mine now")
    )
    assert body["response_action"] == "errors" and NOT_COORDINATOR in str(body["errors"])
    assert (await _policy(runtime, active)).retired_at is None
    assert (await _policy(runtime, gone)).retired_reason == "Replaced."
