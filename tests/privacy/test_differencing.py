"""A coordinator with unlimited commands tries to learn about fewer than k people by differencing.

Random events (supporters' sessions with categories, outcomes and follow-ups, `/feedback`, pulse
answers and comments, round closes, training, follow-ups done, time passing) are interleaved with
every coordinators' output: the digest, `/pulse supporters`, `/pulse status`, the export and App
Home. Every figure shown is collected with the period it is about. The attacker wins if any
figure, cell name, or difference of two figures describes a group of 1..k-1:

- every count of people, sessions or comments shown is 0 or at least k;
- a category, outcome or theme is named only when the truth (counted here from the tables, not
  by the code under test) behind it is k sessions from two supporters, or k comments;
- a total minus the cells shown beside it is 0 or at least k (and, for sessions, not one
  supporter's);
- two outputs about the same period show the same figures; two different periods never overlap,
  so no later figure minus an earlier one isolates anything;
- quotes are the same whenever the same period is shown.

Pulse answers are written as the answering path leaves them (a participation key, an answer row)
so the test does not depend on Slack fan-out; everything else goes through the services.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlmodel import col, select

from bot.declines import DeclineLine
from bot.export import export_rows
from bot.insights import Suppressed, ThemeSummary, classify_comment
from bot.roles import SYSTEM
from bot.runtime import Runtime
from bot.support import EDIT_WINDOW, MIN_SUPPORTERS, SessionForm, TrainingForm, released_period
from handlers.shared.digest_words import THEME_LABELS
from handlers.shared.round_words import answered_line
from handlers.slack.blocks.admin import build_status_text
from handlers.slack.blocks.digest import blocks_as_text, build_digest_blocks
from handlers.slack.blocks.home import build_home_view
from handlers.slack.blocks.supporters import build_supporters_text
from handlers.slack.simulation.workspace import Workspace
from storage.digest_models import DigestRun, Feedback, ShownQuoteGram
from storage.models import RoundParticipation, SurveyAnswer, SurveyRound
from storage.support_models import SupportFollowUp, SupportSession, SupportTraining

START = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # a Tuesday
CATEGORIES = ["verbal_abuse", "exclusion", "intimidation", "cyberbullying"]
OUTCOMES = ["listened", "referred_hr", "escalated_safety", "resources_shared"]
FEEDBACK = [
    "Nobody knows whether what we tell supporters stays confidential, please explain it.",
    "I could not find a peer supporter on the night shift, access is a real problem.",
    "More training for managers on how to respond when someone reports bullying please.",
    "Leadership did nothing when the shouting in our team was reported last month.",
    "The workload is so high that people snap at each other constantly.",
]
SENSITIVE = "experienced_negative"
WAITS = [timedelta(minutes=7), timedelta(hours=5), timedelta(days=1), timedelta(days=4), timedelta(days=10)]

EVENT = st.one_of(
    st.tuples(
        st.just("session"),
        st.integers(0, 2),
        st.sampled_from(CATEGORIES),
        st.sampled_from(OUTCOMES),
        st.booleans(),
    ),
    st.tuples(st.just("feedback"), st.sampled_from(FEEDBACK)),
    # A respondent: maybe a comment, and on the sensitive item an answer, "prefer not to say" or nothing.
    st.tuples(
        st.just("answer"),
        st.one_of(st.none(), st.sampled_from(FEEDBACK)),
        st.sampled_from(["value", "decline", "skip"]),
    ),
    st.tuples(st.just("close")),
    st.tuples(st.just("training"), st.integers(0, 2)),
    st.tuples(st.just("done")),
    st.tuples(st.just("wait"), st.sampled_from(WAITS)),
)
# Bursts make groups reach k within a few events, so both sides of every threshold are exercised.
STEP = st.tuples(EVENT, st.sampled_from([1, 1, 1, 3, 6]))
ATTACKS = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
Period = tuple[datetime, datetime]


@dataclass
class Seen:
    """Every figure shown so far: name -> {period: value}, and the quotes shown per period."""

    figures: dict[str, dict[Period, object]] = field(default_factory=dict)
    # An open round's answered count, as shown: it may grow, but only in steps of k.
    answered_so_far: dict[str, int] = field(default_factory=dict)

    def record(self, name: str, period: Period, value: object) -> None:
        """Add one figure; the same figure of the same period must never change."""
        periods = self.figures.setdefault(name, {})
        if period in periods:
            assert periods[period] == value, f"{name} for {period} changed: {periods[period]} -> {value}"
        for other in periods:
            # Periods of one figure are equal or disjoint: nothing can be subtracted out of them.
            assert other == period or other[1] <= period[0] or period[1] <= other[0], (name, other, period)
        periods[period] = value


def _people_count_ok(value: object, k: int) -> bool:
    return isinstance(value, Suppressed) or value is None or (isinstance(value, int) and not 0 < value < k)


async def _reset(runtime: Runtime) -> None:
    async with runtime.db.session() as session:
        for model in (
            SupportFollowUp,
            SupportSession,
            SupportTraining,
            Feedback,
            ShownQuoteGram,
            DigestRun,
            SurveyAnswer,
            RoundParticipation,
            SurveyRound,
        ):
            await session.exec(delete(model))
    runtime.clock.set(START)  # type: ignore[attr-defined]


async def _open_round(runtime: Runtime) -> SurveyRound:
    # A round opens a second after the previous one closed, never in the same instant: two rounds
    # both opened and closed at one frozen instant share a period, and the latest of them is a tie.
    runtime.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    now = runtime.clock.now()
    round_ = SurveyRound(
        team_id=runtime.services.team_id,
        schedule_key=f"manual:{secrets.token_hex(6)}",
        question_ids=[SENSITIVE, "open_comment"],
        opened_at=now,
        closes_at=now + timedelta(days=3),
        invited=30,
    )
    async with runtime.db.session() as session:
        session.add(round_)
    return round_


async def _current_round(runtime: Runtime) -> SurveyRound:
    async with runtime.db.session() as session:
        found = (await session.exec(select(SurveyRound).where(col(SurveyRound.closed_at).is_(None)))).first()
    return found if found is not None else await _open_round(runtime)


async def _apply(runtime: Runtime, workspace: Workspace, event: tuple[Any, ...]) -> None:
    services = runtime.services
    team = services.team_id
    supporters = sorted(workspace.supporters())
    kind = event[0]
    if kind == "session":
        _, who, category, outcome, follow_up = event
        supporter = supporters[who % len(supporters)]
        today = await services.support.today_for(supporter)
        form = SessionForm(
            session_date=today.isoformat(),
            duration_minutes="30",
            category=category,
            contact_channel="chat",
            outcome=outcome,
            follow_up=follow_up,
            follow_up_on=(today + timedelta(days=2)).isoformat() if follow_up else None,
        )
        await services.support.log_session(team_id=team, supporter_id=supporter, form=form)
    elif kind == "feedback":
        await services.feedback.submit(team_id=team, category="concern", text=event[1])
    elif kind == "answer":
        round_ = await _current_round(runtime)
        async with runtime.db.session() as session:
            session.add(RoundParticipation(key=secrets.token_hex(32), round_id=round_.id))
            if event[1] is not None:
                session.add(
                    SurveyAnswer(
                        round_id=round_.id,
                        question_id="open_comment",
                        construct_id="open_feedback",
                        text=event[1],
                        answered_on=runtime.clock.now().date(),
                    )
                )
            if event[2] != "skip":
                session.add(
                    SurveyAnswer(
                        round_id=round_.id,
                        question_id=SENSITIVE,
                        construct_id="experienced_disrespect",
                        value=None if event[2] == "decline" else 1 + len(event[1] or "") % 5,
                        declined=event[2] == "decline",
                        answered_on=runtime.clock.now().date(),
                    )
                )
    elif kind == "close":
        round_ = await _current_round(runtime)
        async with runtime.db.session() as session:
            row = await session.get(SurveyRound, round_.id)
            assert row is not None
            answered = (
                await session.exec(select(RoundParticipation).where(RoundParticipation.round_id == round_.id))
            ).all()
            row.closed_at = runtime.clock.now()
            row.answered_final = len(answered)
            session.add(row)
    elif kind == "training":
        supporter = supporters[event[1] % len(supporters)]
        today = await services.support.today_for(supporter)
        await services.support.record_training(
            team_id=team,
            supporter_id=supporter,
            form=TrainingForm(course="active_listening", completed_on=today.isoformat(), hours="2"),
        )
    elif kind == "done":
        async with runtime.db.session() as session:
            open_ = (
                await session.exec(select(SupportFollowUp).where(col(SupportFollowUp.done_at).is_(None)))
            ).first()
            if open_ is not None:
                open_.done_at = runtime.clock.now()
                session.add(open_)
    elif kind == "wait":
        runtime.clock.advance(event[1])  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Truth:
    """What the tables hold for a period, counted here independently of the code under test."""

    sessions: list[tuple[str, str, str]]  # (supporter, category label, outcome label)
    comments: list[str]


async def _support_truth(runtime: Runtime, period: Period) -> list[tuple[str, str, str]]:
    taxonomy = runtime.services.support.taxonomy
    async with runtime.db.session() as session:
        rows = (await session.exec(select(SupportSession))).all()
    out = []
    for row in rows:
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        if period[0] <= created + EDIT_WINDOW < period[1]:
            out.append(
                (
                    row.supporter_id,
                    taxonomy.label("categories", row.category),
                    taxonomy.label("outcomes", row.outcome),
                )
            )
    return out


async def _comment_truth(runtime: Runtime, period: Period) -> list[str]:
    async with runtime.db.session() as session:
        feedback = (await session.exec(select(Feedback))).all()
        rounds = (await session.exec(select(SurveyRound))).all()
        answers = (await session.exec(select(SurveyAnswer))).all()
    closed_in = set()
    for r in rounds:
        closed = r.closed_at.replace(tzinfo=UTC) if r.closed_at and not r.closed_at.tzinfo else r.closed_at
        if closed is not None and period[0] <= closed < period[1]:
            closed_in.add(r.id)
    texts = [f.text for f in feedback if f.text and period[0].date() <= f.submitted_on < period[1].date()]
    texts += [a.text for a in answers if a.text and a.round_id in closed_in]
    return texts


def _small_sessions(members: list[str], k: int) -> bool:
    return len(members) > 0 and (len(members) < k or len(set(members)) < MIN_SUPPORTERS)


async def _observe(runtime: Runtime, workspace: Workspace, seen: Seen) -> None:
    """Run every coordinators' output once, record its figures, and check each against the truth."""
    services = runtime.services
    k = runtime.settings.min_group_size
    team = services.team_id
    coordinator = workspace.coordinators()[0]
    now = runtime.clock.now()
    support_period = released_period(now)
    comment_period = released_period(now, weeks=1)

    # --- the digest (what `/pulse digest` posts, and the scheduled one) -----------------------
    report = await services.digests.build(team_id=team, by=SYSTEM, with_chart=False)
    text = blocks_as_text(build_digest_blocks(report))
    s = report.support
    truth = await _support_truth(runtime, support_period)
    figures = {
        "support.total": s.sessions_4w,
        "support.last_week": s.sessions_last_week,
        "support.referrals": s.referrals_4w,
        "support.overdue": s.follow_ups_overdue,
        **{f"support.category.{n}": v for n, v in s.by_category.cells.items()},
        **{f"support.outcome.{n}": v for n, v in s.by_outcome.cells.items()},
    }
    for name, value in figures.items():
        assert _people_count_ok(value, k), (name, value)
        seen.record(name, support_period, value)
    if _small_sessions([t[0] for t in truth], k):
        assert isinstance(s.sessions_4w, Suppressed)
    for kind, index in (("categories", 1), ("outcomes", 2)):
        groups: dict[str, list[str]] = {}
        for t in truth:
            groups.setdefault(t[index], []).append(t[0])
        for label, members in groups.items():
            # A cell's name appears only when its truth is k sessions from two supporters.
            if label in text:
                assert not _small_sessions(members, k), (kind, label, members, text)
        breakdown = s.by_category if kind == "categories" else s.by_outcome
        if isinstance(s.sessions_4w, int):
            shown = {n: v for n, v in breakdown.cells.items() if isinstance(v, int)}
            rest = [t[0] for t in truth if t[index] not in shown]
            assert not _small_sessions(rest, k), (kind, shown, rest)
            for n, v in shown.items():
                assert v == len(groups.get(n, [])), (n, v)
    if isinstance(s.sessions_4w, int):
        assert s.sessions_4w == len(truth)
        # A part shown beside the total leaves a k-safe rest.
        for part in (s.sessions_last_week, s.referrals_4w, s.follow_ups_overdue):
            if isinstance(part, int):
                assert not 0 < s.sessions_4w - part < k, (part, text)

    themes = report.themes
    comments = await _comment_truth(runtime, comment_period)
    seen.record("themes.total", comment_period, themes.total)
    assert _people_count_ok(themes.total, k)
    if isinstance(themes.total, int):
        assert themes.total == len(comments)
        if report.comment_split_shown:
            seen.record("themes.feedback", comment_period, report.feedback_count)
            assert _people_count_ok(report.feedback_count, k)
            assert _people_count_ok(themes.total - report.feedback_count, k)
    by_theme: dict[str, list[str]] = {}
    for c in comments:
        for theme in classify_comment(c):
            by_theme.setdefault(theme, []).append(c)
    quotes: list[str] = []
    for theme, summary in themes.themes.items():
        count = summary.count if isinstance(summary, ThemeSummary) else summary
        seen.record(f"themes.{theme}", comment_period, count)
        assert _people_count_ok(count, k), (theme, count)
        if isinstance(summary, ThemeSummary):
            assert summary.count == len(by_theme[theme]) >= k
            assert all(q in by_theme[theme] for q in summary.quotes)
            quotes += summary.quotes
    for theme, label in THEME_LABELS.items():
        if f"*{label}*:" in text:
            assert len(by_theme.get(theme, [])) >= k, (theme, text)
    seen.record("themes.quotes", comment_period, sorted(quotes))

    seen.record("participation.answered", (now, now), None)  # the digest's rounds are closed ones
    answered = report.participation.answered
    assert _people_count_ok(answered, k), answered
    await _check_declines(runtime, report.declines, seen, k=k)

    # --- `/pulse supporters` -------------------------------------------------------------------
    overview = await services.support.supporters_overview(team_id=team, by=coordinator)
    table = build_supporters_text(overview)
    assert (overview.since, overview.until) == (
        support_period[0].date(),
        (support_period[1] - timedelta(days=1)).date(),
    )
    seen.record("supporters.total", support_period, overview.total_sessions)
    seen.record("supporters.former", support_period, overview.former_sessions)
    seen.record("supporters.overdue", support_period, overview.total_overdue)
    for value in (overview.total_sessions, overview.former_sessions, overview.total_overdue):
        assert _people_count_ok(value, k)
    # The same sessions as the digest's: the two totals agree, so neither minus the other says anything.
    assert overview.total_sessions == s.sessions_4w or isinstance(s.sessions_4w, Suppressed)
    shown_rows = 0
    for row in overview.rows:
        for name, value in (("sessions", row.sessions), ("overdue", row.overdue_follow_ups)):
            seen.record(f"supporter.{row.supporter_id}.{name}", support_period, value)
            assert _people_count_ok(value, k), (row, table)
        shown_rows += row.sessions if isinstance(row.sessions, int) else 0
        if isinstance(row.overdue_follow_ups, int) and row.overdue_follow_ups:
            # A supporter's sessions minus their overdue follow-ups is a group too.
            assert isinstance(row.sessions, int) and not 0 < row.sessions - row.overdue_follow_ups < k, row
    if isinstance(overview.total_sessions, int):
        former = overview.former_sessions if isinstance(overview.former_sessions, int) else 0
        assert not 0 < overview.total_sessions - shown_rows - former < k, table
    for number in re.findall(r"(\d+) sessions?\b", table):
        assert not 0 < int(number) < k, table

    # --- `/pulse status`, the export and App Home ---------------------------------------------------
    latest = await services.surveys.current_round(team_id=team)
    if latest is not None:
        status = build_status_text(await services.surveys.status(latest, by=SYSTEM), k=k)
        step = re.search(r"Answered: at least (\d+)", status)
        shown_now = int(step.group(1)) if step else 0
        assert shown_now % k == 0, status
        before = seen.answered_so_far.get(latest.id, 0)
        assert not 0 < abs(shown_now - before) < k, (before, status)
        seen.answered_so_far[latest.id] = shown_now
    for line in await export_rows(runtime.db, services.surveys.bank, k=k):
        if line["answered"]:
            assert int(line["answered"]) >= k
    # The coordinator's App Home tells the open round's answered count exactly as `/pulse status` does
    # (one rule, bot.surveys.answered_figure), so the two outputs never differ; no other figure.
    home = await services.home.build(team_id=team, by=coordinator)
    assert home.coordinator is not None
    drawn = json.dumps(
        build_home_view(home, taxonomy=services.support.taxonomy, zone=runtime.settings.default_timezone),
        ensure_ascii=False,
    )
    if latest is None:
        assert home.coordinator.participation is None
        assert "Answered" not in drawn
    else:
        assert home.coordinator.participation is not None
        line = next(x for x in status.splitlines() if x.startswith("• Answered"))
        assert answered_line(home.coordinator.participation.answered) == line
        assert json.dumps(line, ensure_ascii=False)[1:-1] in drawn


def _steps(draw: list[tuple[tuple[Any, ...], int]]) -> Iterator[tuple[Any, ...]]:
    for event, times in draw:
        for _ in range(times):
            yield event


async def _check_declines(runtime: Runtime, lines: list[DeclineLine], seen: Seen, *, k: int) -> None:
    """A decline count is shown only when it, the item's answers and its skips are all k-safe groups."""
    async with runtime.db.session() as session:
        latest = (
            await session.exec(
                select(SurveyRound)
                .where(col(SurveyRound.closed_at).is_not(None))
                .order_by(col(SurveyRound.opened_at).desc())
                .limit(1)
            )
        ).first()
        if latest is None:
            assert lines == []
            return
        rows = list(
            await session.exec(
                select(SurveyAnswer).where(
                    SurveyAnswer.round_id == latest.id, SurveyAnswer.question_id == SENSITIVE
                )
            )
        )
    (line,) = [x for x in lines if x.question_id == SENSITIVE]
    assert line.rounds_ago == 0
    assert latest.closed_at is not None
    # One round's figure: asked again, it never changes; two rounds never overlap.
    seen.record(f"declines.{SENSITIVE}", (latest.opened_at, latest.closed_at), line.declined)
    declined = sum(1 for r in rows if r.declined)
    answered = sum(1 for r in rows if r.value is not None)
    skipped = (latest.answered_final or 0) - declined - answered
    assert _people_count_ok(line.declined, k), line
    if isinstance(line.declined, int):
        assert line.declined == declined >= k and answered >= k and not 0 < skipped < k, (
            line,
            answered,
            skipped,
        )


# Twelve whole attack sequences, each observed through every output after every step: minutes.
@pytest.mark.timeout(900)
@given(steps=st.lists(STEP, min_size=4, max_size=18))
@ATTACKS
async def test_no_output_or_difference_of_outputs_singles_out_fewer_than_k(
    runtime: Runtime, workspace: Workspace, steps: list[tuple[tuple[Any, ...], int]]
) -> None:
    await _reset(runtime)
    seen = Seen()
    await _observe(runtime, workspace, seen)
    for event in _steps(steps):
        await _apply(runtime, workspace, event)
        # The curious coordinator runs every command between any two events (and "wait" events
        # of a few minutes make two looks minutes apart).
        await _observe(runtime, workspace, seen)


async def test_one_session_names_nothing_and_shows_no_total(runtime: Runtime, workspace: Workspace) -> None:
    """The reported case: 1..k-1 sessions once printed a total and named each withheld cell."""
    await _reset(runtime)
    seen = Seen()
    await _apply(runtime, workspace, ("session", 0, "intimidation", "escalated_safety", False))
    await _apply(runtime, workspace, ("session", 1, "verbal_abuse", "referred_hr", False))
    runtime.clock.advance(timedelta(days=35))  # type: ignore[attr-defined]
    report = await runtime.services.digests.build(
        team_id=runtime.services.team_id, by=SYSTEM, with_chart=False
    )
    text = blocks_as_text(build_digest_blocks(report))
    assert isinstance(report.support.sessions_4w, Suppressed)
    for label in ("Intimidation", "Escalated", "Verbal abuse", "Referred"):
        assert label not in text, text
    assert "Sessions* (" in text and "not shown" in text
    await _observe(runtime, workspace, seen)
