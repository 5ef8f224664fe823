"""The weekly digest as Adaptive Cards, split to Teams' size limits, and its chart inline. Pure builders.

Every sentence is the catalogue's, as the Slack digest words it (so German is complete too); only
the layout is Teams'. People's own words (comments, titles, policy names) are made inert first.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from PIL import Image

from bot.digest import QUOTE_CHARS, DigestChart, DigestReport, DigestView
from bot.i18n import _, format_day, ngettext
from bot.insights import Suppressed, ThemeSummary
from bot.measures import label_of
from bot.policies import PolicyStatus
from handlers.shared import policy_words
from handlers.shared.digest_words import (
    after_reading,
    construct_text,
    digest_title,
    method_note,
    support_text,
    theme_line,
    themes_footnote,
    themes_heading,
)
from handlers.shared.digest_words import (
    decline_text as _decline_text,
)
from handlers.shared.digest_words import (
    evidence_text as _evidence_text,
)
from handlers.shared.digest_words import (
    open_action_text as _open_action_text,
)
from handlers.shared.digest_words import (
    pct as _pct,
)
from handlers.shared.digest_words import (
    pts as _pts,
)
from handlers.shared.digest_words import (
    reading as _reading,
)
from handlers.shared.digest_words import (
    verdict as _verdict,
)
from handlers.teams.cards.card import CARD_LIMIT, card, lines, note, opens_dialog, size, text
from handlers.teams.cards.improvement import ADOPT, CLOSE, UPDATE, adopt_data
from handlers.teams.cards.markup import inert, linked

DIGEST_OPEN_ACTIONS = 10  # the soonest due, as on Slack
# Room left in a card for its wrapper and the part number in its fallback (of Teams' 28 KB).
CARD_BUDGET = CARD_LIMIT - 1024

Element = dict[str, Any]


def _said(words: str, limit: int | None = None) -> Element:
    """Someone's own words as one inert TextBlock: no markup of theirs is read as ours."""
    shown = " ".join(words.split())
    if limit is not None and len(shown) > limit:
        shown = shown[: limit - 1].rstrip() + "…"
    return {
        "type": "TextBlock",
        "text": f"“{inert(shown)}”",
        "wrap": True,
        "spacing": "none",
        "isSubtle": True,
    }


def _heading(words: str) -> Element:
    return text(words, separator=True, spacing="medium")


def _declines(report: DigestReport) -> list[Element]:
    if not report.declines:
        return []
    return [
        *lines(
            _("*“Prefer not to say”* on sensitive questions (latest closed round that asked each)")
            + "\n"
            + "\n".join(_decline_text(line, report.k, quote=inert) for line in report.declines)
        ),
        note(
            _(
                "Declines are counted apart: they are not answers, and no share, mean, trend or test above "
                "includes them. Someone who only declined still counts as having taken part."
            )
        ),
    ]


def _chart_words(report: DigestReport) -> list[Element]:
    """The chart in words, before the chart itself (the same figures, none the chart withholds)."""
    if not report.chart_text:
        return [note(":chart_with_upwards_trend: " + _("The chart of the last rounds is attached below."))]
    intro, *rest = (inert(line) for line in report.chart_text)
    return [
        text(_("*The chart in words* :chart_with_upwards_trend: (the chart is attached below)")),
        text(intro, spacing="none"),
        *[text(f"• {line}", spacing="none") for line in rest],
    ]


def _themes(report: DigestReport) -> list[Element]:
    heading, shown = themes_heading(report)
    if not shown:
        return [_heading(heading)]
    out = [_heading(heading)]
    for theme, summary in report.themes.themes.items():
        if isinstance(summary, Suppressed):
            continue  # not named: a withheld theme's name would say what a few people wrote
        assert isinstance(summary, ThemeSummary)
        out.append(text(theme_line(theme, summary, quote=inert)))
        out += [_said(q, QUOTE_CHARS) for q in summary.quotes]
    out.append(note(themes_footnote(report.k)))
    return out


def _suggestions(report: DigestReport) -> list[Element]:
    if not report.suggestions:
        return [
            _heading(_("*Suggested improvements* — nothing in this week's figures calls for a new practice."))
        ]
    out = [_heading(_("*Suggested improvements* (from the evidence-based playbook)"))]
    for i, suggestion in enumerate(report.suggestions):
        p = suggestion.practice
        title = _(p.title)
        out += lines(
            f"*{i + 1}. {title}*\n{_(p.action)}\n"
            + _("_Why:_ {why}").format(why=_(p.rationale))
            + "\n"
            + _("_Triggered by:_ {evidence}").format(evidence=_evidence_text(suggestion.evidence))
        )
        out.append(note(_("Source: {source}").format(source=p.source)))
        # "": the practice has no survey measure, so the dialog preselects none (as on Slack).
        construct = report.construct_for_practice.get(p.id, "")
        adopt = opens_dialog(_("Adopt as action"), ADOPT, **adopt_data(p.id, construct, title))
        out.append({"type": "ActionSet", "actions": [{**adopt, "style": "positive"}]})
    return out


def _actions(report: DigestReport) -> list[Element]:
    if not report.open_actions and not report.closed_actions:
        return [_heading(_("*Actions* — none adopted yet. Adopt a suggestion above to track its effect."))]
    out = [_heading(_("*Actions*"))]
    today = report.generated_at.date()
    for action in report.open_actions[:DIGEST_OPEN_ACTIONS]:
        out += lines(
            _open_action_text(
                action,
                today=today,
                title=inert(action.title),
                progress=inert(action.progress_note) if action.progress_note else None,
            )
        )
        buttons = [
            opens_dialog(_("Update"), UPDATE, a=action.id),
            opens_dialog(_("Close"), CLOSE, a=action.id),
        ]
        out.append({"type": "ActionSet", "actions": buttons})
    if (more := len(report.open_actions) - DIGEST_OPEN_ACTIONS) > 0:
        out.append(
            note(
                ngettext(
                    "{n} more open action: `/pulse actions` pages through them all.",
                    "{n} more open actions: `/pulse actions` pages through them all.",
                    more,
                ).format(n=more)
            )
        )
    for action in report.closed_actions:
        closed = format_day(action.closed_at.date()) if action.closed_at else "?"
        out += lines(
            ":checkered_flag: "
            + _("*{title}* (closed {closed})").format(title=inert(action.title), closed=closed)
            + "\n"
            + _("{measure}: before {before} → after {after}").format(
                measure=label_of(action.construct_id),
                before=_reading(action.before_value, action.before_low, action.before_high),
                after=after_reading(action),
            )
            + _verdict(report.action_verdicts.get(action.id))
        )
    return out


def policy_line(status: PolicyStatus) -> str:
    """One policy, its owner and when its review is due, in a line (a link where the policy has one)."""
    return policy_words.policy_line(status, name=linked(status.policy.name, status.policy.link))


def _policies(report: DigestReport) -> list[Element]:
    if not report.policies:
        return [_heading(_("*Policy reviews* — the register is empty; `/pulse policies` adds policies."))]
    due = [s for s in report.policies if s.state in ("due", "overdue")]
    if not due:
        return [
            _heading(
                _("*Policy reviews* — none due in the next 30 days ({n} in the register).").format(
                    n=len(report.policies)
                )
            )
        ]
    return [
        _heading(_("*Policy reviews due or overdue*")),
        *[text(f"• {policy_line(s)}", spacing="none") for s in due],
    ]


def _participation(report: DigestReport) -> str:
    p = report.participation
    if isinstance(p.rate, float) and not isinstance(p.answered, Suppressed):
        words = (
            _("*Participation* — latest round: at least {answered} of {invited} answered (at least {rate})")
            if p.at_least
            else _("*Participation* — latest round: {answered} of {invited} answered ({rate})")
        ).format(answered=p.answered, invited=p.invited, rate=_pct(p.rate))
        if isinstance(p.change_vs_last, float):
            words += " · " + _("{change} on last round").format(change=_pts(p.change_vs_last))
        if isinstance(p.change_vs_average, float):
            words += " · " + _("{change} on the {n}-round average").format(
                change=_pts(p.change_vs_average), n=p.rounds_in_average
            )
        return words
    if p.invited:
        return _(
            "*Participation* — {invited} invited; fewer than {k} answered, so nothing more is shown"
        ).format(invited=p.invited, k=report.k)
    return _("*Participation* — no closed pulse round yet")


def digest_elements(report: DigestReport, *, chart: bool) -> list[Element]:
    """Every element of the digest, in the Slack digest's reading order; `chart`: the chart follows."""
    out: list[Element] = [
        text(digest_title(report), size="large", weight="bolder"),
        # Only what holds: the digest promises no small group's answers show, nothing about differences.
        note(
            ":lock: "
            + _(
                "Figures from fewer than {k} people are withheld, so no figure shows how fewer than "
                "{k} people answered. Closed rounds only."
            ).format(k=report.k)
        ),
        text(_participation(report)),
        _heading(_("*How the program is doing* (favourable = the good end of each scale)")),
    ]
    for line in report.constructs:
        out += lines(construct_text(line, report.k))
    out.append(note(method_note(report)))
    out += _declines(report)
    if chart:
        out += _chart_words(report)
    out += [_heading(_("*Peer-support activity*")), *lines(support_text(report.support, report.k))]
    out += _themes(report)
    out += _suggestions(report)
    out += _actions(report)
    out += _policies(report)
    return out


def split_cards(elements: list[Element], *, title: str, budget: int = CARD_BUDGET) -> list[dict[str, Any]]:
    """Elements as cards of at most `budget` bytes each, in order; more than one says "(i/n)"."""
    bodies: list[list[Element]] = [[]]
    used = 0
    for element in elements:
        cost = size(element) + 1
        if bodies[-1] and used + cost > budget:
            bodies.append([])
            used = 0
        bodies[-1].append(element)
        used += cost
    if len(bodies) == 1:
        return [card(bodies[0], fallback=title)]
    return [card(body, fallback=f"{title} ({i}/{len(bodies)})") for i, body in enumerate(bodies, start=1)]


def build_digest_cards(report: DigestReport, *, chart: bool | None = None) -> list[dict[str, Any]]:
    """The digest as one or more cards, each within Teams' 28 KB (one card per message)."""
    shown = bool(report.chart_png) if chart is None else chart
    return split_cards(digest_elements(report, chart=shown), title=digest_title(report))


def digest_view_cards(view: DigestView) -> list[dict[str, Any]]:
    """Every card of a queued digest (each of its rows posts the one of its part)."""
    return build_digest_cards(view.report, chart=view.chart_follows)


# Teams refuses a card over 28 KB, and a data: URL counts: a chart rendered for Slack (often ~40 KB
# of PNG, ~52 KB as base64) is redrawn with fewer colours, then smaller, until its card fits.
_COLOURS = (256, 64, 16)


def _png_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _fewer_colours(png: bytes) -> list[bytes]:
    """The same chart with a palette of fewer colours, then at smaller sizes: smallest last."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = []
    for scale in (1.0, 0.75, 0.5):
        sized = image if scale == 1.0 else image.resize((int(image.width * scale), int(image.height * scale)))
        for colours in _COLOURS:
            buffer = io.BytesIO()
            sized.quantize(colors=colours).save(buffer, "PNG", optimize=True)
            out.append(buffer.getvalue())
    return out


def build_chart_card(chart: DigestChart, *, limit: int = CARD_LIMIT) -> dict[str, Any]:
    """The chart as an inline image in a card within Teams' 28 KB, with its alt text and caption."""

    def drawn(png: bytes) -> dict[str, Any]:
        image: Element = {"type": "Image", "url": _png_url(png), "altText": chart.alt_text or chart.title}
        return card([text(chart.title, weight="bolder"), image, note(chart.caption)], fallback=chart.caption)

    content = drawn(chart.png)
    if size(content) < limit:
        return content
    for smaller in _fewer_colours(chart.png):
        content = drawn(smaller)
        if size(content) < limit:
            return content
    # Not even the smallest fits (never seen): the card says what the chart shows, without it.
    return card(
        [text(chart.title, weight="bolder"), note(chart.alt_text or chart.caption)], fallback=chart.caption
    )
