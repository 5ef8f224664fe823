"""The weekly digest end to end: simulated weeks, a posted digest with its chart, an action adopted
and closed with its before and after."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select

from bot.roles import SYSTEM
from bot.runtime import Runtime
from bot.support import EDIT_WINDOW, released_period
from handlers.slack.blocks.digest import MAX_BLOCKS, MAX_SECTION_CHARS
from handlers.slack.simulation.people import Button, People
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, Workspace
from storage.digest_models import ImprovementAction
from storage.models import SurveyRound
from tests.support import eventually

Chooser = Callable[[str, list[Button]], Button | None]


def good(_question: str, options: list[Button]) -> Button:
    """Favourable answers (reverse-scored items are recoded by the app, so 'Never' is good there)."""
    if len(options) == 11:
        return options[9]
    return options[0] if options[0].label == "Never" else options[3]


def bad(_question: str, options: list[Button]) -> Button:
    """Unfavourable answers."""
    if len(options) == 11:
        return options[2]
    return options[4] if options[0].label == "Never" else options[0]


def mixed(seed: int) -> Chooser:
    """Answers spread over the scale."""
    rng = random.Random(seed)
    return lambda _q, options: rng.choice(options)


async def run_round(
    runtime: Runtime, people: People, workspace: Workspace, choose: Chooser, *, respondents: int
) -> str:
    """A coordinator opens a round, `respondents` people answer, the round closes; return its id."""
    coordinator = workspace.coordinators()[0]
    before = {m.ts for u in workspace.active_humans() for m in people.slack.dm_messages(u.id)}
    status, _ = await people.send_pulse(coordinator)
    assert status == 200
    humans = [u.id for u in workspace.active_humans()]

    def fresh(user: str) -> Message | None:
        message = people.pulse_message(user)
        return message if message is not None and message.ts not in before else None

    await eventually(lambda: all(fresh(u) for u in humans), timeout=20)
    for user in humans[:respondents]:
        await people.answer_pulse(user, choose)
    round_ = await runtime.services.surveys.current_round(team_id=runtime.services.team_id)
    assert round_ is not None
    await runtime.services.surveys.close_round(round_.id)
    # A week passes before the next round, as it would for real.
    runtime.clock.advance(timedelta(days=7))  # type: ignore[attr-defined]
    return round_.id


def digest_messages(slack: FakeSlack) -> list[Message]:
    """Digest messages in the coordinators' channel, oldest first."""
    return [m for m in slack.messages(COORDINATOR_CHANNEL_ID) if "weekly digest" in (m.text or "")]


def all_text(messages: list[Message]) -> str:
    """Every text in the messages' blocks."""
    return "\n".join(str(m.blocks) for m in messages)


async def post_digest(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> list[Message]:
    """A coordinator asks for the digest now; return its messages once they arrive."""
    seen = len(digest_messages(slack))
    status, body = await people.command(workspace.coordinators()[0], "/pulse", "digest")
    assert status == 200
    assert "digest" in str(body).lower()

    def arrived() -> list[Message]:
        # The test clock stands still; let it tick so a Retry-After the outbox honours can pass.
        runtime.clock.advance(timedelta(milliseconds=100))  # type: ignore[attr-defined]
        runtime.services.outbox.wakeup.set()
        return digest_messages(slack)[seen:]

    return await eventually(arrived, timeout=20)


async def test_digest_reports_a_planted_drop_with_its_chart_within_block_kit_limits(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    for _ in range(2):
        await run_round(runtime, people, workspace, good, respondents=30)
    await run_round(runtime, people, workspace, bad, respondents=30)
    messages = await post_digest(runtime, people, slack, workspace)
    text = all_text(messages)
    assert "Psychological safety" in text
    assert ":triangular_flag_on_post:" in text  # the planted drop is flagged as significant
    assert "Participation" in text and "30 of" in text
    files = await eventually(lambda: slack.uploaded_files(COORDINATOR_CHANNEL_ID))
    assert files[0].content.startswith(b"\x89PNG")
    for message in messages:
        assert len(message.blocks or []) <= MAX_BLOCKS
        for block in message.blocks or []:
            assert len(block.get("text", {}).get("text", "")) <= MAX_SECTION_CHARS


async def test_too_few_answers_are_withheld_everywhere(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    await run_round(runtime, people, workspace, bad, respondents=3)
    text = all_text(await post_digest(runtime, people, slack, workspace))
    assert "fewer than 5 answered" in text
    assert "favourable (95% CI" not in text
    assert ":triangular_flag_on_post:" not in text


async def test_an_adopted_action_is_closed_with_its_before_and_its_after_from_the_next_round(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    await run_round(runtime, people, workspace, bad, respondents=25)
    messages = await post_digest(runtime, people, slack, workspace)
    coordinator = workspace.coordinators()[0]
    adopt = next((m, b) for m in messages for b in people.find_buttons(m, "digest_adopt_"))
    status, _ = await people.click(coordinator, adopt[0], adopt[1])
    assert status == 200
    modal = await eventually(lambda: _view(slack, "action_adopt_view"))
    # Psychological safety is asked every round, so the next round measures the action's effect.
    measure = "psych_safety"
    due = (runtime.services.clock.now().date() + timedelta(days=30)).isoformat()
    status, body = await people.submit_view(
        coordinator,
        callback_id="action_adopt_view",
        private_metadata=modal["private_metadata"],
        state_values=_adopt_state(title="Run the campaign", owner=coordinator, due=due, measure=measure),
    )
    assert status == 200 and not body, body
    action = await eventually(lambda: _actions(runtime))
    assert action[0].before_value is not None and action[0].before_value < 0.5

    await run_round(runtime, people, workspace, good, respondents=25)
    status, reply = await people.command(coordinator, "/pulse", "actions")
    assert status == 200
    close = next(b for b in reply["blocks"] if b.get("type") == "actions")["elements"][1]
    message = Message(channel="D0", ts="1.0", text="", blocks=reply["blocks"])
    await people.click(coordinator, message, Button(close["action_id"], "", close["value"], "Close"))
    modal = await eventually(lambda: _view(slack, "action_close_view"))
    status, body = await people.submit_view(
        coordinator,
        callback_id="action_close_view",
        private_metadata=modal["private_metadata"],
        state_values={"note": {"value": {"type": "plain_text_input", "value": "Campaign ran in all teams."}}},
    )
    assert status == 200 and not body, body
    closed = (await _actions(runtime))[0]
    assert closed.status == "closed"
    # The round that closed while the campaign ran is not its "after": that is the next round to close.
    assert closed.after_round_id is None and closed.after_value is None
    text = all_text(await post_digest(runtime, people, slack, workspace))
    assert "after waiting for the next round to close" in text
    next_round = await run_round(runtime, people, workspace, good, respondents=25)
    closed = (await _actions(runtime))[0]
    assert closed.after_round_id is None  # filled in when next read, not guessed before
    text = all_text(await post_digest(runtime, people, slack, workspace))
    closed = (await _actions(runtime))[0]
    assert closed.after_round_id == next_round
    assert closed.after_value is not None and closed.after_value > closed.before_value  # type: ignore[operator]
    assert "waiting for the next round" not in text and "→ after 100%" in text
    assert "Run the campaign" in text and "before" in text and "after" in text
    # The verdict is a test of every round before adoption against every round after, and says so.
    assert "Effect over 1 round before (n=25" in text and "1 after (n=25" in text
    assert "improved (significant" in text


async def test_a_week_figure_that_would_single_out_sessions_is_not_shown_beside_the_month(
    runtime: Runtime, workspace: Workspace
) -> None:
    _, end = released_period(runtime.services.clock.now())
    first, second = workspace.supporters()[:2]
    last_week = end - timedelta(days=3)
    earlier = end - timedelta(days=15)
    rows = [(first, last_week)] * 3 + [(second, last_week)] * 2 + [(first, earlier)] * 2
    async with runtime.db.session() as session:
        for supporter, released in rows:
            session.add(_session(runtime, supporter, released - EDIT_WINDOW))
    report = await runtime.services.digests.build(
        team_id=runtime.services.team_id, by=SYSTEM, with_chart=False
    )
    assert report.support.sessions_4w == 7
    # 7 in four weeks and 5 in the last one would reveal the 2 sessions of the weeks before.
    assert report.support.sessions_last_week is None
    assert report.support.by_category.cells == {"Verbal abuse (insults, shouting, humiliation)": 7}


def _session(runtime: Runtime, supporter: str, created: datetime) -> Any:
    from storage.support_models import SupportSession

    return SupportSession(
        team_id=runtime.services.team_id,
        supporter_id=supporter,
        session_date=created.date(),
        duration_minutes=30,
        category="verbal_abuse",
        contact_channel="chat",
        outcome="listened",
        created_at=created,
    )


def _view(slack: FakeSlack, callback_id: str) -> dict[str, Any] | None:
    for opened in reversed(slack.opened_views()):
        if opened.view.get("callback_id") == callback_id:
            return dict(opened.view)
    return None


def _adopt_state(*, title: str, owner: str, due: str, measure: str) -> dict[str, Any]:
    return {
        "title": {"value": {"type": "plain_text_input", "value": title}},
        "owner": {"value": {"type": "users_select", "selected_user": owner}},
        "due": {"value": {"type": "datepicker", "selected_date": due}},
        "measure": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": measure, "text": {"type": "plain_text", "text": measure}},
            }
        },
        "success": {"value": {"type": "plain_text_input", "value": ""}},
    }


async def _actions(runtime: Runtime) -> list[ImprovementAction]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(ImprovementAction)))


async def _rounds(runtime: Runtime) -> list[SurveyRound]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(SurveyRound)))


async def test_the_scheduled_digest_is_posted_once_however_often_the_job_runs(
    runtime: Runtime, slack: FakeSlack
) -> None:
    digests = runtime.services.digests
    first = await digests.post_weekly(team_id=runtime.services.team_id)
    second = await digests.post_weekly(team_id=runtime.services.team_id)
    assert first is not None
    assert second is None

    def arrived() -> list[Message]:
        runtime.clock.advance(timedelta(milliseconds=100))  # type: ignore[attr-defined]
        runtime.services.outbox.wakeup.set()
        return digest_messages(slack)

    await eventually(arrived, timeout=20)
    assert len(digest_messages(slack)) == 1
