"""The digest chart: each construct over recent rounds with 95% CI error bars, as PNG bytes."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from bot.errors import InvalidInput
from bot.insights.anonymity import Suppressed
from bot.insights.stats import LIKERT_5, Estimate, Scale

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_WIDTH_IN, _HEIGHT_IN, _DPI = 8.0, 4.8, 100
# Constructs are nudged apart horizontally so overlapping error bars stay readable.
_DODGE = 0.07


def render_constructs_chart(
    series: Mapping[str, Sequence[Estimate | Suppressed | None]],
    *,
    round_labels: Sequence[str],
    metric: Literal["favourable", "mean"] = "favourable",
    scale: Scale = LIKERT_5,
    title: str | None = None,
) -> bytes:
    """Render construct → per-round estimates (oldest first) as a PNG; withheld rounds are gaps.

    With metric "favourable" values are shares 0..1 drawn on a 0–100% axis; with "mean" they are
    means drawn on the scale's own range.
    """
    # Imported here so importing bot.insights stays cheap; Figure + FigureCanvasAgg draw without
    # pyplot, so no global backend is chosen and nothing leaks between renders.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = _build_figure(series, round_labels=round_labels, metric=metric, scale=scale, title=title)
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
    for offset, (name, points) in zip(offsets, series.items(), strict=True):
        xs = [i + offset for i in range(rounds)]
        # NaN breaks the line, which is exactly the gap a withheld round should leave.
        ys = [p.value * factor if isinstance(p, Estimate) and _drawable(p) else math.nan for p in points]
        (line,) = axes.plot(xs, ys, marker="o", markersize=4, linewidth=1.6, label=name)
        shown = [(x, p) for x, p in zip(xs, points, strict=True) if isinstance(p, Estimate) and _drawable(p)]
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
                ecolor=line.get_color(),
                elinewidth=1.0,
                capsize=3,
                alpha=0.7,
            )

    axes.set_xticks(range(rounds), list(round_labels))
    axes.set_xlim(-0.5, max(rounds, 1) - 0.5)
    axes.set_xlabel("Survey round")
    if metric == "favourable":
        axes.set_ylim(0, 100)
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
        axes.set_ylabel(
            "Favourable answers"
            if scale.high <= 5
            else f"Favourable answers ({scale.favourable_from}–{scale.high})"
        )
        default_title = "Favourable answers by round"
    else:
        axes.set_ylim(scale.low, scale.high)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel(f"Mean answer ({scale.low}–{scale.high})")
        default_title = "Mean answer by round"
    axes.grid(axis="y", alpha=0.3)
    axes.set_title(title or default_title, fontsize=13, loc="left")
    # Beside the plot, under the legend: inside the axes' layout box, so nothing overlaps it.
    axes.text(
        1.02,
        0.0,
        "Bars: 95% confidence interval.\nGaps: too few answers to show.",
        transform=axes.transAxes,
        fontsize=8,
        color="0.35",
        verticalalignment="bottom",
    )
    if not any(_drawable(p) for points in series.values() for p in points):
        axes.text(
            0.5,
            0.5,
            "Not enough answers to chart yet",
            transform=axes.transAxes,
            horizontalalignment="center",
            color="0.35",
        )
    if series:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)

    return figure


def _drawable(point: Estimate | Suppressed | None) -> bool:
    """An estimate whose value and bounds are finite numbers (anything else is drawn as a gap)."""
    return isinstance(point, Estimate) and all(math.isfinite(v) for v in (point.value, point.low, point.high))
