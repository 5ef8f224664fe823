"""The policy register end to end: kept through signed modals, reminders on a controlled clock, and
the playbook's policy-review suggestion reading it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import select

from bot import jobs
from bot.clock import ManualClock
from bot.policies import INTERVAL, LAST_REVIEWED, LINK, NAME, REVIEWED_ON, SUMMARY, PolicyForm, add_months
from bot.roles import SYSTEM
from bot.runtime import Runtime
from handlers.slack.blocks.digest import build_digest_blocks
from handlers.slack.blocks.policies import ADD_POLICY_ACTION, ADD_POLICY_VIEW, REVIEW_POLICY_VIEW
from handlers.slack.simulation.people import People
from handlers.slack.simulation.people_policies import (
    add_policy,
    edit_policy,
    open_register,
    policy_state,
    review_policy,
    review_state,
    settle_outbox,
    until,
)
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, Workspace
from storage.policy_models import Policy, PolicyReview

LINK_URL = "https://intranet.example.com/policies/dignity-at-work"


async def _policies(runtime: Runtime) -> list[Policy]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(Policy)))


async def _reviews(runtime: Runtime) -> list[PolicyReview]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(PolicyReview)))


def _channel_texts(slack: FakeSlack, needle: str) -> list[str]:
    return [m.text for m in slack.messages(COORDINATOR_CHANNEL_ID) if needle in (m.text or "")]


def _register_text(register: Any) -> str:
    return "\n".join(str(b.get("text", {}).get("text", "")) for b in register.blocks or [])


async def test_the_register_starts_empty_and_is_kept_through_modals(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator, other = workspace.coordinators()
    today = runtime.services.policies.today()

    empty = await open_register(people, coordinator)
    assert "empty" in _register_text(empty)
    assert people.find_buttons(empty, ADD_POLICY_ACTION), "the empty state offers to add a policy"
    assert await _policies(runtime) == []

    status, body = await add_policy(
        people, coordinator, name="Dignity at Work policy", link=LINK_URL, owner=other, interval="12"
    )
    assert status == 200 and not body, body
    [policy] = await _policies(runtime)
    assert (policy.name, policy.link, policy.owner_id, policy.review_interval_months) == (
        "Dignity at Work policy",
        LINK_URL,
        other,
        12,
    )
    assert policy.last_reviewed_on is None  # nothing is invented
    await until(lambda: _channel_texts(slack, "added *Dignity at Work policy*"))
    listed = _register_text(await open_register(people, coordinator))
    assert "never" in listed and f"<@{other}>" in listed and LINK_URL in listed
    assert f"next due {add_months(today, 12):%a %d %b %Y}" in listed

    status, body = await edit_policy(
        people,
        coordinator,
        "Dignity at Work policy",
        name="Dignity at Work procedure",
        link=LINK_URL + "-v2",
        owner=coordinator,
        interval="6",
    )
    assert status == 200 and not body, body
    [policy] = await _policies(runtime)
    assert (policy.name, policy.owner_id, policy.review_interval_months) == (
        "Dignity at Work procedure",
        coordinator,
        6,
    )

    reviewed_on = today - timedelta(days=3)
    status, body = await review_policy(
        people, other, "Dignity at Work procedure", on=reviewed_on, summary="Added the peer-support route."
    )
    assert status == 200 and not body, body
    status, body = await review_policy(
        people, coordinator, "Dignity at Work procedure", on=today, summary="no change"
    )
    assert status == 200 and not body, body
    [policy] = await _policies(runtime)
    assert policy.last_reviewed_on == today
    history = sorted((r.reviewed_on, r.reviewed_by, r.summary) for r in await _reviews(runtime))
    assert history == [
        (reviewed_on, other, "Added the peer-support route."),
        (today, coordinator, "no change"),
    ]
    await until(lambda: _channel_texts(slack, "reviewed on"))
    listed = _register_text(await open_register(people, coordinator))
    assert "current" in listed and "no change" in listed
    assert f"next due {add_months(today, 6):%a %d %b %Y}" in listed


async def test_invalid_input_comes_back_in_the_modal_and_nothing_is_stored(
    runtime: Runtime, people: People, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    today = runtime.services.policies.today()
    valid: dict[str, Any] = {"name": "Anti-bullying policy", "link": LINK_URL, "owner": coordinator}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "AB"}, NAME),
        ({"name": "x" * 121}, NAME),
        ({"link": "intranet/policies"}, LINK),
        ({"link": "ftp://files.example.com/policy.pdf"}, LINK),
        ({"link": "javascript:alert(1)"}, LINK),
        ({"interval": "0"}, INTERVAL),
        ({"interval": "37"}, INTERVAL),
        ({"interval": "1.5"}, INTERVAL),
        ({"last_reviewed": today + timedelta(days=3)}, LAST_REVIEWED),
    ]
    for change, field in cases:
        status, body = await people.submit_view(
            coordinator,
            callback_id=ADD_POLICY_VIEW,
            private_metadata="",
            state_values=policy_state(**{**valid, **change}),
        )
        assert status == 200
        assert body.get("response_action") == "errors", (change, body)
        assert set(body["errors"]) == {field}, (change, body)
    assert await _policies(runtime) == []

    status, body = await add_policy(people, coordinator, **valid)
    assert status == 200 and not body, body
    status, body = await add_policy(people, coordinator, **{**valid, "name": "anti-bullying  POLICY"})
    assert body["errors"] == {NAME: "A policy with that name is already in the register."}

    [policy] = await _policies(runtime)
    for state, field in [
        (review_state(on=today + timedelta(days=2), summary="no change"), REVIEWED_ON),
        (review_state(on=today, summary="   "), SUMMARY),
        (review_state(on=None, summary="no change"), REVIEWED_ON),
    ]:
        status, body = await people.submit_view(
            coordinator, callback_id=REVIEW_POLICY_VIEW, private_metadata=policy.id, state_values=state
        )
        assert body.get("response_action") == "errors" and set(body["errors"]) == {field}, body
    assert await _reviews(runtime) == []


async def test_only_coordinators_keep_the_register(
    runtime: Runtime, people: People, workspace: Workspace
) -> None:
    outsider = next(u.id for u in workspace.active_humans() if u.id not in workspace.coordinators())
    status, reply = await people.command(outsider, "/pulse", "policies")
    assert status == 200 and "Only program coordinators" in str(reply)
    status, body = await people.submit_view(
        outsider,
        callback_id=ADD_POLICY_VIEW,
        private_metadata="",
        state_values=policy_state(name="Sneaky policy", link=LINK_URL, owner=outsider),
    )
    assert body.get("response_action") == "errors" and "Only program coordinators" in str(body["errors"])
    assert await _policies(runtime) == []


async def test_reminders_come_30_days_ahead_then_weekly_while_overdue_each_once(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    coordinator = workspace.coordinators()[0]
    policies = runtime.services.policies
    today = policies.today()
    status, body = await add_policy(
        people,
        coordinator,
        name="Peer-support procedure",
        link=LINK_URL,
        owner=coordinator,
        last_reviewed=add_months(today + timedelta(days=35), -12),
    )
    assert status == 200 and not body, body
    [status_] = await policies.register(team_id=runtime.services.team_id, by=coordinator)
    due = status_.next_due
    assert 34 <= (due - today).days <= 36

    sent_on: dict[str, list[date]] = {"due": [], "overdue": []}

    async def days(n: int) -> None:
        for _ in range(n):
            clock.advance(timedelta(days=1))
            await jobs.remind_policy_reviews()
            await jobs.remind_policy_reviews()  # a second run the same day changes nothing
            await settle_outbox(runtime, clock)
            day = policies.today()
            for kind, needle in (("due", "is due for review"), ("overdue", "is overdue")):
                while len(_channel_texts(slack, needle)) > len(sent_on[kind]):
                    sent_on[kind].append(day)

    await days((due - today).days + 22)
    assert sent_on["due"] == [due - timedelta(days=30)]
    overdue_days = [
        due + timedelta(days=i) for i in range(1, 23) if due + timedelta(days=i) <= policies.today()
    ]
    weeks = sorted({d.isocalendar()[:2] for d in overdue_days})
    assert len(sent_on["overdue"]) == len(weeks), sent_on
    assert sorted({d.isocalendar()[:2] for d in sent_on["overdue"]}) == weeks
    reminder = slack.messages(COORDINATOR_CHANNEL_ID)[-1]
    assert any(
        e.get("text", {}).get("text") == "Mark reviewed"
        for b in reminder.blocks or []
        for e in b.get("elements", [])
    )

    status, body = await review_policy(
        people, coordinator, "Peer-support procedure", on=policies.today(), summary="no change"
    )
    assert status == 200 and not body, body
    before = dict((k, len(v)) for k, v in sent_on.items())
    await days(14)
    assert {k: len(v) for k, v in sent_on.items()} == before
    # A reminder queued before the review would find nothing to say at send time.
    assert await policies.reminder(policy_id=status_.policy.id, due_on=due, kind="overdue") is None


async def test_the_playbook_reads_the_register(runtime: Runtime, workspace: Workspace) -> None:
    services = runtime.services
    coordinator = workspace.coordinators()[0]
    team_id = services.team_id
    today = services.policies.today()

    async def build() -> tuple[set[str], dict[str, float | None], str]:
        report = await services.digests.build(team_id=team_id, by=SYSTEM, with_chart=False)
        text = "\n".join(str(b.get("text", {}).get("text", "")) for b in build_digest_blocks(report))
        return {s.practice.id for s in report.suggestions}, report.signals, text

    suggested, signals, text = await build()
    assert "policy-review" not in suggested
    assert signals["policies_overdue"] is None and signals["days_since_policy_review"] is None
    assert "register is empty" in text

    def form(name: str, last: date | None) -> PolicyForm:
        return PolicyForm(
            name=name,
            link=LINK_URL,
            owner_id="U0OWNER",
            interval_months="12",
            last_reviewed_on=last.isoformat() if last else None,
        )

    await services.policies.add(
        team_id=team_id, form=form("Current policy", today - timedelta(days=10)), by=coordinator
    )
    suggested, signals, text = await build()
    assert "policy-review" not in suggested
    assert (signals["policies_overdue"], signals["policies_never_reviewed"]) == (0.0, 0.0)
    assert signals["days_since_policy_review"] == 10.0
    assert "none due in the next 30 days" in text

    overdue = await services.policies.add(
        team_id=team_id, form=form("Overdue procedure", today - timedelta(days=400)), by=coordinator
    )
    suggested, signals, text = await build()
    assert "policy-review" in suggested and signals["policies_overdue"] == 1.0
    assert "Overdue procedure" in text and "overdue by" in text and "Current policy" not in text

    await services.policies.mark_reviewed(
        team_id=team_id,
        policy_id=overdue.policy.id,
        reviewed_on=today.isoformat(),
        summary="no change",
        by=coordinator,
    )
    suggested, _signals, _text = await build()
    assert "policy-review" not in suggested

    await services.policies.add(team_id=team_id, form=form("Never-reviewed guide", None), by=coordinator)
    suggested, signals, _text = await build()
    assert "policy-review" in suggested and signals["policies_never_reviewed"] == 1.0
