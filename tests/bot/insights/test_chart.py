"""The digest chart renders PNG bytes quickly, tells its lines apart without colour, and keys its gaps truly."""

from __future__ import annotations

import struct
import time

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from bot.errors import InvalidInput
from bot.insights import (
    LIKERT_5,
    SUPPRESSED,
    Estimate,
    LikertSummary,
    Suppressed,
    render_constructs_chart,
    summarize_likert,
)
from bot.insights.chart import _build_figure
from bot.measures import CONSTRUCT_LABELS

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


def _figure(
    series: dict[str, list[Estimate | Suppressed | None]], labels: list[str], *, k: int | None = None
) -> Axes:
    figure = _build_figure(
        series, round_labels=labels, metric="favourable", scale=LIKERT_5, title=None, min_group_size=k
    )
    (axes,) = figure.axes
    return axes


def _series_lines(axes: Axes) -> dict[str, Line2D]:
    return {
        str(line.get_gid()).removeprefix("series:"): line
        for line in axes.get_lines()
        if str(line.get_gid()).startswith("series:")
    }


def _style(line: Line2D) -> tuple[str, object]:
    # get_linestyle() says "--" for every custom dash pattern; the pattern itself tells them apart.
    return str(line.get_linestyle()), line._unscaled_dash_pattern  # type: ignore[attr-defined]


def _key(axes: Axes) -> str:
    return next(t.get_text() for t in axes.texts if t.get_text().startswith("Bars:")).replace("\n", " ")


def test_seven_constructs_differ_in_marker_and_in_line_style_not_only_colour() -> None:
    labels = list(CONSTRUCT_LABELS.values())
    series: dict[str, list[Estimate | Suppressed | None]] = {
        name: [Estimate(0.3 + 0.05 * i, 0.2, 0.8)] * 3 for i, name in enumerate(labels)
    }
    axes = _figure(series, ["a", "b", "c"])
    lines = _series_lines(axes)
    assert list(lines) == labels
    markers = [line.get_marker() for line in lines.values()]
    styles = [_style(line) for line in lines.values()]
    assert len(set(markers)) == len(labels)
    assert len(set(styles)) == len(labels)
    assert "None" not in markers and "" not in markers
    # The legend's handles carry the same marker and dash pattern, long enough to see.
    legend = axes.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == labels
    handles = [h for h in legend.legend_handles if isinstance(h, Line2D)]
    assert [h.get_marker() for h in handles] == markers
    assert [_style(h) for h in handles] == styles
    assert legend.handlelength is not None and legend.handlelength >= 3


def test_more_constructs_than_styles_still_pair_marker_and_style_uniquely() -> None:
    series: dict[str, list[Estimate | Suppressed | None]] = {
        f"Construct {i}": [Estimate(0.5, 0.4, 0.6)] * 2 for i in range(12)
    }
    lines = _series_lines(_figure(series, ["a", "b"]))
    pairs = [(line.get_marker(), _style(line)) for line in lines.values()]
    assert len(set(pairs)) == 12
    for i, a in enumerate(pairs):
        for b in pairs[i + 1 :]:
            assert a[0] != b[0] or a[1] != b[1]


def test_too_few_answers_alone_is_keyed_as_such() -> None:
    shown = Estimate(0.5, 0.4, 0.6)
    axes = _figure({"Trust": [shown, SUPPRESSED, shown]}, ["a", "b", "c"], k=5)
    assert "Missing point: too few answers to show (fewer than 5 people)." in _key(axes)
    assert "not asked" not in _key(axes)
    # A withheld round breaks the line and is never linked across.
    assert not [line for line in axes.get_lines() if str(line.get_gid()).startswith("not-asked:")]


def test_a_rotating_question_is_linked_across_and_never_called_too_few_answers() -> None:
    shown = Estimate(0.5, 0.4, 0.6)
    axes = _figure({"Leaders act": [shown, None, shown, None, shown]}, ["a", "b", "c", "d", "e"], k=5)
    key = _key(axes)
    assert "Dotted link: not asked that round." in key
    assert "too few" not in key
    links = [line for line in axes.get_lines() if line.get_gid() == "not-asked:Leaders act"]
    assert len(links) == 2
    series_x = np.asarray(_series_lines(axes)["Leaders act"].get_xdata(), dtype=float).tolist()
    assert [np.asarray(link.get_xdata(), dtype=float).tolist() for link in links] == [
        [series_x[0], series_x[2]],
        [series_x[2], series_x[4]],
    ]


def test_a_question_not_asked_in_the_latest_round_is_keyed_as_missing_not_too_few() -> None:
    shown = Estimate(0.5, 0.4, 0.6)
    key = _key(_figure({"Leaders act": [shown, shown, None]}, ["a", "b", "c"]))
    assert "Missing point: not asked that round." in key
    assert "too few" not in key


def test_both_kinds_of_gap_get_a_key_true_for_each() -> None:
    shown = Estimate(0.5, 0.4, 0.6)
    series: dict[str, list[Estimate | Suppressed | None]] = {
        "Trust": [shown, SUPPRESSED, shown, shown],
        "Leaders act": [shown, None, shown, None],
    }
    key = _key(_figure(series, ["a", "b", "c", "d"], k=5))
    assert "Dotted link: not asked that round." in key
    # The last round of "Leaders act" is missing with nothing to link to, like the withheld one.
    assert "Missing point: too few answers to show (fewer than 5 people), or not asked that round." in key


@pytest.mark.parametrize(("counts", "favourable"), [({1: 5}, 0.0), ({5: 13}, 1.0)])
def test_a_unanimous_construct_still_draws_with_its_interval(
    counts: dict[int, int], favourable: float
) -> None:
    summary = summarize_likert(counts, k=5)
    assert isinstance(summary, LikertSummary)
    assert summary.favourable.value == favourable
    # Rounding can leave a Wilson bound a hair past its estimate; that once made a negative bar.
    low, high = summary.favourable.low, summary.favourable.high
    nudged = Estimate(favourable, 1e-17, high) if favourable == 0.0 else Estimate(favourable, low, 1 - 1e-16)
    assert nudged.low > nudged.value or nudged.high < nudged.value
    series: dict[str, list[Estimate | Suppressed | None]] = {
        "Unanimous": [summary.favourable, nudged, summary.favourable]
    }
    axes = _figure(series, ["a", "b", "c"])
    ys = np.asarray(_series_lines(axes)["Unanimous"].get_ydata(), dtype=float)
    assert list(ys) == [favourable * 100] * 3
    (bars,) = axes.collections
    assert isinstance(bars, LineCollection)
    assert len(bars.get_segments()) == 3
    assert render_constructs_chart(series, round_labels=["a", "b", "c"]).startswith(_PNG_SIGNATURE)
