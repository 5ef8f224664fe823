"""What the weekly digest says, line by line, on every platform: figures in words, k rules kept.

Each platform lays these lines out in its own format (Slack's blocks, Teams' cards); the words and
what is withheld are decided once, here. Text the digest quotes is quoted by the platform's own
`quote`, since each escapes differently.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.declines import PROTECTS_OTHERS, DeclineLine
from bot.digest import ConstructLine, DigestReport, SupportActivity
from bot.i18n import N_, _, format_day, ngettext
from bot.insights import Breakdown, Suppressed, ThemeSummary, Trend
from bot.insights.monitor import ActionVerdict
from bot.measures import label_of
from bot.playbook import signal_meaning
from storage.digest_models import ImprovementAction

THEME_LABELS = {
    "confidentiality": N_("Confidentiality"),
    "access_to_supporters": N_("Access to supporters"),
    "training": N_("Training"),
    "leadership_response": N_("Leadership response"),
    "workload": N_("Workload"),
    "other": N_("Other"),
}


def pct(value: float) -> str:
    return f"{value:.0%}"


def p_text(p_value: float) -> str:
    return "p<0.001" if p_value < 0.001 else f"p={p_value:.3f}"


def pts(delta: float) -> str:
    return _("{delta} pts").format(delta=f"{delta * 100:+.0f}")


def asked_ago(rounds_ago: int | None) -> str:
    if not rounds_ago:
        return ""
    return (
        " _"
        + ngettext("(asked {n} round ago)", "(asked {n} rounds ago)", rounds_ago).format(n=rounds_ago)
        + "_"
    )


def construct_text(line: ConstructLine, k: int) -> str:
    name = f"*{label_of(line.construct)}*"
    if isinstance(line.summary, Suppressed):
        reason = (
            _("not asked in a closed round yet")
            if line.rounds_ago is None
            else _("not enough answers (fewer than {k})").format(k=k)
        )
        return f"{name} — {reason}"
    s = line.summary
    text = _("{name} — {share} favourable (95% CI {low}–{high}), mean {mean}, n={n}").format(
        name=name,
        share=pct(s.favourable.value),
        low=pct(s.favourable.low),
        high=pct(s.favourable.high),
        mean=f"{s.mean.value:.2f}",
        n=s.n,
    ) + asked_ago(line.rounds_ago)
    assessment = line.assessment
    if assessment is not None:
        shift = assessment.headline
        if shift.recent_rounds == 1:
            span = _("in the latest round")
        else:
            span = ngettext("in the last {n} round", "in the last {n} rounds", shift.recent_rounds).format(
                n=shift.recent_rounds
            )
        base = ngettext(
            "against the {n} earlier round", "against the {n} earlier rounds", shift.baseline_rounds
        ).format(n=shift.baseline_rounds)
        if assessment.significant:
            text += "\n:triangular_flag_on_post: " + _(
                "{change} {span} {base} (more than chance would explain: adjusted {p})"
            ).format(change=pts(shift.delta), span=span, base=base, p=p_text(assessment.p_adjusted))
        else:
            text += "\n" + _("{change} {span} {base} (within what chance alone gives)").format(
                change=pts(shift.delta), span=span, base=base
            )
    elif line.rounds_ago == 0:
        text += "\n" + _("Change: not enough earlier rounds with enough answers to compare yet")
    if isinstance(line.trend, Trend):
        trend_word = {"up": _("rising"), "down": _("falling"), "flat": _("flat")}[line.trend.direction]
        text += " · " + ngettext(
            "over {n} round: {trend}", "over {n} rounds: {trend}", line.trend.rounds_used
        ).format(n=line.trend.rounds_used, trend=trend_word)
    return text


def decline_text(line: DeclineLine, k: int, *, quote: Callable[[str], str]) -> str:
    """One sensitive question's "prefer not to say" count, in plain words."""
    if isinstance(line.declined, int):
        said = ngettext("{n} person chose it", "{n} people chose it", line.declined).format(n=line.declined)
    elif line.declined == PROTECTS_OTHERS:
        said = _("not shown, so that a smaller group can't be worked out from the other figures")
    else:
        said = _("fewer than {k} people chose it (the exact number is not shown)").format(k=k)
    return _("• “{question}” — {said}").format(question=quote(_(line.question)), said=said) + asked_ago(
        line.rounds_ago
    )


def method_note(report: DigestReport) -> str:
    """The digest's footnote on how changes are tested, in one plain sentence."""
    comparisons = max(
        (line.assessment.comparisons for line in report.constructs if line.assessment), default=0
    )
    return _(
        "_How changes are tested: each measure asked in the latest round is compared, on its whole answer "
        "scale (Mann–Whitney rank test), with up to six earlier rounds pooled — the latest round alone and "
        "the last two together — and the Holm–Šidák correction across all {comparisons} comparisons in this digest "
        "keeps the chance of any false flag on stable data under 5%; trends are described, not tested. "
        "In plain words: *95% CI* is the range the true share most likely lies in, *n* is how many people "
        "answered, and *p* is how often a difference this large would appear by chance alone._"
    ).format(comparisons=comparisons)


def breakdown_text(breakdown: Breakdown) -> str:
    # Withheld cells are not named: the name of a small cell would itself point at a case.
    parts = [
        f"{_(name)} {count}" for name, count in breakdown.cells.items() if isinstance(count, int) and count
    ]
    return " · ".join(parts) if parts else _("none shown")


def support_text(s: SupportActivity, k: int) -> str:
    sessions = _("*Sessions*")
    if s.first_day is not None and s.last_day is not None:
        sessions += " " + _("({first} – {last}, the latest completed 4-week period)").format(
            first=format_day(s.first_day), last=format_day(s.last_day)
        )
    if isinstance(s.sessions_4w, Suppressed):
        lines = [
            sessions
            + ": "
            + _(
                "not shown — fewer than {k} sessions, or all logged by one supporter. Nothing else about them is shown."
            ).format(k=k)
        ]
    else:
        lines = [f"{sessions}: {s.sessions_4w}"]
        if s.sessions_last_week is not None:
            lines[0] += " " + _("(its last week: {n})").format(n=s.sessions_last_week)
    withheld = _("withheld")
    if isinstance(s.sessions_4w, int) and s.sessions_4w:
        lines.append(_("*By category:* {cells}").format(cells=breakdown_text(s.by_category)))
        lines.append(_("*By outcome:* {cells}").format(cells=breakdown_text(s.by_outcome)))
        referrals = withheld if isinstance(s.referrals_4w, Suppressed) else str(s.referrals_4w)
        lines.append(_("*Referrals (HR / EAP / manager / safety):* {n}").format(n=referrals))
    overdue = withheld if isinstance(s.follow_ups_overdue, Suppressed) else str(s.follow_ups_overdue)
    lines.append(_("*Follow-ups overdue at the end of the period:* {n}").format(n=overdue))
    lines.append(
        ngettext(
            "*Training:* {n} supporter — {current} current, {lapsing} lapsing within 30 days, "
            "{lapsed} lapsed or never trained",
            "*Training:* {n} supporters — {current} current, {lapsing} lapsing within 30 days, "
            "{lapsed} lapsed or never trained",
            s.supporters,
        ).format(
            n=s.supporters, current=s.trained_current, lapsing=s.trained_lapsing, lapsed=s.lapsed_or_never
        )
    )
    if s.load_max_share is not None:
        lines.append(
            _("*Load:* the busiest supporter handled {share} of sessions").format(share=pct(s.load_max_share))
        )
    lines.append(
        _(
            "_Sessions count once they can no longer be edited, and these figures change only when a 4-week "
            "period completes. A category or outcome is listed only with {k} or more sessions from two or more "
            "supporters, and none is listed that would let another be worked out by subtraction._"
        ).format(k=k)
    )
    return "\n".join(lines)


def evidence_text(evidence: dict[str, float]) -> str:
    """Each triggering figure in words (the playbook's meaning of it), never a variable name."""
    parts = []
    for name, value in evidence.items():
        shown = (
            pct(value)
            if ("share" in name or "favourable" in name or "rate" in name) and abs(value) <= 1
            else (f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}")
        )
        if name.endswith("change"):
            shown = pts(value)
        elif name.endswith("_drop"):
            shown = _("down {n} pts, more than chance would explain").format(n=f"{value * 100:.0f}")
        # The playbook's words are catalogued (bot.catalogue) and put in the reader's language here.
        meaning = signal_meaning(name)
        parts.append(f"{_(meaning) if meaning else name}: {shown}")
    return "; ".join(parts)


def reading(value: float | None, low: float | None, high: float | None) -> str:
    if value is None or low is None or high is None:
        return _("not measurable yet (too few answers to show, or no round yet)")
    return _("{share} (95% CI {low}–{high})").format(share=pct(value), low=pct(low), high=pct(high))


def after_reading(action: ImprovementAction) -> str:
    """A closed action's after measure: waiting for its round, withheld under k, or the figure."""
    if action.after_round_id is None:
        return _("waiting for the next round to close")
    if action.after_value is None or action.after_low is None or action.after_high is None:
        return _("not measurable (too few answers in that round to show)")
    return reading(action.after_value, action.after_low, action.after_high)


def verdict(verdict: ActionVerdict | Suppressed | None) -> str:
    """The tested effect: every round before adoption pooled against every round after."""
    if verdict is None:
        return ""
    if isinstance(verdict, Suppressed):
        return "\n" + _("Effect: not measurable yet (too few answers before or after to show)")
    sides = ngettext(
        "{before} round before (n={n_before}, {share_before} favourable) vs {after} after (n={n_after}, {share_after})",
        "{before} rounds before (n={n_before}, {share_before} favourable) vs {after} after (n={n_after}, {share_after})",
        verdict.rounds_before,
    ).format(
        before=verdict.rounds_before,
        n_before=verdict.n_before,
        share_before=pct(verdict.favourable_before),
        after=verdict.rounds_after,
        n_after=verdict.n_after,
        share_after=pct(verdict.favourable_after),
    )
    word = {
        "improved": _(":white_check_mark: improved (significant, {p}, Mann–Whitney)"),
        "worse": _(":small_red_triangle_down: worse (significant, {p}, Mann–Whitney)"),
        "no change": _("no clear change yet (could be chance: {p}, Mann–Whitney)"),
    }[verdict.verdict].format(p=p_text(verdict.p_value))
    return "\n" + _("Effect over {sides}: {verdict}").format(sides=sides, verdict=word)


def open_action_text(action: ImprovementAction, *, today: date, title: str, progress: str | None) -> str:
    overdue = _(":warning: *overdue*") + " · " if action.due_on < today else ""
    text = overdue + _("*{title}* — owner {owner}, due {due}").format(
        title=title, owner=f"<@{action.owner_id}>", due=format_day(action.due_on, year=True)
    )
    text += "\n" + _("Measure: {measure} · before: {before}").format(
        measure=label_of(action.construct_id),
        before=reading(action.before_value, action.before_low, action.before_high),
    )
    if progress:
        text += "\n" + _("Latest update: {note}").format(note=progress)
    return text


def digest_title(report: DigestReport) -> str:
    """The digest's heading and notification text."""
    return _("PeerPulse weekly digest · {day}").format(day=format_day(report.generated_at.date(), year=True))


def themes_heading(report: DigestReport) -> tuple[str, bool]:
    """The feedback section's heading, and whether any theme follows it (none under k comments)."""
    themes = report.themes
    period = (
        _("the week {first} – {last}").format(
            first=format_day(report.comments_from), last=format_day(report.comments_to)
        )
        if report.comments_from is not None and report.comments_to is not None
        else _("the last completed week")
    )
    if isinstance(themes.total, Suppressed) or not themes.themes:
        return (
            _("*What people are saying* — fewer than {k} comments in {period}; none are shown.").format(
                k=report.k, period=period
            ),
            False,
        )
    split = (
        _("({n} via `/feedback`, the rest from the pulse)").format(n=report.feedback_count)
        if report.comment_split_shown
        else _("(from `/feedback` and pulse rounds closed that week)")
    )
    heading = _("*What people are saying* — {n} comments in {period} {split}, grouped by theme").format(
        n=themes.total, period=period, split=split
    )
    return heading, True


def theme_line(theme: str, summary: ThemeSummary, *, quote: Callable[[str], str]) -> str:
    """One shown theme's counts (its name from the catalogue, or quoted as the platform quotes)."""
    name = _(THEME_LABELS[theme]) if theme in THEME_LABELS else quote(theme)
    return _("*{name}*: {n} comments · mean sentiment {sentiment} · {negative} negative").format(
        name=name,
        n=summary.count,
        sentiment=f"{summary.mean_sentiment:+.2f}",
        negative=pct(summary.share_negative),
    )


def themes_footnote(k: int) -> str:
    """Said whether or not any theme was withheld, so the line itself tells nothing."""
    return _("Themes with fewer than {k} comments, or that would reveal one, are not listed.").format(k=k)
