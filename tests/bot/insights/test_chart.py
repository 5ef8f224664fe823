"""The digest chart renders PNG bytes quickly, with withheld rounds as gaps."""

from __future__ import annotations

import struct
import time

import numpy as np
import pytest
from matplotlib.collections import LineCollection

from bot.errors import InvalidInput
from bot.insights import LIKERT_5, SUPPRESSED, Estimate, Suppressed, render_constructs_chart
from bot.insights.chart import _build_figure

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CONSTRUCTS = [
    "Psychological safety",
    "Confidence to report",
    "Trust in confidentiality",
    "Access to supporters",
    "Leadership response",
    "Training quality",
]
_LABELS = [f"Wk {week}" for week in range(40, 48)]


def _series(metric_low: float, metric_step: float) -> dict[str, list[Estimate | Suppressed]]:
    series: dict[str, list[Estimate | Suppressed]] = {}
    for i, name in enumerate(_CONSTRUCTS):
        points: list[Estimate | Suppressed] = []
        for r in range(len(_LABELS)):
            if (i + r) % 7 == 3:
                points.append(SUPPRESSED)
                continue
            value = metric_low + metric_step * (i + r)
            points.append(Estimate(value, value - metric_step * 3, value + metric_step * 3))
        series[name] = points
    return series


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(_PNG_SIGNATURE)
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_favourable_chart_is_a_png_of_plausible_size() -> None:
    png = render_constructs_chart(_series(0.30, 0.02), round_labels=_LABELS)
    assert png.startswith(_PNG_SIGNATURE)
    assert _png_size(png) == (800, 480)
    assert 15_000 < len(png) < 400_000


def test_mean_chart_renders_on_the_answer_scale() -> None:
    png = render_constructs_chart(_series(2.0, 0.1), round_labels=_LABELS, metric="mean")
    assert _png_size(png) == (800, 480)


def test_suppressed_points_leave_gaps_not_values() -> None:
    shown = Estimate(0.5, 0.4, 0.6)
    series: dict[str, list[Estimate | Suppressed | None]] = {"Trust": [shown, SUPPRESSED, shown, None]}
    figure = _build_figure(
        series, round_labels=["a", "b", "c", "d"], metric="favourable", scale=LIKERT_5, title=None
    )
    (axes,) = figure.axes
    line = axes.get_lines()[0]  # the rest are the error bars' caps
    ys = np.asarray(line.get_ydata(), dtype=float)
    assert ys[0] == ys[2] == pytest.approx(50.0)
    assert np.isnan(ys[1])
    assert np.isnan(ys[3])
    # one error bar per shown round, none for the withheld ones
    (bars,) = axes.collections
    assert isinstance(bars, LineCollection)
    assert len(bars.get_segments()) == 2
    assert axes.get_ylim() == (0.0, 100.0)
    legend = axes.get_legend()
    assert legend is not None
    assert [label.get_text() for label in legend.get_texts()] == ["Trust"]


@pytest.mark.parametrize(
    "series",
    [{}, {"Trust": [SUPPRESSED, SUPPRESSED]}, {"Trust": [None, SUPPRESSED]}],
)
def test_nothing_to_show_still_renders(series: dict[str, list[Estimate | Suppressed | None]]) -> None:
    png = render_constructs_chart(series, round_labels=["Wk 1", "Wk 2"])
    assert png.startswith(_PNG_SIGNATURE)


def test_rounds_must_match_labels() -> None:
    with pytest.raises(InvalidInput):
        render_constructs_chart({"Trust": [Estimate(0.5, 0.4, 0.6)]}, round_labels=["a", "b"])


def test_six_constructs_over_eight_rounds_render_quickly() -> None:
    series = _series(0.30, 0.02)
    render_constructs_chart(series, round_labels=_LABELS)  # first call pays for imports and fonts
    started = time.perf_counter()
    render_constructs_chart(series, round_labels=_LABELS)
    # ~0.15 s here; the bound leaves room for a slow CI machine while catching a real regression
    assert time.perf_counter() - started < 1.0
