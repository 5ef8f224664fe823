"""The digest chart: each construct over recent rounds with 95% CI error bars, as PNG bytes.

Every line has its own marker and line style as well as its own colour (Okabe–Ito, safe for the
common colour-vision deficiencies), so the legend reads in greyscale too. A round withheld for too
few answers is a missing point; a round that did not ask the construct (questions rotate) is linked
across with a faint dotted line; the key beside the legend says which is which (`gap_key`).
The same series in words: `bot.insights.chart_text` (alt text and the digest's text equivalent).
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from bot.errors import InvalidInput
from bot.i18n import _
from bot.insights.anonymity import Suppressed
from bot.insights.chart_text import gap_key, is_shown, not_asked_links
from bot.insights.stats import LIKERT_5, Estimate, Scale

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_WIDTH_IN, _HEIGHT_IN, _DPI = 8.0, 4.8, 100
# Constructs are nudged apart horizontally so overlapping error bars stay readable.
_DODGE = 0.07
# Okabe & Ito's colour-blind-safe palette (its yellow dropped: too faint on white), each colour
# paired with a marker and a line style of its own so no two lines differ by colour alone.
_COLOURS = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p")
_LINESTYLES: tuple[str | tuple[float, tuple[float, ...]], ...] = (
    "-",
    (0, (6, 2)),
    (0, (6, 2, 1.5, 2)),
    (0, (3, 1, 1, 1, 1, 1)),
    (0, (10, 2, 2, 2, 2, 2)),
    (0, (4, 1.5, 4, 1.5, 1, 1.5)),
    (0, (12, 3)),
)
# What fits beside the plot at the key's font size.
_KEY_CHARS = 46
# Thinner and sparser than any series' own style: the link across a round that did not ask.
_NOT_ASKED_STYLE = (0, (1, 3))


def render_constructs_chart(
    series: Mapping[str, Sequence[Estimate | Suppressed | None]],
    *,
    round_labels: Sequence[str],
    metric: Literal["favourable", "mean"] = "favourable",
    scale: Scale = LIKERT_5,
    title: str | None = None,
    min_group_size: int | None = None,
) -> bytes:
    """Render construct → per-round estimates (oldest first) as a PNG; withheld rounds are gaps.

    A point is an `Estimate`, `Suppressed` (too few answers: a missing point) or None (the round
    did not ask the construct: linked across). With metric "favourable" values are shares 0..1
    drawn on a 0–100% axis; with "mean" they are means drawn on the scale's own range.
    `min_group_size`, when given, is named in the key ("fewer than 5 people").
    """
    # Imported here so importing bot.insights stays cheap; Figure + FigureCanvasAgg draw without
    # pyplot, so no global backend is chosen and nothing leaks between renders.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = _build_figure(
        series,
        round_labels=round_labels,
        metric=metric,
        scale=scale,
        title=title,
        min_group_size=min_group_size,
    )
    FigureCanvasAgg(figure)  # attaches itself as figure.canvas, so savefig renders with Agg
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _build_figure(
    series: Mapping[str, Sequence[Estimate | Suppressed | None]],
    *,
    round_labels: Sequence[str],
    metric: Literal["favourable", "mean"],
    scale: Scale,
    title: str | None,
    min_group_size: int | None = None,
) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    rounds = len(round_labels)
    for name, points in series.items():
        if len(points) != rounds:
            raise InvalidInput(
                f"construct {name!r} has {len(points)} rounds but there are {rounds} round labels"
            )
    factor = 100.0 if metric == "favourable" else 1.0

    # Fixed margins rather than a constrained layout: the layout solver was half the chart's cost.
    figure = Figure(figsize=(_WIDTH_IN, _HEIGHT_IN), dpi=_DPI)
    figure.subplots_adjust(left=0.1, right=0.62, top=0.9, bottom=0.12)
    axes = figure.add_subplot()
    offsets = [(i - (len(series) - 1) / 2) * _DODGE for i in range(len(series))]
    handles = []
    for index, (offset, (name, points)) in enumerate(zip(offsets, series.items(), strict=True)):
        colour = _COLOURS[index % len(_COLOURS)]
        # Markers alone stay distinct up to 12 lines (the bank has 7 numeric constructs).
        marker = _MARKERS[index % len(_MARKERS)]
        linestyle = _LINESTYLES[index % len(_LINESTYLES)]
        xs = [i + offset for i in range(rounds)]
        # NaN breaks the line, which is exactly the gap a withheld round should leave.
        ys = [p.value * factor if isinstance(p, Estimate) and is_shown(p) else math.nan for p in points]
        (line,) = axes.plot(
            xs,
            ys,
            color=colour,
            marker=marker,
            markersize=7,
            markeredgecolor="white",
            markeredgewidth=0.6,
            linestyle=linestyle,
            linewidth=1.8,
            label=name,
            gid=f"series:{name}",
            # A construct at 0% or 100% sits on the axis; its markers should not be cut in half.
            clip_on=False,
            zorder=3,
        )
        handles.append(line)
        for i, j in not_asked_links(points):
            axes.plot(
                [xs[i], xs[j]],
                [ys[i], ys[j]],
                color=colour,
                linestyle=_NOT_ASKED_STYLE,
                linewidth=1.0,
                alpha=0.8,
                gid=f"not-asked:{name}",
            )
        shown = [(x, p) for x, p in zip(xs, points, strict=True) if isinstance(p, Estimate) and is_shown(p)]
        if shown:
            axes.errorbar(
                [x for x, _ in shown],
                [p.value * factor for _, p in shown],
                # matplotlib refuses a negative error bar outright (ValueError), so an interval that
                # rounding left a hair on the wrong side of its estimate draws as no bar, not no digest.
                yerr=[
                    [max(0.0, (p.value - p.low) * factor) for _, p in shown],
                    [max(0.0, (p.high - p.value) * factor) for _, p in shown],
                ],
                fmt="none",
                ecolor=colour,
                elinewidth=1.0,
                capsize=3,
                alpha=0.7,
            )

    axes.set_xticks(range(rounds), list(round_labels))
    axes.set_xlim(-0.5, max(rounds, 1) - 0.5)
    axes.set_xlabel(_("Survey round"))
    if metric == "favourable":
        axes.set_ylim(0, 100)
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
        axes.set_ylabel(
            _("Favourable answers")
            if scale.high <= 5
            else _("Favourable answers ({low}–{high})").format(low=scale.favourable_from, high=scale.high)
        )
        default_title = _("Favourable answers by round")
    else:
        axes.set_ylim(scale.low, scale.high)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel(_("Mean answer ({low}–{high})").format(low=scale.low, high=scale.high))
        default_title = _("Mean answer by round")
    axes.grid(axis="y", alpha=0.3)
    axes.set_title(title or default_title, fontsize=13, loc="left")
    # Beside the plot, under the legend: inside the axes' layout box, so nothing overlaps it.
    axes.text(
        1.02,
        0.0,
        "\n".join(
            textwrap.fill(line, width=_KEY_CHARS)
            for line in [_("Bars: 95% confidence interval."), *gap_key(series, min_group_size=min_group_size)]
        ),
        transform=axes.transAxes,
        fontsize=8,
        color="0.35",
        verticalalignment="bottom",
    )
    if not any(is_shown(p) for points in series.values() for p in points):
        axes.text(
            0.5,
            0.5,
            _("Not enough answers to chart yet"),
            transform=axes.transAxes,
            horizontalalignment="center",
            color="0.35",
        )
    if series:
        # Long handles so each line's dash pattern shows in the key, not just its marker.
        axes.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            fontsize=9,
            handlelength=4.0,
        )

    return figure
