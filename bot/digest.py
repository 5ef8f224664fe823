"""The coordinators' weekly digest: gather, analyse (k-safe), suggest, and post once."""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlmodel import col, select

from bot.actions import ActionService
from bot.clock import Clock
from bot.config import Settings
from bot.declines import DeclineLine, decline_lines, question_turnouts
from bot.delivery import Envelope, Outbox
from bot.i18n import _, format_day, speaking
from bot.insights import (
    SUPPRESSED,
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
    is_small_group,
    may_show_both,
    protect_groups,
    render_constructs_chart,
    summarize_participation,
    summarize_themes,
    trend,
)
from bot.insights.chart_text import chart_alt_text, chart_text_equivalent
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
from bot.questions import QuestionBank
from bot.roles import SYSTEM, Actor, Roles
from bot.support import (
    MIN_SUPPORTERS,
    SupportService,
    TaxonomyKind,
    content_total,
    released_period,
    supporter_breakdowns,
)
from bot.updates import COMMENT_DAYS as QUOTE_CHECK_DAYS
from bot.updates import shown_quote_rows
from bot.viewdata import view_payload
from storage import support_queries
from storage.db import Database
from storage.digest_models import DigestRun, Feedback, ImprovementAction, ShownQuoteGram
from storage.models import SurveyAnswer, SurveyRound
from storage.queries import insert_ignoring_duplicates
from storage.support_queries import ReleasedSession

log = logging.getLogger(__name__)

TREND_ROUNDS = 8
# Enough rounds for a construct asked every other round to have its last two rounds and a baseline
# of six earlier ones (bot.insights.monitor); trends and the chart still show the last 8.
HISTORY_ROUNDS = 16
# Themes and quotes come from the last completed ISO week's comments (released_period).
COMMENT_WEEKS = 1
QUOTE_CHARS = 280
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


Series = dict[str, list[Estimate | Suppressed | None]]


def chart_series(bank: QuestionBank, measures: Sequence[RoundMeasures], k: int) -> tuple[Series, list[str]]:
    """The chart's lines (construct name → last rounds' favourable shares, oldest first) and round labels.

    A round that asked the construct but had fewer than k answers (none at all included) is
    Suppressed, "too few answers"; None is kept for a round that did not ask it. A construct with
    no shown figure in the window has no line.
    """
    window = list(measures)[-TREND_ROUNDS:]
    series: Series = {}
    for construct in numeric_constructs(bank):
        points: list[Estimate | Suppressed | None] = []
        for m in window:
            counts = m.constructs.get(construct)
            asked = any(
                (q := bank.get(qid)) is not None and q.construct == construct for qid in m.round.question_ids
            )
            if not counts and not asked:
                points.append(None)
                continue
            summary = summarize_construct(bank, construct, counts or {}, k=k)
            points.append(summary.favourable if isinstance(summary, LikertSummary) else summary)
        if any(isinstance(p, Estimate) for p in points):
            series[label_of(construct)] = points
    return series, round_labels([m.round for m in window])


# The text equivalent drops its intervals when the lines with them would outgrow one block of text
# (a chat message section: Slack's holds 3,000 characters).
TEXT_EQUIVALENT_CHARS = 2800


def chart_text_lines(series: Series, *, round_labels: Sequence[str], k: int) -> list[str]:
    """The chart as lines of plain text, with 95% intervals when they fit in one block of text."""
    lines = chart_text_equivalent(series, round_labels=round_labels, min_group_size=k)
    if sum(len(line) + 1 for line in lines) <= TEXT_EQUIVALENT_CHARS:
        return lines
    return chart_text_equivalent(series, round_labels=round_labels, min_group_size=k, intervals=False)


@dataclass(frozen=True)
class ChartInWords:
    """The chart's image with its alt text and its text equivalent, all read from the same series."""

    png: bytes
    alt_text: str
    text: list[str]


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
    """Peer-support load over the released weeks (bot.support.released_period), k-protected.

    Session figures change only when a week completes; a figure saying what sessions were about
    needs k sessions from two supporters or more (docs/privacy.md).
    """

    sessions_4w: int | Suppressed
    sessions_last_week: int | None  # None when showing it beside the 4-week figure would single people out
    by_category: Breakdown
    by_outcome: Breakdown
    referrals_4w: int | Suppressed
    follow_ups_overdue: int | Suppressed
    supporters: int
    trained_current: int
    trained_lapsing: int
    lapsed_or_never: int
    load_max_share: float | None
    load_cv: float | None
    first_day: date | None = None
    last_day: date | None = None


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
    comments_from: date | None = None  # the week whose comments the themes are from (UTC, inclusive)
    comments_to: date | None = None
    # The chart in words, from the same series as its picture (bot.insights.chart_text): the alt text
    # its upload carries, and the text equivalent the digest shows. Defaults read rows queued before.
    chart_alt_text: str | None = None
    chart_text: list[str] = field(default_factory=list)
    # "Prefer not to say" per sensitive question, k-protected (bot.declines); empty in rows queued before.
    declines: list[DeclineLine] = field(default_factory=list)

    @property
    def comment_split_shown(self) -> bool:
        """Whether "M via /feedback, the rest from the pulse" may be shown: both parts 0 or >= k."""
        total = self.themes.total
        return isinstance(total, int) and may_show_both(total, self.feedback_count, k=self.k)

    def shown_quotes(self) -> list[str]:
        """Every quote as the digest shows it (cut to QUOTE_CHARS)."""
        return [
            quote[:QUOTE_CHARS]
            for summary in self.themes.themes.values()
            if isinstance(summary, ThemeSummary)
            for quote in summary.quotes
        ]

    @property
    def overdue_actions(self) -> list[ImprovementAction]:
        """Open actions past their due date."""
        today = self.generated_at.date()
        return [a for a in self.open_actions if a.due_on < today]


@dataclass(frozen=True)
class DigestView:
    """One message of the digest as queued: the report (its chart travels in its own row) and which part.

    How many messages a digest takes is the platform's business; the outbox asks it when queueing.
    """

    kind: ClassVar[str] = "digest"

    report: DigestReport
    part: int = 0
    parts: int = 1
    chart_follows: bool = False


@dataclass(frozen=True)
class DigestChart:
    """The digest's chart, shared as an image after its messages."""

    kind: ClassVar[str] = "digest_chart"

    filename: str
    title: str
    caption: str
    png: bytes
    # What a screen reader says for the image (None in rows queued before alt text was carried).
    alt_text: str | None = None


def queued_report(report: DigestReport) -> DigestReport:
    """The report as the outbox stores it: what the digest shows, never the name of a withheld group.

    The chart's bytes and alt text travel once, in their own row, not in every message's copy of the
    report; its text equivalent is part of what the digest's messages show.
    """
    # A withheld theme keeps its place (the digest says themes were withheld) but not its name.
    themes = {
        (f"withheld-{i}" if isinstance(summary, Suppressed) else name): summary
        for i, (name, summary) in enumerate(report.themes.themes.items())
    }
    support = replace(
        report.support,
        by_category=_shown_cells(report.support.by_category),
        by_outcome=_shown_cells(report.support.by_outcome),
    )
    # The signals were the playbook's input; the digest shows the suggestions' own evidence instead.
    return replace(
        report,
        chart_png=None,
        chart_alt_text=None,
        themes=replace(report.themes, themes=themes),
        support=support,
        signals={},
    )


def _shown_cells(breakdown: Breakdown) -> Breakdown:
    return replace(
        breakdown, cells={k: v for k, v in breakdown.cells.items() if not isinstance(v, Suppressed)}
    )


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
    # A withheld session count must not resurface as a playbook trigger's evidence.
    sessions = support.sessions_4w if isinstance(support.sessions_4w, int) else None
    signals["sessions_last_4_weeks"] = float(sessions) if sessions is not None else None
    signals["sessions_per_supporter_last_4_weeks"] = (
        sessions / support.supporters if sessions is not None and support.supporters else None
    )
    signals["supporter_load_max_share"] = support.load_max_share
    signals["supporter_load_cv"] = support.load_cv
    signals["lapsed_training_share"] = (
        support.lapsed_or_never / support.supporters if support.supporters else None
    )
    signals["referral_share"] = (
        support.referrals_4w / sessions
        if isinstance(support.referrals_4w, int) and sessions is not None and sessions >= k
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
        self.policies = policies

    async def post(self, *, team_id: str, key: str, by: Actor) -> DigestReport | None:
        """Build and post the digest named `key` once, for a coordinator or SYSTEM; None if already posted."""
        await self.roles.require_coordinator_or_system(by)
        async with self.db.session() as session:
            if await session.get(DigestRun, key) is not None:
                log.info("digest %s was already posted", key)
                return None
        report = await self.build(team_id=team_id, by=SYSTEM)
        if not await self._record_and_queue(
            team_id=team_id, key=key, views=self.views_of(report), quotes=report.shown_quotes()
        ):
            log.info("digest %s was posted concurrently; keeping the first", key)
            return None
        log.info("digest %s queued for the coordinators", key)
        return report

    async def post_weekly(self, *, team_id: str) -> DigestReport | None:
        """The scheduled digest for this week (once, however often the job runs); the system's path."""
        local = self.clock.now().astimezone(ZoneInfo(self.settings.digest_timezone))
        return await self.post(team_id=team_id, key=f"weekly:{local.date().isoformat()}", by=SYSTEM)

    async def build(
        self, *, team_id: str, by: Actor, with_chart: bool = True, rng: random.Random | None = None
    ) -> DigestReport:
        """Gather every figure the digest shows, suppressing what fewer than k people gave."""
        await self.roles.require_coordinator_or_system(by)
        k = self.settings.min_group_size
        now = self.clock.now()
        rounds = await closed_rounds(self.db, team_id=team_id, limit=HISTORY_ROUNDS)
        measures = await measure_rounds(self.db, self.bank, rounds)
        participation = summarize_participation(
            [Turnout(invited=m.round.invited, answered=m.answered) for m in measures] or [Turnout(0, 0)], k=k
        )
        constructs = analyse_constructs(self.bank, measures, k)
        history = [m.round for m in measures]
        declines = decline_lines(self.bank, history, await question_turnouts(self.db, rounds=history), k=k)
        support = await self._support_activity(team_id=team_id, today=now.date(), k=k)
        comment_start, comment_end = released_period(now, weeks=COMMENT_WEEKS)
        comments, feedback_count = await self._comments(team_id=team_id, start=comment_start, end=comment_end)
        # Quotes are drawn once per period: the same comments give the same quotes however often
        # the digest is asked for, so asking again never surfaces another comment.
        themes = summarize_themes(
            comments, k=k, rng=rng or random.Random(self._keyed(f"quotes:{team_id}:{comment_start.date()}"))
        )
        # Read for the digest, whose reader (if a person) was checked above.
        open_actions = await self.actions.open_actions(team_id=team_id, by=SYSTEM)
        closed_actions = await self.actions.closed_actions(team_id=team_id, by=SYSTEM)
        signals = program_signals(constructs, participation, support, themes, k=k)
        policies: list[PolicyStatus] = []
        if self.policies is not None:
            # The playbook's policy-review practice reads the register, never a guess.
            policies = await self.policies.register(team_id=team_id, by=SYSTEM)
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
        chart = None
        if with_chart and measures:
            # The chart goes to the coordinators' channel, which has no language of its own: its
            # picture and words are in the configured default, whoever asked for the digest.
            with speaking(self.settings.default_language):
                chart = self._chart(measures, k)
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
            comments_from=comment_start.date(),
            comments_to=(comment_end - timedelta(days=1)).date(),
            suggestions=suggestions,
            construct_for_practice=construct_for,
            open_actions=open_actions,
            closed_actions=closed_actions,
            action_verdicts={
                a.id: v for a in closed_actions if (v := await self.actions.verdict(a, by=SYSTEM)) is not None
            },
            chart_png=chart.png if chart else None,
            chart_alt_text=chart.alt_text if chart else None,
            chart_text=chart.text if chart else [],
            signals=signals,
            policies=policies,
            declines=declines,
        )

    async def _support_activity(self, *, team_id: str, today: date, k: int) -> SupportActivity:
        activity = await self.support.released_activity(team_id=team_id, by=SYSTEM)
        taxonomy = self.support.taxonomy
        referral_outcomes = taxonomy.referral_outcomes()
        supporters = await self.roles.supporters()
        async with self.db.session() as session:
            coverage = await support_queries.training_coverage(
                session=session,
                team_id=team_id,
                supporter_ids=sorted(supporters),
                today=today,
                valid_days=self.settings.training_valid_days,
            )
        rows = activity.sessions
        total = content_total(activity, k=k)
        sources = [r.supporter_id for r in rows]

        def groups(kind: TaxonomyKind, of: Callable[[ReleasedSession], str]) -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for r in rows:
                found.setdefault(taxonomy.label(kind, of(r)), []).append(r.supporter_id)
            return found

        def shown(members: list[str]) -> int | Suppressed:
            small = is_small_group(members, k=k, min_sources=MIN_SUPPORTERS)
            return SUPPRESSED if isinstance(total, Suppressed) or small else len(members)

        last_week_start = activity.end - timedelta(weeks=1)
        last_week = [r.supporter_id for r in rows if r.released_at >= last_week_start]
        referrals = [r.supporter_id for r in rows if r.outcome in referral_outcomes]
        not_referred = [r.supporter_id for r in rows if r.outcome not in referral_outcomes]
        overdue = [r.supporter_id for r in rows if activity.overdue(r)]
        not_overdue = [r.supporter_id for r in rows if not activity.overdue(r)]
        outcomes = protect_groups(
            groups("outcomes", lambda r: r.outcome), k=k, min_sources=MIN_SUPPORTERS, total=sources
        )
        # Referrals minus the referral outcomes listed is the group of the unlisted ones.
        unlisted_referrals = [
            r.supporter_id
            for r in rows
            if r.outcome in referral_outcomes
            and not isinstance(outcomes.cells[taxonomy.label("outcomes", r.outcome)], int)
        ]
        by_supporter, _ = supporter_breakdowns(activity, supporters=supporters, k=k)
        counted = [v for v in by_supporter.cells.values() if isinstance(v, int)]
        # The busiest supporter's share times the total is their count: shown only where the
        # per-supporter table shows every count (nothing withheld there to be worked out here).
        every_load_shown = not isinstance(by_supporter.total, Suppressed) and len(counted) == len(
            by_supporter.cells
        )
        per_supporter = Counter(sources)
        loads = [per_supporter[supporter] for supporter in sorted(supporters)] or [0]
        load_total = sum(loads) if every_load_shown else 0
        return SupportActivity(
            sessions_4w=total,
            # Shown beside the 4-week total only if it and the gap are both k-safe groups.
            sessions_last_week=len(last_week)
            if isinstance(total, int)
            and not is_small_group(last_week, k=k, min_sources=MIN_SUPPORTERS)
            and not is_small_group(
                [r.supporter_id for r in rows if r.released_at < last_week_start],
                k=k,
                min_sources=MIN_SUPPORTERS,
            )
            else None,
            by_category=protect_groups(
                groups("categories", lambda r: r.category), k=k, min_sources=MIN_SUPPORTERS, total=sources
            )
            if isinstance(total, int)
            else Breakdown(cells={}, total=SUPPRESSED),
            by_outcome=outcomes if isinstance(total, int) else Breakdown(cells={}, total=SUPPRESSED),
            # Referrals, the rest, and referrals minus the referral outcomes listed must all be k-safe.
            referrals_4w=shown(referrals)
            if not any(
                is_small_group(g, k=k, min_sources=MIN_SUPPORTERS) for g in (not_referred, unlisted_referrals)
            )
            else SUPPRESSED,
            # Like referrals, a subset of the shown total: it and the rest must both be k-safe.
            follow_ups_overdue=shown(overdue)
            if not is_small_group(not_overdue, k=k, min_sources=MIN_SUPPORTERS)
            else SUPPRESSED,
            supporters=coverage.total,
            trained_current=coverage.current,
            trained_lapsing=coverage.lapsing,
            lapsed_or_never=coverage.lapsed + coverage.never,
            load_max_share=(max(loads) / load_total) if load_total else None,
            load_cv=(statistics.pstdev(loads) / statistics.mean(loads))
            if load_total and len(loads) > 1
            else None,
            first_day=activity.first_day,
            last_day=activity.last_day,
        )

    def _keyed(self, message: str) -> bytes:
        return hmac.new(self.settings.peerpulse_secret.encode(), message.encode(), hashlib.sha256).digest()

    async def _comments(self, *, team_id: str, start: datetime, end: datetime) -> tuple[list[Comment], int]:
        """The period's comments: `/feedback` sent in it and pulse comments of rounds closed in it."""
        async with self.db.session() as session:
            feedback = list(
                await session.exec(
                    select(Feedback.text, Feedback.category).where(
                        Feedback.team_id == team_id,
                        col(Feedback.submitted_on) >= start.date(),
                        col(Feedback.submitted_on) < end.date(),
                        col(Feedback.text).is_not(None),
                    )
                )
            )
            answers = list(
                await session.exec(
                    select(SurveyAnswer.text)
                    .join(SurveyRound, col(SurveyRound.id) == col(SurveyAnswer.round_id))
                    .where(
                        SurveyRound.team_id == team_id,
                        col(SurveyRound.closed_at) >= start,
                        col(SurveyRound.closed_at) < end,
                        col(SurveyAnswer.text).is_not(None),
                    )
                )
            )
        # The author's own /feedback category (concern, praise, ...) bounds the comment's sentiment.
        texts = [Comment(text, category) for text, category in feedback if text]
        feedback_count = len(texts)
        texts += [Comment(text) for text in answers if text]
        # An order of the texts' own (keyed, so it says nothing of when each was written) makes the
        # seeded quote draw independent of the order the database returns rows in.
        texts.sort(key=lambda c: self._keyed(f"order:{c.text}"))
        return texts, feedback_count

    def _chart(self, measures: list[RoundMeasures], k: int) -> ChartInWords:
        series, labels = chart_series(self.bank, measures, k)
        png = render_constructs_chart(
            series,
            round_labels=labels,
            title=_("Favourable share by construct, last rounds"),
            min_group_size=k,
        )
        return ChartInWords(
            png=png,
            alt_text=chart_alt_text(series, round_labels=labels),
            text=chart_text_lines(series, round_labels=labels, k=k),
        )

    def views_of(self, report: DigestReport) -> list[DigestView | DigestChart]:
        """What the digest queues: one view per message the platform needs, then the chart, if any."""
        with speaking(self.settings.default_language):  # the channel's language, like the picture
            chart = self.chart_of(report)
        first = DigestView(queued_report(report), chart_follows=chart is not None)
        parts = max(1, self.outbox.messages_for(first))
        views: list[DigestView | DigestChart] = [replace(first, part=i, parts=parts) for i in range(parts)]
        return [*views, chart] if chart is not None else views

    @staticmethod
    def chart_of(report: DigestReport) -> DigestChart | None:
        """The chart as it is shared after the digest's messages, if there is one."""
        if not report.chart_png:
            return None
        return DigestChart(
            filename=f"peerpulse-{report.generated_at:%Y-%m-%d}.png",
            title=_("PeerPulse constructs · {day}").format(
                day=format_day(report.generated_at.date(), year=True)
            ),
            caption=_("Favourable share by construct over the last rounds (95% CI)."),
            png=report.chart_png,
            alt_text=report.chart_alt_text,
        )

    async def _record_and_queue(
        self, *, team_id: str, key: str, views: Sequence[DigestView | DigestChart], quotes: Sequence[str] = ()
    ) -> bool:
        """Record the digest `key`, the quotes it shows, and queue its views in one transaction."""
        now = self.clock.now()
        envelopes = [
            # Through the outbox, the chart like the text: a crash or an outage mid-upload is retried,
            # checked against the channel's history, or parked with its reason, never lost or doubled.
            Envelope(
                "file" if isinstance(view, DigestChart) else "text",
                self.settings.coordinator_channel,
                f"{key}:chart" if isinstance(view, DigestChart) else f"{key}:part{i}",
                now + timedelta(milliseconds=i),
                payload=view_payload(view),
            )
            for i, view in enumerate(views)
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
                # What the "you said, we did" quote check compares against: shown quotes only.
                await session.exec(
                    delete(ShownQuoteGram).where(
                        col(ShownQuoteGram.shown_on) < now.date() - timedelta(days=QUOTE_CHECK_DAYS)
                    )
                )
                await insert_ignoring_duplicates(
                    session=session,
                    model=ShownQuoteGram,
                    rows=shown_quote_rows(
                        self.settings.peerpulse_secret,
                        team_id=team_id,
                        digest_key=key,
                        quotes=quotes,
                        shown_on=now.date(),
                    ),
                    keys=["digest_key", "gram"],
                )
        self.outbox.wakeup.set()
        return new == 1
