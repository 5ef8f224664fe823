"""`python -m bot demo`: a simulated workspace, end to end, on the local fake Slack. No credentials."""

from __future__ import annotations

import asyncio
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
from storage.queries import answer_histogram

DEMO_DIR = Path("peerpulse-demo")
SIGNING_SECRET = "demo-signing-secret-not-for-production"
PEERPULSE_SECRET = "demo-peerpulse-secret-not-for-production"

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


def _say(text: str = "") -> None:
    print(text, flush=True)


def _format_summary(summary: LikertSummary | RecommendSummary | Suppressed) -> str:
    if isinstance(summary, Suppressed):
        return f"— {summary}"
    if isinstance(summary, RecommendSummary):
        return f"mean {summary.mean.value:4.1f}/10 · NPS {summary.nps.value:+.0f} (95% CI {summary.nps.low:+.0f}…{summary.nps.high:+.0f})"
    fav = summary.favourable
    return (
        f"mean {summary.mean.value:3.2f}/5 · favourable {fav.value:4.0%} "
        f"(95% CI {fav.low:.0%}–{fav.high:.0%})"
    )


def _schedule_preview(members: list[Member], cron: str) -> list[str]:
    """When each time zone receives the next scheduled pulse."""
    now = datetime.now(UTC)
    fire = None
    probe = now
    while fire is None or fire <= now:
        probe += timedelta(days=1)
        fire = latest_fire_time(cron, now=probe)
    local = fire.astimezone(ZoneInfo(EARLIEST_ZONE))
    by_zone: dict[str, list[Member]] = {}
    for m in members:
        by_zone.setdefault(m.tz, []).append(m)
    rows = []
    for tz, group in sorted(
        by_zone.items(),
        key=lambda kv: local_send_time(kv[1][0], local_date=local.date(), at=local.time(), not_before=now),
    ):
        at = local_send_time(group[0], local_date=local.date(), at=local.time(), not_before=now)
        rows.append(
            f"  {tz:<22} {len(group):>3} people · {at.astimezone(ZoneInfo(tz)):%a %H:%M} local = {at:%a %H:%M} UTC"
        )
    return rows


async def run_demo(*, employees: int = 40, seed: int = 7) -> None:
    """Run one pulse round in a simulated workspace and print what happened."""
    from tests.fakes.people import People
    from tests.fakes.signing import SlackSender, state_text
    from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack
    from tests.fakes.workspace import COORDINATOR_CHANNEL_ID, SUPPORTERS_CHANNEL_ID, build_workspace

    started = time.monotonic()
    rng = random.Random(seed)
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    DEMO_DIR.mkdir()
    workspace = build_workspace(employees=employees, seed=seed)
    humans = [u.id for u in workspace.active_humans()]
    with FakeSlack(workspace, workspace_rate=50.0) as slack:
        settings = Settings(
            slack_bot_token=DEFAULT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            peerpulse_secret=PEERPULSE_SECRET,
            coordinator_channel=COORDINATOR_CHANNEL_ID,
            supporters_channel=SUPPORTERS_CHANNEL_ID,
            slack_api_url=slack.url,
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
                    f"  {len(humans)} active people in {len(zones)} time zones, "
                    f"{len(workspace.coordinators())} coordinators, {len(workspace.supporters())} peer supporters; "
                    "bots, a deactivated account and a guest are in the workspace too."
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
                _say("A coordinator types `/pulse send` (signed slash command) …")
                status, reply = await people.command(coordinator, "/pulse", "send")
                _say(
                    f"  app answered HTTP {status}: {reply if isinstance(reply, str) else reply.get('text')}"
                )
                t0 = time.monotonic()
                await _until(lambda: all(people.pulse_message(u) for u in humans), timeout=30)
                _say(
                    f"  {len(humans)} pulse DMs delivered through the outbox in {time.monotonic() - t0:.1f}s "
                    f"(paced at {settings.workspace_rate:g} msg/s, 1 msg/s per channel)"
                )
                _say()

                bank = runtime.services.surveys.bank
                answered, comments, safety = await _answer(
                    people,
                    slack,
                    humans,
                    rng,
                    state_text,
                    construct_of=lambda q: getattr(bank.get(q), "construct", ""),
                )
                _say("Simulated employees answer by clicking buttons in their DMs (signed block_actions):")
                _say(
                    f"  {answered} of {len(humans)} answered; {comments} left an anonymous comment through the modal"
                )
                if safety:
                    _say(
                        f"  {safety} comment(s) signalled risk: the author got a private message with support "
                        "resources at once; nothing records who wrote it"
                    )
                _say()

                status, reply = await people.command(coordinator, "/pulse", "status")
                _say("A coordinator asks `/pulse status`:")
                for line in str(reply.get("text") if isinstance(reply, dict) else reply).splitlines():
                    _say(f"  {line}")
                _say()

                round_ = await runtime.services.surveys.latest_round(team_id=runtime.services.team_id)
                assert round_ is not None
                await runtime.services.surveys.close_round(round_.id)
                await _print_results(runtime, round_.id, settings.min_group_size)
        finally:
            await runtime.stop()
    _say()
    _say(f"Demo finished in {time.monotonic() - started:.1f}s. Database kept at {DEMO_DIR / 'peerpulse.db'}.")


async def _answer(
    people: Any,
    slack: Any,
    humans: list[str],
    rng: random.Random,
    state_text: Any,
    *,
    construct_of: Callable[[str], str],
) -> tuple[int, int, int]:
    """Most people answer, some change their mind, a few comment; returns (answered, comments, safety)."""
    responders = [u for u in humans if rng.random() < 0.85]
    commenters = rng.sample(responders, k=min(len(_COMMENTS), len(responders)))
    comment_of = dict(zip(commenters, _COMMENTS, strict=False))
    gate = asyncio.Semaphore(8)

    async def one(user: str) -> None:
        async with gate:
            message = people.pulse_message(user)
            for question_id, options in people.answer_buttons(message).items():
                weights = _TENDENCIES.get(construct_of(question_id))
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
                await people.click(user, message, comment)
                view = await _until(lambda: _view_for(slack, user), timeout=5)
                await people.submit_view(
                    user,
                    callback_id=view["callback_id"],
                    private_metadata=view["private_metadata"],
                    state_values={"comment_block": {"comment_input": state_text(text)}},
                )

    await asyncio.gather(*(one(u) for u in responders))
    safety = sum(
        1
        for u in comment_of
        for m in slack.dm_messages(u)
        if "support" in (m.text or "") and "check in" in (m.text or "")
    )
    return len(responders), len(comment_of), safety


def _view_for(slack: Any, user: str) -> dict[str, Any] | None:
    for opened in reversed(slack.opened_views()):
        if opened.user_id in (user, None) and opened.view.get("callback_id") == "pulse_comment_view":
            return dict(opened.view)
    return None


async def _print_results(runtime: Runtime, round_id: str, k: int) -> None:
    surveys = runtime.services.surveys
    round_ = await surveys.get_round(round_id)
    assert round_ is not None
    async with runtime.db.session() as session:
        raw = await answer_histogram(session=session, round_ids=[round_id])
    histograms = {question_id: counts for (_r, question_id), counts in raw.items()}
    questions = surveys.questions_of(round_)
    _say(
        f"Round closed: {round_.answered_final} of {round_.invited} responded. Results (k = {k}; "
        "reverse-worded items recoded so 'favourable' is the good end):"
    )
    for result in summarize_round(questions, histograms, k=k):
        n = result.respondents
        shown_n = f"n={n:>3}" if n >= k else f"n<{k}  "
        label = f"{result.question.id} ({result.question.construct})"
        _say(f"  {label:<46} {shown_n}  {_format_summary(result.summary)}")
    _say("  Free-text comments are shown to coordinators only as themes in the weekly digest.")


async def _until(check: Callable[[], Any], *, timeout: float, required: bool = True) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            if required:
                raise TimeoutError("the demo waited too long for the app; see the log above")
            return None
        await asyncio.sleep(0.05)
