"""Coordinators' control over improvement actions end to end: `/pulse actions` a page at a time
(every action exactly once), reopen and delete with their history, the after measure from the first
round that closes after the action, and the same buttons refused to an employee who forges them."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select

from bot.actions import PAGE_SIZE
from bot.runtime import Runtime
from handlers.slack.blocks.digest import (
    ACTION_DELETE_ACTION,
    HISTORY_ACTION,
    MAX_BLOCKS,
    PAGE_ACTION,
    REOPEN_ACTION,
    UPDATE_ACTION,
    page_value,
)
from handlers.slack.simulation.people import People
from handlers.slack.simulation.people_policies import settle_outbox
from handlers.slack.simulation.signing import block_actions
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, Workspace
from storage.digest_models import ImprovementAction, ImprovementActionEvent
from storage.models import SurveyAnswer, SurveyRound
from tests.e2e.test_authorization_matrix import NOT_COORDINATOR
from tests.e2e.test_digest import all_text, bad, good, post_digest, run_round
from tests.support import eventually


def _employee(workspace: Workspace) -> str:
    staff = set(workspace.coordinators()) | set(workspace.supporters())
    return next(u.id for u in workspace.active_humans() if u.id not in staff)


async def _seed(runtime: Runtime, coordinator: str, *, open_dues: list[date], closed: int) -> None:
    """Actions straight into storage: several share a due date, so ties are paged by id."""
    now = runtime.services.clock.now()
    async with runtime.db.session() as session:
        for i, due in enumerate(open_dues):
            session.add(_action(runtime, coordinator, f"Open {i}", due, now))
        for i in range(closed):
            action = _action(runtime, coordinator, f"Closed {i}", now.date(), now)
            action.status, action.closed_at = "closed", now - timedelta(hours=i // 2)  # pairs tie too
            session.add(action)


def _action(runtime: Runtime, coordinator: str, title: str, due: date, now: Any) -> ImprovementAction:
    return ImprovementAction(
        team_id=runtime.services.team_id,
        practice_id="seeded",
        title=title,
        owner_id=coordinator,
        adopted_by=coordinator,
        due_on=due,
        construct_id="psych_safety",
        success_measure="",
        created_at=now,
    )


def _listed(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        b["block_id"].removeprefix("action_") for b in blocks if b.get("block_id", "").startswith("action_")
    ]


def _nav(blocks: list[dict[str, Any]], which: str) -> dict[str, Any] | None:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == f"{PAGE_ACTION}_{which}":
                return dict(element)
    return None


async def _click(
    people: People, slack: FakeSlack, user: str, action_id: str, value: str
) -> list[dict[str, Any]]:
    """Click a button of the list; return the blocks it was redrawn with."""
    url = slack.new_response_url()
    status, _ = await people.post(
        block_actions(user_id=user, action_id=action_id, value=value, response_url=url)
    )
    assert status == 200
    [redrawn] = await eventually(lambda: slack.responses(url))
    assert redrawn.body.get("replace_original") is True
    blocks: list[dict[str, Any]] = redrawn.body["blocks"]
    return blocks


async def _db_actions(runtime: Runtime) -> dict[str, ImprovementAction]:
    async with runtime.db.session() as session:
        return {a.id: a for a in await session.exec(select(ImprovementAction))}


async def _events(runtime: Runtime, action_id: str) -> list[tuple[str, str | None]]:
    async with runtime.db.session() as session:
        rows = await session.exec(
            select(ImprovementActionEvent)
            .where(ImprovementActionEvent.action_id == action_id)
            .order_by(col(ImprovementActionEvent.id))
        )
        return [(e.kind, e.by) for e in rows]


async def test_pages_show_every_open_and_closed_action_exactly_once(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    today = runtime.services.clock.now().date()
    dues = [today + timedelta(days=i // 3) for i in range(3 * PAGE_SIZE - 4)]  # 26, three to a day
    await _seed(runtime, coordinator, open_dues=dues, closed=PAGE_SIZE + 3)
    stored = await _db_actions(runtime)
    open_ids = {a.id for a in stored.values() if a.status == "open"}
    closed_ids = {a.id for a in stored.values() if a.status == "closed"}

    status, reply = await people.command(coordinator, "/pulse", "actions")
    assert status == 200
    blocks = reply["blocks"]
    assert _nav(blocks, "prev") is None
    pages = [blocks]
    seen = _listed(blocks)
    while (more := _nav(blocks, "next")) is not None:
        blocks = await _click(people, slack, coordinator, more["action_id"], more["value"])
        pages.append(blocks)
        seen += _listed(blocks)
    assert len(pages) == 3
    assert len(seen) == len(open_ids) and set(seen) == open_ids  # each once, none missing
    dues_seen = [stored[i].due_on for i in seen]
    assert dues_seen == sorted(dues_seen)  # soonest due first across the pages
    assert all(len(p) <= MAX_BLOCKS for p in pages)
    assert f"21–{len(open_ids)} of {len(open_ids)}" in str(pages[-1][0])

    # Back one page from the last shows exactly the middle page again.
    back = _nav(blocks, "prev")
    assert back is not None
    again = await _click(people, slack, coordinator, back["action_id"], back["value"])
    assert _listed(again) == _listed(pages[1])

    # The closed list pages the same way, latest closed first.
    status, reply = await people.command(coordinator, "/pulse", "actions closed")
    blocks = reply["blocks"]
    closed_seen = _listed(blocks)
    while (more := _nav(blocks, "next")) is not None:
        blocks = await _click(people, slack, coordinator, more["action_id"], more["value"])
        closed_seen += _listed(blocks)
    assert len(closed_seen) == len(closed_ids) and set(closed_seen) == closed_ids
    # The digest shows the soonest ten and says how many more the list pages through.
    text = all_text(await post_digest(runtime, people, slack, workspace))
    assert f"{len(open_ids) - 10} more open actions: `/pulse actions` pages through them all." in text
    # And the button under any page switches lists.
    switched = await _click(
        people, slack, coordinator, f"{PAGE_ACTION}_switch", page_value("open", "next", None)
    )
    assert _listed(switched) == seen[:PAGE_SIZE]


async def test_a_new_action_between_pages_neither_repeats_nor_hides_the_rest(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    today = runtime.services.clock.now().date()
    await _seed(runtime, coordinator, open_dues=[today + timedelta(days=i) for i in range(15)], closed=0)
    _, reply = await people.command(coordinator, "/pulse", "actions")
    first = _listed(reply["blocks"])
    # Someone adopts an action due sooner than everything on page one while this page is open.
    await _seed(runtime, coordinator, open_dues=[today], closed=0)
    more = _nav(reply["blocks"], "next")
    assert more is not None
    second = _listed(await _click(people, slack, coordinator, more["action_id"], more["value"]))
    assert not set(first) & set(second)
    assert len(first) + len(second) == 15


async def test_reopen_and_delete_keep_a_history_and_a_double_click_changes_nothing(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator, other = workspace.coordinators()[:2]
    services = runtime.services
    action = await services.actions.adopt(
        team_id=services.team_id,
        practice_id="psych-safety-leaders",
        title="Leaders invite challenge",
        owner_id=coordinator,
        by=coordinator,
        due_on=services.clock.now().date() + timedelta(days=30),
        construct="psych_safety",
        success_measure="",
    )
    await services.actions.update(
        team_id=services.team_id,
        action_id=action.id,
        progress_note="Half the teams",
        due_on=None,
        by=coordinator,
    )
    await services.actions.close(team_id=services.team_id, action_id=action.id, outcome_note="Done", by=other)

    # Reopen from the closed list (Slack asked to confirm); twice, as a double click would.
    redrawn = await _click(people, slack, coordinator, f"{REOPEN_ACTION}_0", action.id)
    assert "Reopened" in str(redrawn) and action.id not in _listed(redrawn)
    seen = len(slack.ephemerals(coordinator))
    await people.post(block_actions(user_id=coordinator, action_id=f"{REOPEN_ACTION}_0", value=action.id))
    await eventually(lambda: [e for e in slack.ephemerals(coordinator)[seen:] if "already open" in e.text])
    reopened = (await _db_actions(runtime))[action.id]
    assert (reopened.status, reopened.closed_at, reopened.after_round_id) == ("open", None, None)

    # The update modal shows the history under the form.
    await people.post(
        block_actions(
            user_id=coordinator,
            action_id=f"{UPDATE_ACTION}_0",
            value=action.id,
            trigger_id=slack.new_trigger_id(coordinator),
        )
    )
    update = await eventually(
        lambda: [v for v in slack.opened_views() if v.view.get("callback_id") == "action_update_view"]
    )
    assert "reopened it" in str(update[-1].view["blocks"])
    # History opens as a modal with every step and who took it.
    trigger = slack.new_trigger_id(coordinator)
    await people.post(
        block_actions(
            user_id=coordinator, action_id=f"{HISTORY_ACTION}_0", value=action.id, trigger_id=trigger
        )
    )
    opened = await eventually(
        lambda: [v for v in slack.opened_views() if v.view.get("callback_id") == "action_history_view"]
    )
    history = str(opened[-1].view["blocks"])
    for words in ("adopted it", "noted progress: Half the teams", "closed it: Done", "reopened it"):
        assert words in history
    assert f"<@{other}> closed it" in history

    # Delete: gone from the list and the digest; the row and its history stay; a second delete is refused.
    redrawn = await _click(people, slack, coordinator, f"{ACTION_DELETE_ACTION}_0", action.id)
    assert "Deleted" in str(redrawn) and action.id not in _listed(redrawn)
    seen = len(slack.ephemerals(coordinator))
    await people.post(
        block_actions(user_id=coordinator, action_id=f"{ACTION_DELETE_ACTION}_0", value=action.id)
    )
    await eventually(
        lambda: [e for e in slack.ephemerals(coordinator)[seen:] if "no longer exists" in e.text]
    )
    assert (await _db_actions(runtime))[action.id].status == "deleted"
    assert await _events(runtime, action.id) == [
        ("adopted", coordinator),
        ("updated", coordinator),
        ("closed", other),
        ("reopened", coordinator),
        ("deleted", coordinator),
    ]
    # The coordinators' channel was told of each change, once.
    await settle_outbox(runtime, runtime.clock)  # type: ignore[arg-type]
    notes = [
        m.text
        for m in slack.messages(COORDINATOR_CHANNEL_ID)
        if (m.text or "").startswith((":leftwards_arrow_with_hook:", ":wastebasket:"))
    ]
    assert notes == [
        f":leftwards_arrow_with_hook: <@{coordinator}> reopened *Leaders invite challenge*; its after measure "
        "is taken again once it is closed.",
        f":wastebasket: <@{coordinator}> deleted the action *Leaders invite challenge* (its history is kept).",
    ]
    _, reply = await people.command(coordinator, "/pulse", "actions")
    assert action.id not in _listed(reply["blocks"])
    assert "Leaders invite challenge" not in all_text(await post_digest(runtime, people, slack, workspace))


async def test_an_employee_forging_the_buttons_is_refused_and_nothing_changes(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    employee = _employee(workspace)
    today = runtime.services.clock.now().date()
    await _seed(runtime, coordinator, open_dues=[today] * 12, closed=1)
    before = await _db_actions(runtime)
    closed = next(a.id for a in before.values() if a.status == "closed")
    opened = next(a.id for a in before.values() if a.status == "open")
    clicks = [
        (f"{PAGE_ACTION}_next", page_value("open", "next", f"{today.isoformat()}|{opened}")),
        (f"{PAGE_ACTION}_switch", page_value("closed", "next", None)),
        (f"{REOPEN_ACTION}_0", closed),
        (f"{ACTION_DELETE_ACTION}_0", opened),
        (f"{HISTORY_ACTION}_0", opened),
    ]
    for action_id, value in clicks:
        seen = len(slack.ephemerals(employee))
        url = slack.new_response_url()
        status, _ = await people.post(
            block_actions(
                user_id=employee,
                action_id=action_id,
                value=value,
                response_url=url,
                trigger_id=slack.new_trigger_id(employee),
            )
        )
        assert status == 200
        await eventually(
            lambda n=seen: [e for e in slack.ephemerals(employee)[n:] if NOT_COORDINATOR in e.text]
        )
        assert slack.responses(url) == [], f"{action_id} showed an employee the list"
    assert not [v for v in slack.opened_views() if v.view.get("callback_id") == "action_history_view"]
    after = await _db_actions(runtime)
    assert {i: a.status for i, a in after.items()} == {i: a.status for i, a in before.items()}
    for action_id in after:
        assert await _events(runtime, action_id) == []
    # A forged cursor from a coordinator is refused plainly, not a crash.
    seen = len(slack.ephemerals(coordinator))
    await people.post(
        block_actions(user_id=coordinator, action_id=f"{PAGE_ACTION}_next", value=json.dumps({"s": "x"}))
    )
    await eventually(lambda: [e for e in slack.ephemerals(coordinator)[seen:] if "isn't one of" in e.text])


async def test_the_after_measure_is_the_first_round_closing_after_the_action_and_keeps_the_k_rule(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    services = runtime.services
    await run_round(runtime, people, workspace, bad, respondents=25)
    action = await services.actions.adopt(
        team_id=services.team_id,
        practice_id="psych-safety-leaders",
        title="Leaders invite challenge",
        owner_id=coordinator,
        by=coordinator,
        due_on=services.clock.now().date() + timedelta(days=30),
        construct="psych_safety",
        success_measure="",
    )
    # Closed before any round closed since adoption: the old code could never measure this one.
    await services.actions.close(
        team_id=services.team_id, action_id=action.id, outcome_note="", by=coordinator
    )
    text = all_text(await post_digest(runtime, people, slack, workspace))
    assert "after waiting for the next round to close" in text

    # The next round has too few answers: that round is its after, withheld under k, not a later one.
    small = await run_round(runtime, people, workspace, good, respondents=3)
    closed = await services.actions.get(team_id=services.team_id, action_id=action.id, by=coordinator)
    assert (closed.after_round_id, closed.after_value, closed.after_low, closed.after_high) == (
        small,
        None,
        None,
        None,
    )
    text = all_text(await post_digest(runtime, people, slack, workspace))
    assert "after not measurable (too few answers in that round to show)" in text
    await run_round(runtime, people, workspace, good, respondents=25)
    assert (
        await services.actions.get(team_id=services.team_id, action_id=action.id, by=coordinator)
    ).after_round_id == small

    # Reopened and closed again: measured afresh from the first round closing after the new close.
    await services.actions.reopen(team_id=services.team_id, action_id=action.id, by=coordinator)
    await services.actions.close(
        team_id=services.team_id, action_id=action.id, outcome_note="", by=coordinator
    )
    assert (await _db_actions(runtime))[action.id].after_round_id is None
    services.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    latest = await run_round(runtime, people, workspace, good, respondents=25)
    closed = await services.actions.get(team_id=services.team_id, action_id=action.id, by=coordinator)
    assert closed.after_round_id == latest and closed.after_value == 1.0
    assert closed.after_low is not None and closed.after_high == 1.0
    text = all_text(await post_digest(runtime, people, slack, workspace))
    assert "→ after 100% (95% CI" in text


async def test_the_after_round_is_the_first_closing_after_the_action_that_asked_its_construct(
    runtime: Runtime, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    services, team = runtime.services, runtime.services.team_id
    k = services.settings.min_group_size
    action = await services.actions.adopt(
        team_id=team,
        practice_id="confidentiality-statement",
        title="Publish the confidentiality statement",
        owner_id=coordinator,
        by=coordinator,
        due_on=services.clock.now().date() + timedelta(days=30),
        construct="trust_confidentiality",  # a rotating construct: not every round asks it
        success_measure="",
    )
    await services.actions.close(team_id=team, action_id=action.id, outcome_note="", by=coordinator)
    closed_at = services.clock.now()

    async def round_(hours: float, questions: list[str], answers: int, value: int) -> str:
        closes = closed_at + timedelta(hours=hours)
        round_ = SurveyRound(
            team_id=team,
            schedule_key=f"manual:{hours}",
            question_ids=questions,
            opened_at=closes - timedelta(days=3),
            closes_at=closes,
            closed_at=closes,
            invited=40,
        )
        async with runtime.db.session() as session:
            session.add(round_)
            await session.flush()
            for question in questions:
                construct = services.surveys.bank.get(question)
                assert construct is not None
                for _ in range(answers):
                    session.add(
                        SurveyAnswer(
                            round_id=round_.id,
                            question_id=question,
                            construct_id=construct.construct,
                            value=value,
                            answered_on=closes.date(),
                        )
                    )
        return round_.id

    await round_(-1, ["trust_confidential"], k, 1)  # closed before the action: never its after
    assert await services.actions.settle_after_measures(team_id=team) == 0
    await round_(1, ["psafe_speak_up"], 20, 5)  # closes after, but does not ask the construct
    assert await services.actions.settle_after_measures(team_id=team) == 0
    assert (await _db_actions(runtime))[action.id].after_round_id is None
    measuring = await round_(2, ["trust_confidential"], k, 5)  # the first that asks it: k answers, all agree
    await round_(3, ["trust_confidential"], k + 10, 1)
    assert await services.actions.settle_after_measures(team_id=team) == 1
    assert await services.actions.settle_after_measures(team_id=team) == 0  # idempotent
    settled = (await _db_actions(runtime))[action.id]
    assert (settled.after_round_id, settled.after_value, settled.after_high) == (measuring, 1.0, 1.0)
