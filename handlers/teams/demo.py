"""`PLATFORM=teams python -m bot demo`: a simulated Microsoft 365 tenant, end to end, on the local fake Teams.

No credentials: the fake Bot Connector signs every activity with its own keys and hands the app its
own tokens, as Microsoft would. Every step a person takes (typing, tapping a card, filling in a dialog) is
a signed request to the running app, as Teams would send it.
"""

from __future__ import annotations

import asyncio
import base64
import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.config import Settings
from bot.errors import ConfigError
from bot.insights import LikertSummary, RecommendSummary, Suppressed
from bot.policies import LAST_REVIEWED, LINK, NAME, REVIEWED_ON, SUMMARY
from bot.results import summarize_round
from bot.roles import SYSTEM
from bot.runtime import Runtime
from bot.support import CATEGORY, CONTACT_CHANNEL, DATE, DURATION, NOTE, OUTCOME
from bot.surveys import CLOSED_REWRITE_SPACING
from bot.updates import TEXT
from handlers.teams.cards import improvement
from handlers.teams.cards.answers import ANSWER_VERB
from handlers.teams.cards.peer_log import OPEN_SESSION
from handlers.teams.cards.policies import ADD_ACTION, REVIEW_ACTION
from handlers.teams.cards.rounds import CLOSE as CLOSE_ROUND
from handlers.teams.cards.rounds import ROUND_KEY, SEND
from handlers.teams.ids import person_id
from handlers.teams.settings import TeamsSettings
from handlers.teams.simulation import people_flows as flows
from handlers.teams.simulation.connector import FakeTeams, SentActivity
from handlers.teams.simulation.people import TeamsPeople, answer_buttons
from handlers.teams.simulation.tenant import (
    APP_PASSWORD,
    COORDINATORS_TEAM_ID,
    EVERYONE_TEAM_ID,
    Team,
    Tenant,
    build_tenant,
)
from storage.queries import answer_histogram, outbox_waiting

# Beside the Slack demo's files (`make clean` removes both), never in place of them.
DEMO_DIR = Path("peerpulse-demo") / "teams"
PEERPULSE_SECRET = "demo-peerpulse-secret-not-for-production"  # noqa: S105  (the demo's database only)
SUPPORTERS_TEAM_ID = "19:supporters00000000000000000000@thread.tacv2"
WEEKS = 3
RESPONSE_RATE = 0.85
POLICY = "Dignity at Work policy"
_MENTION = re.compile(r"<at>(.*?)</at>")
# Adaptive Cards' date and time functions, which Teams shows in the reader's own format and time zone.
_DATE = re.compile(r"\{\{DATE\(([^,)]+)(?:,\s*\w+)?\)\}\}")
_TIME = re.compile(r"\{\{TIME\(([^)]+)\)\}\}")
# Notes as a supporter might write them: about the situation and next steps, never a name.
_NOTES = (
    "Talked through what happened in the team meeting; they want to keep a written record for now.",
    "Shared the EAP number and the bullying policy. Will check in after their one-to-one.",
    "Mostly listened. They felt better having said it out loud; no action wanted yet.",
)

# How the simulated workforce tends to answer each construct (weights for values low → high).
_TENDENCIES: dict[str, list[float]] = {
    "psych_safety": [0.05, 0.12, 0.23, 0.40, 0.20],
    "awareness": [0.15, 0.30, 0.25, 0.20, 0.10],
    "trust_confidentiality": [0.06, 0.14, 0.30, 0.35, 0.15],
    "experienced_disrespect": [0.55, 0.20, 0.15, 0.07, 0.03],
    "witnessed_disrespect": [0.35, 0.25, 0.25, 0.10, 0.05],
    "leadership_response": [0.10, 0.20, 0.30, 0.30, 0.10],
}


def _say(text: str = "") -> None:
    print(text, flush=True)


class FastForwardClock:
    """The wall clock, which the demo may move ahead (time passes as usual in between)."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def now(self) -> datetime:
        """The current instant, moved ahead by however much the demo skipped."""
        return datetime.now(UTC) + self.ahead

    def skip(self, delta: timedelta) -> None:
        """Move time forward by `delta`, at once."""
        self.ahead += delta


def _tenant(employees: int, seed: int) -> Tenant:
    """The simulated tenant: two coordinators, a guest, and a peer supporters' team."""
    tenant = build_tenant(employees=employees, coordinators=min(2, employees), guests=1, seed=seed)
    people = [u.id for u in tenant.people()]
    tenant.teams[SUPPORTERS_TEAM_ID] = Team(SUPPORTERS_TEAM_ID, "Peer supporters", members=people[2:4])
    return tenant


def _settings(fake: FakeTeams) -> Settings:
    """Embedded settings, every Microsoft endpoint pointing at the fake: nothing is read from outside."""
    return Settings(
        peerpulse_secret=PEERPULSE_SECRET,
        coordinator_channel=COORDINATORS_TEAM_ID,
        supporters_channel=SUPPORTERS_TEAM_ID,
        platform="teams",
        platform_settings=TeamsSettings(
            app_id=fake.tenant.app_id,
            app_password=APP_PASSWORD,
            tenant_id=fake.tenant.id,
            people_team=EVERYONE_TEAM_ID,
            service_url=fake.service_url,
            openid_metadata_url=fake.openid_metadata_url,
            token_url=fake.token_url,
        ),
        database_url=f"sqlite+aiosqlite:///{DEMO_DIR / 'peerpulse.db'}",
        port=0,
    )


async def run_demo(*, employees: int = 40, seed: int = 7) -> None:
    """Run simulated weeks in a simulated Teams tenant and print what happened, ending with the digest."""
    if employees < 3:
        # A coordinator, someone who opts out, and someone still answering.
        raise ConfigError("the Teams demo needs at least 3 employees (--employees)")
    started = time.monotonic()
    rng = random.Random(seed)
    await asyncio.to_thread(shutil.rmtree, DEMO_DIR, True)
    await asyncio.to_thread(DEMO_DIR.mkdir, parents=True)
    tenant = _tenant(employees, seed)
    with FakeTeams(tenant) as fake:
        settings = _settings(fake)
        runtime = Runtime(settings, clock=FastForwardClock(), scheduler_enabled=False)
        await runtime.start(host="127.0.0.1", port=0)
        await runtime.wait_until_leader()
        try:
            async with aiohttp.ClientSession() as session:
                people = TeamsPeople(fake, session, bot_url=runtime.url)
                await _story(runtime, fake, people, rng)
        finally:
            await runtime.stop()
    _say()
    _say(f"Demo finished in {time.monotonic() - started:.1f}s. Database kept at {DEMO_DIR / 'peerpulse.db'}.")


async def _story(runtime: Runtime, fake: FakeTeams, people: TeamsPeople, rng: random.Random) -> None:
    tenant = fake.tenant
    employees = [u.id for u in tenant.people()]
    guests = [u for u in tenant.users.values() if u.user_role != "user"]
    coordinator = employees[0]
    _say("PeerPulse demo — a simulated Microsoft 365 tenant on a local fake Teams")
    _say(
        f"  {len(employees)} employees ({len(tenant.teams[COORDINATORS_TEAM_ID].members)} coordinators, "
        f"{len(tenant.teams[SUPPORTERS_TEAM_ID].members)} peer supporters) and {len(guests)} guest account."
    )
    _say(
        f"  App serving POST {runtime.url}/api/messages; every activity is signed as the Bot Connector "
        "signs it (a JWT from the fake's published keys), anything else gets 401."
    )
    _say(f"  Database {runtime.settings.database_url}")
    _say()

    statuses = Counter([await people.install(u.id) for u in tenant.users.values()])
    _say(
        f"Everyone installs the app (the org-wide app setup policy): {sum(statuses.values())} installationUpdate "
        f"activities, answered {_counts(statuses)}."
    )
    _say(
        "  PeerPulse keeps each person's 1:1 chat and regional serviceUrl, so proactive messages reach them; "
        "the guest is never surveyed."
    )
    _say()

    asker = employees[-1]
    reply = await _reply_to(fake, people, asker, "help")
    _say(f"{tenant.users[asker].name} types `help` in their chat with PeerPulse and gets:")
    for line in reply.text.splitlines()[:8]:
        _say(f"    {line}")
    _say()

    quitter, opted_out = employees[-2], set[str]()
    for week in range(1, WEEKS + 1):
        await _simulate_week(
            runtime, fake, people, employees, rng, coordinator, week=week, opted_out=opted_out
        )
        if week == 1:
            opted_out.add(quitter)
            reply = await _reply_to(fake, people, quitter, "pulse optout")
            _say(f"{tenant.users[quitter].name} types `pulse optout` and is told:")
            _say(f"    {reply.text.splitlines()[0]}")
            _say()

    await _log_sessions(fake, people, rng)
    await _add_policy(runtime, people, coordinator)
    digest = await _show_digest(runtime, fake)
    _say()
    adopted = await _adopt(people, coordinator, digest)
    await _review_policy(runtime, people, coordinator)
    if adopted:
        await _close_and_share(runtime, fake, people, coordinator)
    await _home(fake, people, employees[-3])


async def _reply_to(fake: FakeTeams, people: TeamsPeople, user: str, text: str) -> SentActivity:
    """What the bot answers when the person types `text` in their chat."""
    chat = people.chat(user)
    before = len(fake.sent_to(chat))
    status = await people.say(user, text)
    if status != 200:
        raise RuntimeError(f"the app answered HTTP {status} to a typed message")
    replies: list[SentActivity] = await _until(lambda: fake.sent_to(chat)[before:], timeout=15)
    return replies[0]


async def _simulate_week(
    runtime: Runtime,
    fake: FakeTeams,
    people: TeamsPeople,
    employees: list[str],
    rng: random.Random,
    coordinator: str,
    *,
    week: int,
    opted_out: set[str],
) -> None:
    """One simulated week: a round opened, its cards delivered and tapped, the round closed."""
    surveys, team = runtime.services.surveys, runtime.services.team_id
    name = fake.tenant.users[coordinator].name
    _say(
        f"Week {week}: {name}, a coordinator, types `pulse send` and taps “Send it” on the card it answers with …"
    )
    card, send_it = await flows.reply_with(people, coordinator, "pulse send", SEND, key=ROUND_KEY)
    # Read before the tap: the answer redraws this card in place.
    asked = flows.card_texts([a.get("content") for a in card.attachments])[0]
    said = await flows.tap_submit(people, coordinator, card, send_it)
    if week == 1:
        _say(f"  PeerPulse asked: {_plain(asked)}")
        _say(f"  and, once tapped, says: {_plain(said)}")
    opened = await surveys.current_round(team_id=team)
    if opened is None:
        raise RuntimeError(f"no round opened; PeerPulse said: {said}")
    round_id = opened.id
    t0 = time.monotonic()
    cards: dict[str, SentActivity] = await _until(
        lambda: (
            _pulses(fake, people, employees, round_id)
            if _delivered(fake, people, employees, round_id, opened.invited)
            else None
        ),
        timeout=60,
    )
    _say(
        f"  {len(cards)} pulse cards (Adaptive Cards) delivered to {len(cards)} of {len(employees)} employees' "
        f"chats through the outbox in {time.monotonic() - t0:.1f}s, paced under Teams' rate limits"
    )
    missing = [u for u in employees if u not in cards]
    if missing:
        names = ", ".join(
            fake.tenant.users[u].name + (" (opted out)" if u in opted_out else "") for u in missing
        )
        _say(f"  No card for {names}.")
    bank = surveys.bank
    answered, taps, last_reply = await _answer(
        people, cards, rng, construct_of=lambda q: getattr(bank.get(q), "construct", "")
    )
    _say(
        f"  {answered} of {len(cards)} answered by tapping their cards ({taps} signed adaptiveCard/action "
        "invokes, a few changing their mind)"
    )
    if last_reply and week == 1:
        _say(f"  A tap's answer, as Teams shows it: “{last_reply}”")
    # As a coordinator closes it by hand (the schedule closes a round at its deadline the same way).
    card, close = await flows.reply_with(people, coordinator, "pulse close", CLOSE_ROUND, key=ROUND_KEY)
    said = await flows.tap_submit(people, coordinator, card, close)
    if week == 1:
        _say(f"  {name} types `pulse close` and taps “Close now”: {_plain(said)}")
    # The core spaces close-time redraws out for Slack's chat.update tier; skip that wait.
    assert isinstance(runtime.clock, FastForwardClock)
    runtime.clock.skip(CLOSED_REWRITE_SPACING * (len(cards) + 1))
    runtime.services.outbox.wakeup.set()
    closed = await _until(
        lambda: (
            [c for c in _current(fake, cards) if c.updates and not answer_buttons(c)]
            if all(c.updates and not answer_buttons(c) for c in _current(fake, cards))
            else None
        ),
        timeout=60,
    )
    round_ = await surveys.get_round(round_id)
    assert round_ is not None
    _say(
        f"  Round closed: {round_.answered_final} of {round_.invited} responded; {len(closed)} cards redrawn "
        "with nothing left to tap; who answered what is erased."
    )
    if week == WEEKS:
        await _print_results(runtime, round_id, runtime.settings.min_group_size)
    _say()


def _pulse_of(fake: FakeTeams, people: TeamsPeople, user: str, round_id: str) -> SentActivity | None:
    """The person's card answering this round, if it reached their chat."""
    for activity in fake.sent_to(people.chat(user)):
        buttons = answer_buttons(activity)
        if buttons and all(b.get("verb") == ANSWER_VERB and b["data"]["r"] == round_id for b in buttons):
            return activity
    return None


def _pulses(
    fake: FakeTeams, people: TeamsPeople, employees: list[str], round_id: str
) -> dict[str, SentActivity]:
    found = {u: _pulse_of(fake, people, u, round_id) for u in employees}
    return {u: a for u, a in found.items() if a is not None}


def _delivered(
    fake: FakeTeams, people: TeamsPeople, employees: list[str], round_id: str, invited: int
) -> bool:
    return len(_pulses(fake, people, employees, round_id)) >= invited


def _current(fake: FakeTeams, cards: dict[str, SentActivity]) -> list[SentActivity]:
    """The cards as their chats show them now (a closed round redraws them in place)."""
    return [fake.activities[c.conversation][c.id] for c in cards.values()]


async def _answer(
    people: TeamsPeople,
    cards: dict[str, SentActivity],
    rng: random.Random,
    *,
    construct_of: Callable[[str], str],
) -> tuple[int, int, str]:
    """Most people tap an answer to every question; returns (answered, taps, the last tap's reply)."""
    responders = [u for u in cards if rng.random() < RESPONSE_RATE]
    taps = 0
    last = ""
    gate = asyncio.Semaphore(8)

    async def tap(user: str, data: dict[str, Any]) -> str:
        nonlocal taps
        status, body = await people.post(people.tap_activity(user, verb=ANSWER_VERB, data=data))
        taps += 1
        if status != 200 or not isinstance(body, dict) or body.get("statusCode") != 200:
            raise RuntimeError(f"a tap was refused: HTTP {status} {body!r}")
        value = body.get("value", "")
        # Teams answers a tap with the redrawn card; what it reads out is the card's fallback text.
        return _plain(str(value.get("fallbackText", "") if isinstance(value, dict) else value))

    async def one(user: str) -> None:
        nonlocal last
        async with gate:
            by_question: dict[str, list[dict[str, Any]]] = {}
            for button in answer_buttons(cards[user]):
                by_question.setdefault(button["data"]["q"], []).append(button["data"])
            for question_id, buttons in by_question.items():
                # Sensitive questions also offer "prefer not to say" (d=1); a few take it.
                options = [b for b in buttons if "v" in b and not b.get("d")]
                declined = [b for b in buttons if b.get("d")]
                if declined and rng.random() < 0.05:
                    picked = declined[0]
                elif len(options) == 5:
                    weights = _TENDENCIES.get(construct_of(question_id), [0.1, 0.2, 0.3, 0.3, 0.1])
                    picked = rng.choices(options, weights=weights)[0]
                else:
                    picked = options[min(len(options) - 1, max(0, int(rng.gauss(7.2, 2.0))))]
                if rng.random() < 0.05:
                    await tap(user, rng.choice(options))  # a change of mind follows
                last = await tap(user, picked)

    await asyncio.gather(*(one(u) for u in responders))
    return len(responders), taps, last


def _format_summary(summary: LikertSummary | RecommendSummary | Suppressed) -> str:
    if isinstance(summary, Suppressed):
        return f"— {summary}"
    if isinstance(summary, RecommendSummary):
        return f"mean {summary.mean.value:4.1f}/10 · NPS {summary.nps.value:+.0f} (95% CI {summary.nps.low:+.0f}…{summary.nps.high:+.0f})"
    fav = summary.favourable
    return f"mean {summary.mean.value:3.2f}/5 · favourable {fav.value:4.0%} (95% CI {fav.low:.0%}–{fav.high:.0%})"


async def _print_results(runtime: Runtime, round_id: str, k: int) -> None:
    surveys = runtime.services.surveys
    round_ = await surveys.get_round(round_id)
    assert round_ is not None
    async with runtime.db.session() as session:
        raw = await answer_histogram(session=session, round_ids=[round_id])
    histograms = {question_id: counts for (_r, question_id), counts in raw.items()}
    _say(f"  This week per question (k = {k}: fewer answers than that are never shown):")
    for result in summarize_round(surveys.questions_of(round_), histograms, k=k):
        n = result.respondents
        shown_n = f"n={n:>3}" if n >= k else f"n<{k}  "
        label = f"{result.question.id} ({result.question.construct})"
        _say(f"    {label:<46} {shown_n}  {_format_summary(result.summary)}")


async def _show_digest(runtime: Runtime, fake: FakeTeams) -> list[SentActivity]:
    """Post the digest as the Monday schedule does and print what the coordinators' team received."""
    seen = len(fake.sent_to(COORDINATORS_TEAM_ID))
    _say("The weekly digest is posted to the coordinators' team (the Monday 09:00 job, run now):")
    key = f"demo:{runtime.clock.now().isoformat()}"
    report = await runtime.services.digests.post(team_id=runtime.services.team_id, key=key, by=SYSTEM)
    if report is None:
        raise RuntimeError("the digest was not queued")
    await _until_delivered(runtime, key)
    # In channel order: the outbox sends a digest's parts side by side, so the chart may come first.
    messages = fake.sent_to(COORDINATORS_TEAM_ID)[seen:]
    if not messages:
        raise RuntimeError("Teams refused the digest; see the log above")
    _say("=" * 78)
    chart, saved = DEMO_DIR / "digest-chart.png", False
    for message in messages:
        for item in message.attachments:
            lines, png = _card_as_text(item.get("content") or {})
            _say("\n".join(lines) or (message.text or "(no text)"))
            if png is not None:
                await asyncio.to_thread(chart.write_bytes, png)
                saved = True
            _say("-" * 78)
    _say("=" * 78)
    _say(f"{len(messages)} cards reached the coordinators' team (the chart inline, with its alt text).")
    if saved:
        _say(f"The digest's chart was saved to {chart}.")
    return messages


async def _log_sessions(fake: FakeTeams, people: TeamsPeople, rng: random.Random) -> None:
    """Each peer supporter logs a session: typed `peer-log`, the card's button, the dialog sent."""
    _say(
        "Peer supporters log their sessions: each types `peer-log`, taps “Log a session” and fills in the "
        "dialog (date, length, what it was about, outcome, a note that never names anyone):"
    )
    for supporter in fake.tenant.teams[SUPPORTERS_TEAM_ID].members:
        dialog = await flows.open_from_chat(people, supporter, "peer-log", OPEN_SESSION)
        # The dialog opens on the supporter's today; the session happened in the past week.
        today = date.fromisoformat(flows.dialog_values(dialog)[DATE])
        answer = await flows.send(
            people,
            supporter,
            dialog,
            **{
                DATE: (today - timedelta(days=rng.randint(0, 6))).isoformat(),
                DURATION: str(rng.choice((20, 30, 45, 60))),
                CATEGORY: rng.choice(flows.choices(dialog, CATEGORY)),
                CONTACT_CHANNEL: rng.choice(flows.choices(dialog, CONTACT_CHANNEL)),
                OUTCOME: rng.choice(flows.choices(dialog, OUTCOME)),
                NOTE: rng.choice(_NOTES),
            },
        )
        heading, summary = flows.dialog_words(answer)[:2]
        _say(f"  {fake.tenant.users[supporter].name}: {_plain(heading)} — {_plain(summary)}")
    _say("  Only each supporter sees their own sessions; coordinators see counts, never who was helped.")
    _say()


async def _add_policy(runtime: Runtime, people: TeamsPeople, coordinator: str) -> None:
    """A coordinator puts the anti-bullying policy in the register, last reviewed over a year ago."""
    name = people.user(coordinator).name
    card, add = await flows.reply_with(people, coordinator, "pulse policies", ADD_ACTION)
    _say(f"{name} types `pulse policies`; the register answers:")
    _say(f"    {_plain(flows.card_texts([a.get('content') for a in card.attachments])[0])[:150]}…")
    dialog = await flows.open_from_card(people, coordinator, card, add)
    last_reviewed = runtime.services.policies.today() - timedelta(days=400)
    answer = await flows.send(
        people,
        coordinator,
        dialog,
        **{
            NAME: POLICY,
            LINK: "https://intranet.example.com/policies/dignity-at-work",
            LAST_REVIEWED: last_reviewed.isoformat(),
        },
    )
    _say(
        f"  “Add a policy” opens a dialog; once sent it says: {_plain(' '.join(flows.dialog_words(answer)))}"
    )
    _say()


async def _adopt(people: TeamsPeople, coordinator: str, digest: list[SentActivity]) -> bool:
    """The coordinator adopts the digest's first suggestion through its dialog; whether there was one."""
    found = [(m, b) for m in digest for b in flows.with_action(m, improvement.ADOPT)]
    if not found:
        _say("The digest suggested nothing to adopt this time.")
        _say()
        return False
    card, adopt = found[0]
    dialog = await flows.open_from_channel(people, coordinator, COORDINATORS_TEAM_ID, card, adopt)
    measure = (
        flows.dialog_values(dialog)[improvement.MEASURE] or flows.choices(dialog, improvement.MEASURE)[0]
    )
    answer = await flows.send(people, coordinator, dialog, **{improvement.MEASURE: measure})
    _say(
        f"{people.user(coordinator).name} taps “Adopt as action” under the first suggestion and sends the "
        "dialog (owner, due date, the survey measure it should move):"
    )
    _say(f"  {_plain(' '.join(flows.dialog_words(answer)))}")
    _say("  Once closed, later digests compare the rounds before adoption with the rounds after it.")
    _say()
    return True


async def _review_policy(runtime: Runtime, people: TeamsPeople, coordinator: str) -> None:
    """The policy's review is overdue: the coordinator marks it reviewed from the register."""
    dialog = await flows.open_from_chat(people, coordinator, "pulse policies", REVIEW_ACTION)
    answer = await flows.send(
        people,
        coordinator,
        dialog,
        **{
            REVIEWED_ON: runtime.services.policies.today().isoformat(),
            SUMMARY: "Added the peer-support route and an anonymous reporting option.",
        },
    )
    _say(f"The review was overdue, so {people.user(coordinator).name} taps “Mark reviewed” in the register:")
    _say(f"  {_plain(' '.join(flows.dialog_words(answer)))}")
    _say()


async def _close_and_share(runtime: Runtime, fake: FakeTeams, people: TeamsPeople, coordinator: str) -> None:
    """The adopted action is closed with a note, and its "you said, we did" update goes to everyone."""
    seen = len(fake.sent_to(COORDINATORS_TEAM_ID))
    listing, close = await flows.reply_with(people, coordinator, "pulse actions", improvement.CLOSE)
    action_id = str(close["data"]["a"])
    dialog = await flows.open_from_card(people, coordinator, listing, close)
    closed = await flows.send(
        people, coordinator, dialog, **{improvement.NOTE: "Started in every team this month."}
    )
    _say("Coordinators tell people what changed (you said, we did):")
    _say(f"  `pulse actions` → “Close” with a note: {_plain(' '.join(flows.dialog_words(closed)))}")
    note, share = await flows.posted_with(
        people, COORDINATORS_TEAM_ID, improvement.SHARE, since=seen, a=action_id
    )
    draft = await flows.open_from_channel(people, coordinator, COORDINATORS_TEAM_ID, note, share)
    text = flows.dialog_values(draft)[TEXT]
    _say("  The closing note's “Share a ‘you said, we did’ update” opens an editable draft:")
    _say(f"    {text}")
    preview = await flows.send(people, coordinator, draft)
    _say("  Sent unchanged, it passes the privacy checks and turns into a preview of exactly what goes out.")
    published = await flows.send(people, coordinator, preview)
    _say(f"  Publish: {_plain(' '.join(flows.dialog_words(published)))}")
    audience = {m.id for m in await runtime.services.surveys.audience(runtime.services.team_id)}
    readers = [u.id for u in fake.tenant.people() if person_id(u.id) in audience]
    await flows.until(
        lambda: all(
            any(text in t for a in fake.sent_to(people.chat(u)) for t in flows.message_texts(a))
            for u in readers
        ),
        timeout=60,
    )
    _say(f"  {len(readers)} people received it in their chat with PeerPulse, through the outbox.")
    _say()


async def _home(fake: FakeTeams, people: TeamsPeople, user: str) -> None:
    """An employee types `home`: open surveys, how to reach a supporter, the confidentiality promise."""
    reply = await _reply_to(fake, people, user, "home")
    _say(f"{fake.tenant.users[user].name} types `home` and sees:")
    for line in flows.card_texts([a.get("content") for a in reply.attachments])[:7]:
        _say(f"    {_plain(line)[:140]}")


def _posted(fake: FakeTeams, words: str) -> bool:
    """Whether a message in the coordinators' team says `words`."""
    return any(words in t for a in fake.sent_to(COORDINATORS_TEAM_ID) for t in flows.message_texts(a))


def _plain(text: str) -> str:
    """A card's markdown as a terminal shows it: mentions as names, dates as Teams shows them (in UTC
    here), no emphasis marks, one line."""
    text = _MENTION.sub(r"\1", text)
    text = _DATE.sub(lambda m: f"{_instant(m.group(1)):%a %d %b}", text)
    text = _TIME.sub(lambda m: f"{_instant(m.group(1)):%H:%M} UTC", text)
    return " ".join(text.replace("**", "").split())


def _instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _card_as_text(card: dict[str, Any]) -> tuple[list[str], bytes | None]:
    """A card the way it reads (text blocks, buttons in brackets, the image named), and its PNG."""
    lines: list[str] = []
    png: bytes | None = None

    def walk(node: Any) -> None:
        nonlocal png
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            kind = node.get("type")
            if kind == "TextBlock":
                lines.append(str(node.get("text", "")))
            elif kind == "Image":
                lines.append(f"[image: {node.get('altText', '')}]")
                png = _png_of(str(node.get("url") or "")) or png
            elif kind == "ActionSet":
                lines.append(" ".join(f"[{a.get('title', '')}]" for a in node.get("actions", [])))
            else:
                for key in ("body", "items", "columns", "facts"):
                    walk(node.get(key))

    walk(card.get("body"))
    return lines, png


async def _until_delivered(runtime: Runtime, key: str) -> None:
    """Wait until the outbox has handled every part of the digest named `key`."""
    deadline = time.monotonic() + 60
    while True:
        runtime.services.outbox.wakeup.set()
        async with runtime.db.session() as session:
            if not await outbox_waiting(session=session, dedupe_prefix=f"{key}:"):
                return
        if time.monotonic() > deadline:
            raise TimeoutError("the digest was not delivered; see the log above")
        await asyncio.sleep(0.05)


def _png_of(url: str) -> bytes | None:
    """The image a data: URL carries (how a card shows a picture inline in Teams)."""
    prefix, _, data = url.partition(";base64,")
    if not prefix.startswith("data:image/") or not data:
        return None
    return base64.b64decode(data)


def _counts(statuses: Counter[int]) -> str:
    return ", ".join(f"HTTP {status} × {n}" for status, n in sorted(statuses.items()))


async def _until(check: Callable[[], Any], *, timeout: float) -> Any:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("the demo waited too long for the app; see the log above")
        await asyncio.sleep(0.05)
