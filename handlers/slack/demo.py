"""`python -m bot demo`: a simulated workspace, end to end, on the local fake Slack. No credentials."""

from __future__ import annotations

import asyncio
import functools
import random
import shutil
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.insights import LikertSummary, RecommendSummary, Suppressed
from bot.ports import Member
from bot.results import summarize_round
from bot.runtime import Runtime
from bot.surveys import EARLIEST_ZONE, latest_fire_time, local_send_time
from handlers.slack.settings import SlackSettings
from storage.queries import answer_histogram

DEMO_DIR = Path("peerpulse-demo")
SIGNING_SECRET = "demo-signing-secret-not-for-production"  # noqa: S105  (the demo's fake Slack only)
PEERPULSE_SECRET = "demo-peerpulse-secret-not-for-production"  # noqa: S105
WEEKS = 3

# How the simulated workforce tends to answer each construct (weights for values low → high).
_TENDENCIES: dict[str, list[float]] = {
    "psych_safety": [0.05, 0.12, 0.23, 0.40, 0.20],
    "awareness": [0.15, 0.30, 0.25, 0.20, 0.10],
    "trust_confidentiality": [0.06, 0.14, 0.30, 0.35, 0.15],
    "experienced_disrespect": [0.55, 0.20, 0.15, 0.07, 0.03],
    "witnessed_disrespect": [0.35, 0.25, 0.25, 0.10, 0.05],
    "leadership_response": [0.10, 0.20, 0.30, 0.30, 0.10],
}
_COMMENTS = [
    "I didn't know we had peer supporters until a colleague told me. More awareness please.",
    "Not sure what I say stays private, my manager seems to hear about everything.",
    "Supporters should get refresher training on handling conflict between teams.",
    "Leadership never follows up after someone raises an issue. Nothing changes.",
    "Workload is so high that people snap at each other, that is where it starts.",
    "Call me on +44 7700 900123 or email jo.bloggs@example.com if you want details, ask <@U0FAKE1234>.",
    "The supporters were kind and quick to reply. Thank you!",
    "Sometimes I feel like I want to kill myself after these meetings.",
]
_FEEDBACK = [
    ("suggestion", "Please explain what happens to what we tell supporters, confidentiality is unclear."),
    ("concern", "I don't know who the peer supporters are or how to reach them."),
    ("suggestion", "More training for supporters on remote and chat conflicts would help."),
    ("concern", "My manager dismissed a report about a colleague. Leadership needs to act."),
    ("praise", "The supporter I talked to was kind and really listened."),
    ("concern", "Workload is crushing and people take it out on each other."),
]


def _say(text: str = "") -> None:
    print(text, flush=True)


def _week_tendencies(week: int) -> dict[str, list[float]]:
    """Answer tendencies that drift: psychological safety sags in the last simulated week."""
    if week < WEEKS:
        return {**_TENDENCIES, "psych_safety": [0.02, 0.05, 0.13, 0.50, 0.30]}
    return _TENDENCIES


def _format_summary(summary: LikertSummary | RecommendSummary | Suppressed) -> str:
    if isinstance(summary, Suppressed):
        return f"— {summary}"
    if isinstance(summary, RecommendSummary):
        return f"mean {summary.mean.value:4.1f}/10 · NPS {summary.nps.value:+.0f} (95% CI {summary.nps.low:+.0f}…{summary.nps.high:+.0f})"
    fav = summary.favourable
    return f"mean {summary.mean.value:3.2f}/5 · favourable {fav.value:4.0%} (95% CI {fav.low:.0%}–{fav.high:.0%})"


def _schedule_preview(members: list[Member], cron: str) -> list[str]:
    """When each time zone receives the next scheduled pulse."""
    now = datetime.now(UTC)
    probe, fire = now, None
    while fire is None or fire <= now:
        probe += timedelta(days=1)
        fire = latest_fire_time(cron, now=probe)
    local = fire.astimezone(ZoneInfo(EARLIEST_ZONE))
    by_zone: dict[str | None, list[Member]] = {}
    for m in members:
        by_zone.setdefault(m.tz, []).append(m)
    rows = []
    for tz, group in by_zone.items():
        at = local_send_time(group[0], local_date=local.date(), at=local.time(), not_before=now)
        zone = tz or "UTC"
        rows.append(
            (
                at,
                f"  {zone:<22} {len(group):>3} people · {at.astimezone(ZoneInfo(zone)):%a %H:%M} local = {at:%a %H:%M} UTC",
            )
        )
    return [row for _, row in sorted(rows)]


async def run_demo(*, employees: int = 40, seed: int = 7) -> None:
    """Run simulated weeks in a simulated workspace and print what happened, ending with the digest."""
    from handlers.slack.simulation.people import People
    from handlers.slack.simulation.people_policies import simulate_policy_and_update
    from handlers.slack.simulation.people_support import simulate_supporters
    from handlers.slack.simulation.signing import SlackSender
    from handlers.slack.simulation.slack_api import DEFAULT_TOKEN, FakeSlack
    from handlers.slack.simulation.workspace import (
        COORDINATOR_CHANNEL_ID,
        SUPPORTERS_CHANNEL_ID,
        build_workspace,
    )

    started = time.monotonic()
    rng = random.Random(seed)
    await asyncio.to_thread(shutil.rmtree, DEMO_DIR, True)
    await asyncio.to_thread(DEMO_DIR.mkdir)
    workspace = build_workspace(employees=employees, seed=seed)
    humans = [u.id for u in workspace.active_humans()]
    with FakeSlack(workspace, workspace_rate=50.0) as slack:
        settings = Settings(
            peerpulse_secret=PEERPULSE_SECRET,
            coordinator_channel=COORDINATOR_CHANNEL_ID,
            supporters_channel=SUPPORTERS_CHANNEL_ID,
            platform_settings=SlackSettings(
                bot_token=DEFAULT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack.url
            ),
            database_url=f"sqlite+aiosqlite:///{DEMO_DIR / 'peerpulse.db'}",
            workspace_rate=50.0,
        )
        runtime = Runtime(settings, scheduler_enabled=False)
        await runtime.start(host="127.0.0.1", port=0)
        await runtime.wait_until_leader()
        try:
            async with SlackSender() as sender:
                people = People(slack, sender, app_url=runtime.url, signing_secret=SIGNING_SECRET)
                zones = Counter(workspace.users[u].tz for u in humans)
                _say("PeerPulse demo — a simulated workspace on a local fake Slack")
                _say(
                    f"  {len(humans)} active people in {len(zones)} time zones, {len(workspace.coordinators())} "
                    f"coordinators, {len(workspace.supporters())} peer supporters; bots, a deactivated account and a "
                    "guest are in the workspace too."
                )
                _say(
                    f"  App serving signed Slack requests at {runtime.url}/slack/events; database {settings.database_url}"
                )
                _say()
                _say(
                    f"Next scheduled pulse ({settings.pulse_schedule}): each person at 10:00 in their own time zone"
                )
                members = await runtime.services.surveys.audience(runtime.services.team_id)
                for row in _schedule_preview(members, settings.pulse_schedule):
                    _say(row)
                _say()

                coordinator = workspace.coordinators()[0]
                for week in range(1, WEEKS + 1):
                    await _simulate_week(runtime, people, slack, humans, rng, coordinator, week=week)

                _say(
                    "Peer supporters log sessions with `/peer-log` (a modal; they never name whom they helped):"
                )
                for line in await simulate_supporters(people, slack, workspace, seed=seed):
                    _say(f"  {line}")
                _say()
                sent = await _leave_feedback(people, slack, humans, rng)
                _say(
                    f"{sent} people left anonymous suggestions with `/feedback` (stored without a name, scrubbed)."
                )
                _say()
                await _show_digest(runtime, people, slack, coordinator)
                _say()
                _say("Coordinators keep the policy register and tell people what changed (you said, we did):")
                for line in await simulate_policy_and_update(runtime, people, slack, workspace):
                    _say(f"  {line}")
        finally:
            await runtime.stop()
    _say()
    _say(f"Demo finished in {time.monotonic() - started:.1f}s. Database kept at {DEMO_DIR / 'peerpulse.db'}.")


async def _simulate_week(
    runtime: Runtime,
    people: Any,
    slack: Any,
    humans: list[str],
    rng: random.Random,
    coordinator: str,
    *,
    week: int,
) -> None:
    """One simulated week: a round opened, delivered, answered and closed."""
    last = week == WEEKS
    _say(f"Week {week}: a coordinator types `/pulse send` (a signed slash command) …")
    # Last week's DMs were rewritten at close (no buttons left), so "delivered" means a new DM.
    earlier = {m.ts for u in humans for m in people.slack.dm_messages(u)}
    status, reply = await people.send_pulse(coordinator)
    if last:
        _say(f"  app answered HTTP {status}: {reply if isinstance(reply, str) else reply.get('text')}")
    t0 = time.monotonic()
    await _until(lambda: all(_has_new_pulse(people, u, earlier) for u in humans), timeout=30)
    _say(
        f"  {len(humans)} pulse DMs delivered through the outbox in {time.monotonic() - t0:.1f}s "
        f"(paced at {runtime.settings.workspace_rate:g} msg/s, 1 msg/s per channel)"
    )
    bank = runtime.services.surveys.bank
    answered, comments, safety = await _answer(
        people,
        slack,
        humans,
        rng,
        construct_of=lambda q: getattr(bank.get(q), "construct", ""),
        tendencies=_week_tendencies(week),
        comments=_COMMENTS if last else [],
    )
    line = f"  {answered} of {len(humans)} answered by clicking buttons in their DMs (signed block_actions)"
    _say(line + (f"; {comments} left an anonymous comment through the modal" if comments else ""))
    if safety:
        _say(
            f"  {safety} comment signalled risk: its author got a private message with support resources at once; "
            "nothing records who wrote it"
        )
    if last:
        status, reply = await people.command(coordinator, "/pulse", "status")
        _say("  A coordinator asks `/pulse status`:")
        for text in str(reply.get("text") if isinstance(reply, dict) else reply).splitlines():
            _say(f"    {text}")
    round_ = await runtime.services.surveys.latest_round(team_id=runtime.services.team_id)
    assert round_ is not None
    await runtime.services.surveys.close_round(round_.id)
    if last:
        await _print_results(runtime, round_.id, runtime.settings.min_group_size)
    _say()


def _has_new_pulse(people: Any, user: str, earlier: set[str]) -> bool:
    message = people.pulse_message(user)
    return message is not None and message.ts not in earlier


async def _answer(
    people: Any,
    slack: Any,
    humans: list[str],
    rng: random.Random,
    *,
    construct_of: Callable[[str], str],
    tendencies: dict[str, list[float]],
    comments: list[str],
) -> tuple[int, int, int]:
    """Most people answer, some change their mind, a few comment; returns (answered, comments, safety)."""
    from handlers.slack.simulation.signing import state_text

    responders = [u for u in humans if rng.random() < 0.85]
    commenters = rng.sample(responders, k=min(len(comments), len(responders)))
    comment_of = dict(zip(commenters, comments, strict=False))
    gate = asyncio.Semaphore(8)

    async def one(user: str) -> None:
        async with gate:
            message = people.pulse_message(user)
            for question_id, options in people.answer_buttons(message).items():
                weights = tendencies.get(construct_of(question_id))
                if len(options) == 5:
                    picked = rng.choices(options, weights=weights or [0.1, 0.2, 0.3, 0.3, 0.1])[0]
                else:
                    picked = options[min(10, max(0, int(rng.gauss(7.2, 2.0))))]
                if rng.random() < 0.05:
                    await people.click(user, message, rng.choice(options))  # a change of mind follows
                await people.click(user, message, picked)
            text = comment_of.get(user)
            comment = people.comment_button(message)
            if text and comment is not None:
                view = await _open_comment(people, slack, user, message, comment)
                await people.submit_view(
                    user,
                    callback_id=view["callback_id"],
                    private_metadata=view["private_metadata"],
                    state_values={"comment_block": {"comment_input": state_text(text)}},
                )

    await asyncio.gather(*(one(u) for u in responders))
    safety = sum(1 for u in comment_of for m in slack.dm_messages(u) if "check in" in (m.text or ""))
    return len(responders), len(comment_of), safety


async def _open_comment(people: Any, slack: Any, user: str, message: Any, button: Any) -> dict[str, Any]:
    """Tap "Add a comment" until the modal opens: when many tap at once, PeerPulse says to try again."""
    from handlers.slack.open_view import BUSY

    for _ in range(30):
        told = len(slack.ephemerals(user))
        await people.click(user, message, button)

        def outcome(told: int = told) -> dict[str, Any] | str | None:
            if len(slack.ephemerals(user)) > told and slack.ephemerals(user)[-1].text == BUSY:
                return BUSY
            return _view_for(slack, user)

        result = await _until(outcome, timeout=5)
        if isinstance(result, dict):
            return result
        await asyncio.sleep(1.0)  # as a person would: a moment later, tap again
    raise TimeoutError("the comment form never opened; see the log above")


def _view_for(slack: Any, user: str, callback_id: str = "pulse_comment_view") -> dict[str, Any] | None:
    for opened in reversed(slack.opened_views()):
        if opened.user_id in (user, None) and opened.view.get("callback_id") == callback_id:
            return dict(opened.view)
    return None


async def _leave_feedback(people: Any, slack: Any, humans: list[str], rng: random.Random) -> int:
    from handlers.slack.simulation.signing import state_select, state_text

    authors = rng.sample(humans, k=len(_FEEDBACK))
    for author, (category, text) in zip(authors, _FEEDBACK, strict=True):
        await people.command(author, "/feedback")
        view = await _until(functools.partial(_view_for, slack, author, "feedback_view"), timeout=5)
        await people.submit_view(
            author,
            callback_id="feedback_view",
            private_metadata=view.get("private_metadata", ""),
            state_values={
                "category": {"category_input": state_select(category)},
                "text": {"text_input": state_text(text)},
            },
        )
    return len(authors)


async def _print_results(runtime: Runtime, round_id: str, k: int) -> None:
    surveys = runtime.services.surveys
    round_ = await surveys.get_round(round_id)
    assert round_ is not None
    async with runtime.db.session() as session:
        raw = await answer_histogram(session=session, round_ids=[round_id])
    histograms = {question_id: counts for (_r, question_id), counts in raw.items()}
    _say(
        f"  Round closed: {round_.answered_final} of {round_.invited} responded. Per question (k = {k}; "
        "reverse-worded items recoded so 'favourable' is the good end):"
    )
    for result in summarize_round(surveys.questions_of(round_), histograms, k=k):
        n = result.respondents
        shown_n = f"n={n:>3}" if n >= k else f"n<{k}  "
        label = f"{result.question.id} ({result.question.construct})"
        _say(f"    {label:<46} {shown_n}  {_format_summary(result.summary)}")


async def _show_digest(runtime: Runtime, people: Any, slack: Any, coordinator: str) -> None:
    from handlers.slack.blocks.digest import blocks_as_text
    from handlers.slack.simulation.signing import state_date, state_select, state_text

    channel = runtime.settings.coordinator_channel
    seen = len(slack.messages(channel))
    _say(
        "A coordinator asks for the weekly digest now with `/pulse digest` (it also posts every Monday 09:00):"
    )
    await people.command(coordinator, "/pulse", "digest")
    messages = await _until(
        lambda: [m for m in slack.messages(channel)[seen:] if "weekly digest" in (m.text or "")], timeout=30
    )
    files = await _until(lambda: slack.uploaded_files(channel), timeout=10)
    chart = DEMO_DIR / "digest-chart.png"
    await asyncio.to_thread(chart.write_bytes, files[-1].content)
    _say("=" * 78)
    for message in messages:
        _say(blocks_as_text(message.blocks or []))
    _say("=" * 78)
    _say(f"The digest's chart was uploaded to the channel and saved to {chart}.")
    _say()
    # The first suggestion measured by a survey construct (one without a survey measure has none preset).
    found = [(m, b) for m in messages for b in people.find_buttons(m, "digest_adopt_") if b.answer.get("c")]
    if not found:
        return
    message, adopt = found[0]
    await people.click(coordinator, message, adopt)
    view = await _until(lambda: _view_for(slack, coordinator, "action_adopt_view"), timeout=5)
    await people.submit_view(
        coordinator,
        callback_id="action_adopt_view",
        private_metadata=view["private_metadata"],
        state_values={
            "title": {"value": state_text(adopt.answer.get("t", "Adopted practice"))},
            "owner": {"value": {"type": "users_select", "selected_user": coordinator}},
            "due": {"value": state_date((runtime.clock.now().date() + timedelta(days=30)).isoformat())},
            "measure": {"value": state_select(adopt.answer["c"])},
            "success": {"value": state_text("")},
        },
    )
    confirmation = await _until(
        lambda: [m for m in slack.messages(channel) if "adopted" in (m.text or "")], timeout=10
    )
    _say("The coordinator clicks “Adopt as action” on the first suggestion and fills in the modal:")
    _say(f"  {confirmation[-1].text}")
    _say("  Once closed, later digests test every round before adoption against every round after it.")


async def _until(check: Callable[[], Any], *, timeout: float) -> Any:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("the demo waited too long for the app; see the log above")
        await asyncio.sleep(0.05)
