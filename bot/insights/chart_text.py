"""The digest chart in words: its alt text, its plain-text equivalent and its key to the gaps.

Each reads the same series the chart draws (construct → per-round points, oldest first), so what a
screen reader hears and what the digest's text says are the figures the picture shows and no more:

- an `Estimate` is a figure from at least MIN_GROUP_SIZE people and may be said;
- `Suppressed` is a round whose answers were too few to show: it has no figure to say;
- `None` is a round that did not ask the construct (questions rotate between rounds).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Literal

from bot.i18n import N_, _, ngettext
from bot.insights.anonymity import Suppressed
from bot.insights.stats import LIKERT_5, Estimate, Scale

Point = Estimate | Suppressed | None
Metric = Literal["favourable", "mean"]

# Slack refuses longer alt text (files.getUploadURLExternal answers `alt_txt_too_large`).
ALT_TEXT_LIMIT = 1000

TOO_FEW = N_("too few answers to show")
NOT_ASKED = N_("not asked that round")


def is_shown(point: Point) -> bool:
    """An estimate whose value and bounds are finite numbers: the only points drawn or said."""
    return isinstance(point, Estimate) and all(math.isfinite(v) for v in (point.value, point.low, point.high))


def not_asked_links(points: Sequence[Point]) -> list[tuple[int, int]]:
    """Pairs of shown rounds (i, j) with only not-asked rounds between them: the chart links these."""
    shown = [i for i, p in enumerate(points) if is_shown(p)]
    return [
        (i, j) for i, j in pairwise(shown) if j > i + 1 and all(points[m] is None for m in range(i + 1, j))
    ]


def gap_key(series: Mapping[str, Sequence[Point]], *, min_group_size: int | None = None) -> list[str]:
    """The chart's key to its missing points, true for whichever kinds the series hold."""
    too_few = any(p is not None and not is_shown(p) for ps in series.values() for p in ps)
    linked = unlinked = False
    for points in series.values():
        bridged = {m for i, j in not_asked_links(points) for m in range(i + 1, j)}
        linked = linked or bool(bridged)
        # A not-asked round at either end of a line has nothing to link to: it is just missing.
        unlinked = unlinked or any(p is None and m not in bridged for m, p in enumerate(points))
    too_few_said = _(TOO_FEW)
    if min_group_size:
        too_few_said += " " + _("(fewer than {k} people)").format(k=min_group_size)
    lines = [_("Dotted link: {why}.").format(why=_(NOT_ASKED))] if linked else []
    if too_few and unlinked:
        lines.append(_("Missing point: {why}, or {other}.").format(why=too_few_said, other=_(NOT_ASKED)))
    elif too_few:
        lines.append(_("Missing point: {why}.").format(why=too_few_said))
    elif unlinked:
        lines.append(_("Missing point: {why}.").format(why=_(NOT_ASKED)))
    return lines


def _read(points: Sequence[Point]) -> tuple[int | None, int | None]:
    shown = [i for i, p in enumerate(points) if is_shown(p)]
    return (shown[-1] if shown else None, shown[-2] if len(shown) > 1 else None)


def _value(point: Point, metric: Metric) -> float:
    assert isinstance(point, Estimate)
    # Rounded as it is said, so "up 4 points" is the difference of the two figures a reader hears.
    return round(point.value * 100) if metric == "favourable" else round(point.value, 1)


def _figure(value: float, metric: Metric, scale: Scale) -> str:
    if metric == "favourable":
        return f"{value:.0f}%"
    return _("{value} out of {high}").format(value=f"{value:.1f}", high=scale.high)


def _interval(point: Estimate, metric: Metric) -> str:
    if metric == "favourable":
        low, high = max(0.0, point.low) * 100, min(1.0, point.high) * 100
        return f"{low:.0f}–{high:.0f}%"
    return f"{point.low:.1f}–{point.high:.1f}"


def _change(latest: Point, previous: Point, metric: Metric) -> str:
    diff = _value(latest, metric) - _value(previous, metric)
    if abs(diff) < (0.5 if metric == "favourable" else 0.05):
        return _("the same as")
    if metric == "favourable":
        points = round(abs(diff))
        amount = ngettext("{n} point", "{n} points", points).format(n=points)
    else:
        amount = f"{abs(diff):.1f}"
    return (_("up {amount} from") if diff > 0 else _("down {amount} from")).format(amount=amount)


def _when(label: str) -> str:
    """A round's label as said in a sentence: "on 12 Dec" for a date, "in R3" for a round number."""
    if label[:1] == "R" and label[1:].isdigit():
        return _("in {round}").format(round=label)
    return _("on {day}").format(day=label)


def _status(point: Point) -> str:
    return _("not asked") if point is None else _(TOO_FEW)


def _describe(
    name: str,
    points: Sequence[Point],
    labels: Sequence[str],
    metric: Metric,
    scale: Scale,
    *,
    brief: bool,
) -> str:
    latest, previous = _read(points)
    if latest is None:
        return _("{name}: nothing to show yet").format(name=name)
    head = f"{name} {_figure(_value(points[latest], metric), metric, scale)}"
    if brief:
        if previous is not None:
            diff = _value(points[latest], metric) - _value(points[previous], metric)
            head += (
                " " + _("({change} points)").format(change=f"{diff:+.0f}")
                if metric == "favourable"
                else f" ({diff:+.1f})"
            )
        if latest != len(points) - 1:
            head += f" {_when(labels[latest])}"
        return head
    if latest != len(points) - 1:
        head += f" {_when(labels[latest])} ({_status(points[-1])} {_when(labels[-1])})"
    else:
        head += f" {_when(labels[latest])}"
    if previous is None:
        return head + _(", its first shown round")
    return f"{head}, {_change(points[latest], points[previous], metric)} {labels[previous]}"


def chart_alt_text(
    series: Mapping[str, Sequence[Point]],
    *,
    round_labels: Sequence[str],
    metric: Metric = "favourable",
    scale: Scale = LIKERT_5,
    limit: int = ALT_TEXT_LIMIT,
) -> str:
    """Alt text for the chart: what it plots and each construct's latest shown figure and change.

    Says no figure the chart withholds; stays within `limit` characters (Slack's is 1,000).
    """
    what = (
        _("favourable share")
        if metric == "favourable"
        else _("mean answer ({low}–{high})").format(low=scale.low, high=scale.high)
    )
    span = (
        _("{first} to {last}").format(first=round_labels[0], last=round_labels[-1])
        if len(round_labels) > 1
        else "".join(round_labels)
    )
    rounds = len(round_labels)
    opening = ngettext(
        "Line chart of the {what} by construct over {n} round",
        "Line chart of the {what} by construct over {n} rounds",
        rounds,
    ).format(what=what, n=rounds)
    opening += f", {span}." if span else "."
    if not any(is_shown(p) for ps in series.values() for p in ps):
        return (opening + " " + _("Not enough answers to chart yet."))[:limit]
    attempts = [
        (
            " "
            + _(
                "Bars show 95% confidence intervals. Latest shown figures, with the change since the"
                " previous shown round:"
            )
            + " ",
            False,
        ),
        (" " + _("Latest figures, and change since the previous shown one:") + " ", True),
    ]
    text = ""
    for lead, brief in attempts:
        parts = [_describe(n, ps, round_labels, metric, scale, brief=brief) for n, ps in series.items()]
        text = f"{opening}{lead}{'; '.join(parts)}."
        if len(text) <= limit:
            return text
    # Still too long (many or long construct names): cut at the last whole construct.
    cut = text[: limit - 1].rsplit("; ", 1)[0]
    return cut + "…"


def chart_text_equivalent(
    series: Mapping[str, Sequence[Point]],
    *,
    round_labels: Sequence[str],
    metric: Metric = "favourable",
    scale: Scale = LIKERT_5,
    min_group_size: int | None = None,
    intervals: bool = True,
) -> list[str]:
    """The chart as plain text, one line per construct, oldest round first (plain JSON-able strings).

    Without `intervals` the 95% intervals are left out: about a third shorter, for a tight space.
    """
    if metric == "favourable":
        head = (
            _("Favourable share by construct, oldest round first; 95% interval in brackets.")
            if intervals
            else _("Favourable share by construct, oldest round first.")
        )
    else:
        head = (
            _("Mean answer ({low}–{high}) by construct, oldest round first; 95% interval in brackets.")
            if intervals
            else _("Mean answer ({low}–{high}) by construct, oldest round first.")
        ).format(low=scale.low, high=scale.high)
    lines = [head]
    if not series:
        return [*lines, _("Not enough answers to chart yet.")]
    for name, points in series.items():
        cells = []
        for label, point in zip(round_labels, points, strict=True):
            if isinstance(point, Estimate) and is_shown(point):
                value = _figure(_value(point, metric), metric, scale)
                cells.append(
                    f"{label} {value} ({_interval(point, metric)})" if intervals else f"{label} {value}"
                )
            else:
                cells.append(f"{label} {_status(point)}")
        summary = _describe(name, points, round_labels, metric, scale, brief=False)
        latest = summary.removeprefix(name).strip()
        lines.append(
            _("{name}: {cells}. Latest: {latest}.").format(name=name, cells=" · ".join(cells), latest=latest)
        )
    if min_group_size and any(not is_shown(p) and p is not None for ps in series.values() for p in ps):
        lines.append(
            _("Too few answers to show: fewer than {k} people answered, so no figure is given.").format(
                k=min_group_size
            )
        )
    return lines
