"""The coordinators' weekly digest: gather, analyse (k-safe), suggest, and post once."""

from __future__ import annotations

import logging
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.actions import ActionService
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import Envelope, Outbox
from bot.insights import (
    Breakdown,
    Comment,
    Estimate,
    LikertSummary,
    Participation,
    Suppressed,
    ThemeReport,
    ThemeSummary,
    Trend,
    Turnout,
    may_show_both,
    protect_breakdown,
    render_constructs_chart,
    summarize_participation,
    summarize_themes,
    trend,
)
from bot.insights.monitor import ActionVerdict, Assessment, monitor_changes
from bot.measures import (
    RoundMeasures,
    closed_rounds,
    label_of,
    latest_with,
    measure_rounds,
    numeric_constructs,
    round_labels,
    scale_of,
    summarize_construct,
)
from bot.playbook import THEME_SIGNAL_NAMES, Suggestion, load_practices, match_practices
from bot.policies import PolicyService, PolicyStatus, policy_signals
from bot.ports import Messenger
from bot.questions import QuestionBank
from bot.roles import Roles
from bot.support import SupportService
from storage import support_queries
from storage.db import Database
from storage.digest_models import DigestRun, Feedback, ImprovementAction
from storage.models import SurveyAnswer
from storage.queries import insert_ignoring_duplicates

log = logging.getLogger(__name__)

TREND_ROUNDS = 8
# Enough rounds for a construct asked every other round to have its last two rounds and a baseline
# of six earlier ones (bot.insights.monitor); trends and the chart still show the last 8.
HISTORY_ROUNDS = 16
SUPPORT_WEEKS = 4
# Feedback themes that a survey construct measures directly; the other themes have no survey measure.
THEME_MEASURES = {"confidentiality": "trust_confidentiality", "leadership_response": "leadership_response"}


@dataclass(frozen=True)
class ConstructLine:
    """One construct in the digest: its latest value, its tested change against earlier rounds, its trend."""

    construct: str
    summary: LikertSummary | Suppressed
    assessment: Assessment | None  # None when not asked in the latest round or nothing to compare
    trend: Trend | Suppressed  # described, not tested: the assessment is the digest's only test
    rounds_ago: int | None  # 0 = asked in the latest round; None = never asked yet

    @property
    def flagged(self) -> bool:
        """A change that survives the digest-wide multiple-comparison correction."""
        return self.assessment is not None and self.assessment.significant


def assess_changes(bank: QuestionBank, measures: Sequence[RoundMeasures], k: int) -> dict[str, Assessment]:
    """The digest's only significance tests: each construct's recent rounds against its earlier ones."""
    names = numeric_constructs(bank)
    window = list(measures)[-HISTORY_ROUNDS:]
    histories = {c: [m.constructs.get(c) for m in window] for c in names}
    return monitor_changes(histories, {c: scale_of(bank, c) for c in names}, k=k)


def analyse_constructs(bank: QuestionBank, measures: Sequence[RoundMeasures], k: int) -> list[ConstructLine]:
    """Every numeric construct's line, with its changes tested together across the digest."""
    names = numeric_constructs(bank)
    window = list(measures)[-HISTORY_ROUNDS:]
    assessments = assess_changes(bank, window, k)
    lines = []
    for construct in names:
        latest = latest_with(window, construct)
        if latest is None:
            lines.append(
                ConstructLine(construct, Suppressed("not asked yet"), None, Suppressed("not asked yet"), None)
            )
            continue
        summary = summarize_construct(bank, construct, latest.constructs[construct], k=k)
        points: list[Estimate | Suppressed | None] = []
        for m in window[-TREND_ROUNDS:]:
            counts = m.constructs.get(construct)
            if counts is None:
                points.append(None)
                continue
            s = summarize_construct(bank, construct, counts, k=k)
            points.append(s.favourable if isinstance(s, LikertSummary) else s)
        rounds_ago = len(window) - 1 - window.index(latest)
        lines.append(ConstructLine(construct, summary, assessments.get(construct), trend(points), rounds_ago))
    return lines


@dataclass(frozen=True)
class SupportActivity:
    """Peer-support load over the last four weeks, k-protected where it could point at a person."""

    sessions_4w: int
    sessions_last_week: int | None  # None when showing it beside the 4-week figure would single people out
    by_category: Breakdown
    by_outcome: Breakdown
    referrals_4w: int | Suppressed
    follow_ups_overdue: int
    supporters: int
    trained_current: int
    trained_lapsing: int
    lapsed_or_never: int
    load_max_share: float | None
    load_cv: float | None


@dataclass(frozen=True)
class DigestReport:
    """Everything one digest says, before it is rendered."""

    team_id: str
    generated_at: datetime
    k: int
    round_labels: list[str]
    participation: Participation
    constructs: list[ConstructLine]
    support: SupportActivity
    themes: ThemeReport
    feedback_count: int
    suggestions: list[Suggestion]
    construct_for_practice: dict[str, str]  # only practices with a survey measure
    open_actions: list[ImprovementAction]
    closed_actions: list[ImprovementAction]
    chart_png: bytes | None
    signals: dict[str, float | None] = field(default_factory=dict)
    policies: list[PolicyStatus] = field(default_factory=list)  # the register, soonest review first
    # Closed actions' effects: all rounds before adoption against all after (bot.insights.monitor).
    action_verdicts: dict[str, ActionVerdict | Suppressed] = field(default_factory=dict)

    @property
    def overdue_actions(self) -> list[ImprovementAction]:
        """Open actions past their due date."""
        today = self.generated_at.date()
        return [a for a in self.open_actions if a.due_on < today]


def construct_of_signal(signal: str, constructs: list[str]) -> str | None:
    """The survey construct a playbook signal is read from (or whose theme it is), if any."""
    for construct in sorted(constructs, key=len, reverse=True):
        if signal.startswith(construct):
            return construct
    theme = signal.removeprefix("theme_").removesuffix("_negative_share").removesuffix("_share")
    measured = THEME_MEASURES.get(theme) if signal.startswith("theme_") else None
    return measured if measured in constructs else None


def program_signals(
    constructs: Sequence[ConstructLine],
    participation: Participation,
    support: SupportActivity,
    themes: ThemeReport,
    *,
    k: int,
) -> dict[str, float | None]:
    """The playbook's signals: levels, tested changes (never raw round-to-round noise) and themes."""
    signals: dict[str, float | None] = {}
    for line in constructs:
        level = line.summary.favourable.value if isinstance(line.summary, LikertSummary) else None
        # Only a change that survived the digest's correction counts; untested is None, not 0.
        drop: float | None = None
        assessment = line.assessment
        if assessment is not None:
            drop = max(0.0, -assessment.headline.delta) if assessment.direction == "down" else 0.0
            two = next((s for s in assessment.shifts if s.recent_rounds == 2), None)
            if level is not None and two is not None and not assessment.significant:
                # Without a significant change the last two rounds measure the same level: pooling
                # them halves the noise a threshold would otherwise trip on (each has >= k answers).
                level = two.favourable_after
        signals[f"{line.construct}_favourable"] = level
        signals[f"{line.construct}_significant_drop"] = drop
    signals["participation_rate"] = participation.rate if isinstance(participation.rate, float) else None
    signals["sessions_last_4_weeks"] = float(support.sessions_4w)
    signals["sessions_per_supporter_last_4_weeks"] = (
        support.sessions_4w / support.supporters if support.supporters else None
    )
    signals["supporter_load_max_share"] = support.load_max_share
    signals["supporter_load_cv"] = support.load_cv
    signals["lapsed_training_share"] = (
        support.lapsed_or_never / support.supporters if support.supporters else None
    )
    signals["referral_share"] = (
        support.referrals_4w / support.sessions_4w
        if isinstance(support.referrals_4w, int) and support.sessions_4w >= k
        else None
    )
    signals.update(theme_signals(themes))
    return signals


def theme_signals(themes: ThemeReport) -> dict[str, float | None]:
    """Each theme's share of this week's comments and its negative share; None where withheld."""
    signals: dict[str, float | None] = {}
    total = themes.total
    for theme in THEME_SIGNAL_NAMES:
        summary = themes.themes.get(theme)
        share: float | None = None
        negative: float | None = None
        if isinstance(total, int) and total > 0:
            if summary is None:
                share = 0.0  # no comment on this theme at all: a real zero
            elif isinstance(summary, ThemeSummary):
                share, negative = summary.count / total, summary.share_negative
        signals[f"theme_{theme}_share"] = share
        signals[f"theme_{theme}_negative_share"] = negative
    return signals


class DigestService:
    """Builds and posts the weekly digest."""

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        clock: Clock,
        bank: QuestionBank,
        roles: Roles,
        support: SupportService,
        actions: ActionService,
        outbox: Outbox,
        messenger: Messenger,
        policies: PolicyService | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.bank = bank
        self.roles = roles
        self.support = support
        self.actions = actions
        self.outbox = outbox
        self.messenger = messenger
        self.policies = policies
        # Rendering is Slack's business (handlers/); the runtime plugs it in.
        self.render: Callable[[DigestReport], list[dict[str, object]]] | None = None

    async def post(self, *, team_id: str, key: str) -> DigestReport | None:
        """Build and post the digest named `key` once; None if it was already posted."""
        if self.render is None:
            raise RuntimeError("DigestService.render is not wired; bot.runtime.build_services does it")
        async with self.db.session() as session:
            if await session.get(DigestRun, key) is not None:
                log.info("digest %s was already posted", key)
                return None
        report = await self.build(team_id=team_id)
        if not await self._record_and_queue(team_id=team_id, key=key, messages=self.render(report)):
            log.info("digest %s was posted concurrently; keeping the first", key)
            return None
        if report.chart_png:
            try:
                await self.messenger.upload_file(
                    self.settings.coordinator_channel,
                    filename=f"peerpulse-{report.generated_at:%Y-%m-%d}.png",
                    content=report.chart_png,
                    title=f"PeerPulse constructs · {report.generated_at:%d %b %Y}",
                    comment="Favourable share by construct over the last rounds (95% CI).",
                )
            except Exception as exc:
                # The digest text is already queued; a missing chart must not cost the whole digest.
                log.exception("uploading the digest chart failed (%s)", type(exc).__name__)
        log.info("digest %s queued for the coordinators", key)
        return report

    async def post_weekly(self, *, team_id: str) -> DigestReport | None:
        """The scheduled digest for this week (once, however often the job runs)."""
        local = self.clock.now().astimezone(ZoneInfo(self.settings.digest_timezone))
        return await self.post(team_id=team_id, key=f"weekly:{local.date().isoformat()}")

    async def build(
        self, *, team_id: str, with_chart: bool = True, rng: random.Random | None = None
    ) -> DigestReport:
        """Gather every figure the digest shows, suppressing what fewer than k people gave."""
        k = self.settings.min_group_size
        now = self.clock.now()
        rounds = await closed_rounds(self.db, team_id=team_id, limit=HISTORY_ROUNDS)
        measures = await measure_rounds(self.db, self.bank, rounds)
        participation = summarize_participation(
            [Turnout(invited=m.round.invited, answered=m.answered) for m in measures] or [Turnout(0, 0)], k=k
        )
        constructs = analyse_constructs(self.bank, measures, k)
        support = await self._support_activity(team_id=team_id, today=now.date(), k=k)
        comments, feedback_count = await self._comments(
            team_id=team_id, measures=measures, since=now.date() - timedelta(days=7)
        )
        themes = summarize_themes(comments, k=k, rng=rng or random.SystemRandom())
        open_actions = await self.actions.open_actions(team_id=team_id)
        closed_actions = await self.actions.closed_actions(team_id=team_id)
        signals = program_signals(constructs, participation, support, themes, k=k)
        policies: list[PolicyStatus] = []
        if self.policies is not None:
            # The playbook's policy-review practice reads the register, never a guess.
            policies = await self.policies.register(team_id=team_id)
            signals.update(policy_signals(policies, today=self.policies.today()))
        adopted = {a.practice_id for a in open_actions}
        practices = [p for p in load_practices() if p.id not in adopted]
        suggestions = match_practices(signals, practices, limit=3)
        names = numeric_constructs(self.bank)
        # A practice is measured by the survey construct its evidence came from; one whose evidence
        # has no survey measure (training, load, referrals, policies) gets none rather than borrowing one.
        construct_for = {
            s.practice.id: found
            for s in suggestions
            if (found := next((c for c in (construct_of_signal(n, names) for n in s.evidence) if c), None))
        }
        chart = self._chart(measures, k) if with_chart and measures else None
        return DigestReport(
            team_id=team_id,
            generated_at=now,
            k=k,
            round_labels=round_labels([m.round for m in measures[-TREND_ROUNDS:]]),
            participation=participation,
            constructs=constructs,
            support=support,
            themes=themes,
            feedback_count=feedback_count,
            suggestions=suggestions,
            construct_for_practice=construct_for,
            open_actions=open_actions,
            closed_actions=closed_actions,
            action_verdicts={
                a.id: v for a in closed_actions if (v := await self.actions.verdict(a)) is not None
            },
            chart_png=chart,
            signals=signals,
            policies=policies,
        )

    async def _support_activity(self, *, team_id: str, today: date, k: int) -> SupportActivity:
        since = today - timedelta(weeks=SUPPORT_WEEKS)
        week_start = today - timedelta(days=7)
        referral_outcomes = self.support.taxonomy.referral_outcomes()
        async with self.db.session() as session:
            by_category = await support_queries.sessions_per_week(
                session=session, team_id=team_id, since=since, until=today, by="category"
            )
            by_outcome = await support_queries.sessions_per_week(
                session=session, team_id=team_id, since=since, until=today, by="outcome"
            )
            follow_ups = await support_queries.follow_up_counts(session=session, team_id=team_id, today=today)
            load = await support_queries.load_per_supporter(
                session=session, team_id=team_id, since=since, until=today
            )
            supporters = await self.roles.supporters()
            coverage = await support_queries.training_coverage(
                session=session,
                team_id=team_id,
                supporter_ids=sorted(supporters),
                today=today,
                valid_days=self.settings.training_valid_days,
            )
            last_week = await support_queries.sessions_per_week(
                session=session, team_id=team_id, since=week_start, until=today, by="category"
            )
        categories: dict[str, int] = {}
        for row in by_category:
            categories[row.key] = categories.get(row.key, 0) + row.sessions
        outcomes: dict[str, int] = {}
        for row in by_outcome:
            outcomes[row.key] = outcomes.get(row.key, 0) + row.sessions
        total = sum(categories.values())
        week_total = sum(r.sessions for r in last_week)
        referrals = sum(n for o, n in outcomes.items() if o in referral_outcomes)
        loads = [load[s].sessions if s in load else 0 for s in supporters] or [0]
        load_total = sum(loads)
        return SupportActivity(
            sessions_4w=total,
            # Shown beside the 4-week total only if the gap can't single out fewer than k sessions.
            sessions_last_week=week_total if may_show_both(week_total, total, k=k) else None,
            by_category=protect_breakdown(
                {self.support.taxonomy.label("categories", c): n for c, n in categories.items()},
                k=k,
                total=total,
            ),
            by_outcome=protect_breakdown(
                {self.support.taxonomy.label("outcomes", o): n for o, n in outcomes.items()}, k=k, total=total
            ),
            referrals_4w=referrals if referrals == 0 or referrals >= k else Suppressed(f"fewer than {k}"),
            follow_ups_overdue=follow_ups.overdue,
            supporters=coverage.total,
            trained_current=coverage.current,
            trained_lapsing=coverage.lapsing,
            lapsed_or_never=coverage.lapsed + coverage.never,
            load_max_share=(max(loads) / load_total) if load_total else None,
            load_cv=(statistics.pstdev(loads) / statistics.mean(loads))
            if load_total and len(loads) > 1
            else None,
        )

    async def _comments(
        self, *, team_id: str, measures: list[RoundMeasures], since: date
    ) -> tuple[list[Comment], int]:
        latest_round = measures[-1].round.id if measures else None
        async with self.db.session() as session:
            feedback = list(
                await session.exec(
                    select(Feedback.text, Feedback.category).where(
                        Feedback.team_id == team_id,
                        col(Feedback.submitted_on) >= since,
                        col(Feedback.text).is_not(None),
                    )
                )
            )
            answers: list[str | None] = []
            if latest_round is not None:
                answers = list(
                    await session.exec(
                        select(SurveyAnswer.text).where(
                            SurveyAnswer.round_id == latest_round, col(SurveyAnswer.text).is_not(None)
                        )
                    )
                )
        # The author's own /feedback category (concern, praise, ...) bounds the comment's sentiment.
        texts = [Comment(text, category) for text, category in feedback if text]
        texts += [Comment(text) for text in answers if text]
        return texts, len(feedback)

    def _chart(self, measures: list[RoundMeasures], k: int) -> bytes:
        window = measures[-TREND_ROUNDS:]
        series: dict[str, list[Estimate | Suppressed | None]] = {}
        for construct in numeric_constructs(self.bank):
            points: list[Estimate | Suppressed | None] = []
            for m in window:
                counts = m.constructs.get(construct)
                summary = summarize_construct(self.bank, construct, counts, k=k) if counts else None
                points.append(summary.favourable if isinstance(summary, LikertSummary) else summary)
            if any(isinstance(p, Estimate) for p in points):
                series[label_of(construct)] = points
        return render_constructs_chart(
            series,
            round_labels=round_labels([m.round for m in window]),
            title="Favourable share by construct, last rounds",
        )

    async def _record_and_queue(self, *, team_id: str, key: str, messages: list[dict[str, object]]) -> bool:
        """Record the digest `key` and queue its messages in one transaction; False if already posted."""
        now = self.clock.now()
        envelopes = [
            Envelope(
                "text",
                self.settings.coordinator_channel,
                f"{key}:part{i}",
                now + timedelta(milliseconds=i),
                payload=m,
            )
            for i, m in enumerate(messages)
        ]
        # One transaction: a crash leaves the digest either recorded and queued, or neither.
        async with self.db.session() as session:
            new = await insert_ignoring_duplicates(
                session=session,
                model=DigestRun,
                rows=[{"key": key, "team_id": team_id, "posted_at": now}],
                keys=["key"],
            )
            if new:
                await self.outbox.enqueue(envelopes, session=session)
        self.outbox.wakeup.set()
        return new == 1
