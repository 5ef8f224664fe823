"""The chart in words: alt text and text equivalent say every construct and no withheld figure."""

from __future__ import annotations

import re

import numpy as np

from bot.insights import LIKERT_5, SUPPRESSED, Estimate, LikertSummary, Suppressed, summarize_likert
from bot.insights.chart_text import ALT_TEXT_LIMIT, chart_alt_text, chart_text_equivalent
from bot.measures import CONSTRUCT_LABELS

Series = dict[str, list[Estimate | Suppressed | None]]
_K = 5
_LABELS = ["05 Sep", "19 Sep", "03 Oct", "17 Oct", "31 Oct", "14 Nov", "28 Nov", "12 Dec"]


def _point(favourable: int, unfavourable: int) -> Estimate | Suppressed:
    """A round's favourable share from real counts, summarised as the digest does."""
    summary = summarize_likert({5: favourable, 2: unfavourable}, k=_K)
    return summary.favourable if isinstance(summary, LikertSummary) else summary


def _shown_point(rng: np.random.Generator) -> Estimate:
    """A round of 8..39 answers none of whose figures is 75%, the withheld rounds' share."""
    while True:
        n = int(rng.integers(8, 40))
        favourable = int(rng.integers(0, n + 1))
        point = _point(favourable, n - favourable)
        assert isinstance(point, Estimate)
        if 75 not in {round(v * 100) for v in (point.value, max(point.low, 0), min(point.high, 1))}:
            return point


def _digest_like() -> Series:
    """Every construct the digest charts, with rotating questions and rounds of too few answers."""
    rng = np.random.default_rng(16)
    series: Series = {}
    for c, name in enumerate(CONSTRUCT_LABELS.values()):
        points: list[Estimate | Suppressed | None] = []
        for r in range(len(_LABELS)):
            if c in (4, 5) and (r + c) % 2 == 0:
                points.append(None)  # asked every other round
            elif (r + c) % 5 == 0:
                points.append(_point(3, 1))  # 4 answers, all but one favourable: withheld
            else:
                points.append(_shown_point(rng))
        series[name] = points
    return series


def _said_percentages(text: str) -> set[int]:
    return {int(m) for m in re.findall(r"(\d+)%", text)}


def test_alt_text_names_every_construct_within_slacks_limit() -> None:
    series = _digest_like()
    alt = chart_alt_text(series, round_labels=_LABELS)
    assert len(alt) <= ALT_TEXT_LIMIT
    assert alt.startswith("Line chart of the favourable share by construct over 8 rounds, 05 Sep to 12 Dec.")
    for name in series:
        assert name in alt


def test_alt_text_says_latest_figure_and_change_from_the_previous_shown_round() -> None:
    series: Series = {
        "Psychological safety": [_point(30, 30), _point(33, 27)],  # 50% then 55%
        "Trust in confidentiality": [_point(40, 20), SUPPRESSED],  # 67%, then too few
        "Leaders act on reports": [_point(12, 12), None],  # 50%, then not asked
    }
    alt = chart_alt_text(series, round_labels=["05 Sep", "19 Sep"])
    assert "Psychological safety 55% on 19 Sep, up 5 points from 05 Sep" in alt
    assert (
        "Trust in confidentiality 67% on 05 Sep (too few answers to show on 19 Sep), its first shown round"
        in alt
    )
    assert "Leaders act on reports 50% on 05 Sep (not asked on 19 Sep)" in alt


def test_no_withheld_figure_is_ever_said() -> None:
    series = _digest_like()
    alt = chart_alt_text(series, round_labels=_LABELS)
    text = "\n".join(chart_text_equivalent(series, round_labels=_LABELS, min_group_size=_K))
    for name, points in series.items():
        shown = {round(p.value * 100) for p in points if isinstance(p, Estimate)}
        bounds = {
            round(v * 100) for p in points if isinstance(p, Estimate) for v in (max(p.low, 0), min(p.high, 1))
        }
        (line,) = [line for line in text.splitlines() if line.startswith(f"{name}:")]
        figures, *_ = line.split(". Latest:")
        assert _said_percentages(figures) <= shown | bounds
        said = re.search(rf"{re.escape(name)} (\d+)%", alt)
        assert said is not None and int(said.group(1)) in shown
    # The withheld rounds are 4 answers, 3 favourable; no shown figure is 75%, so saying it would
    # have to come from a withheld round.
    assert any(isinstance(p, Suppressed) for ps in series.values() for p in ps)
    assert 75 not in _said_percentages(alt)
    assert 75 not in _said_percentages(text)


def test_text_equivalent_says_which_rounds_were_too_few_and_which_were_not_asked() -> None:
    series: Series = {
        "Trust": [_point(30, 30), SUPPRESSED, _point(30, 10)],
        "Leaders act": [None, _point(10, 10), None],
    }
    lines = chart_text_equivalent(series, round_labels=["a1", "a2", "a3"], min_group_size=_K)
    assert lines[0] == "Favourable share by construct, oldest round first; 95% interval in brackets."
    trust, leaders = lines[1], lines[2]
    assert trust.startswith("Trust: a1 50% (")
    assert "a2 too few answers to show" in trust
    assert trust.endswith("Latest: 75% on a3, up 25 points from a1.")
    assert "a1 not asked · a2 50% (" in leaders
    assert "a3 not asked" in leaders
    assert "too few" not in leaders
    assert leaders.endswith("Latest: 50% on a2 (not asked on a3), its first shown round.")
    assert lines[-1] == "Too few answers to show: fewer than 5 people answered, so no figure is given."
    short = chart_text_equivalent(series, round_labels=["a1", "a2", "a3"], intervals=False)
    assert (
        short[1]
        == "Trust: a1 50% · a2 too few answers to show · a3 75%. Latest: 75% on a3, up 25 points from a1."
    )
    assert "(" not in short[1]


def test_mean_metric_is_said_on_the_answer_scale() -> None:
    series: Series = {"Trust": [Estimate(3.42, 3.1, 3.7), Estimate(3.81, 3.5, 4.1)]}
    alt = chart_alt_text(series, round_labels=["R1", "R2"], metric="mean", scale=LIKERT_5)
    assert "Trust 3.8 out of 5 in R2, up 0.4 from R1" in alt
    lines = chart_text_equivalent(series, round_labels=["R1", "R2"], metric="mean")
    assert lines[1].startswith("Trust: R1 3.4 out of 5 (3.1–3.7) · R2 3.8 out of 5 (3.5–4.1).")


def test_nothing_shown_says_so() -> None:
    series: Series = {"Trust": [SUPPRESSED, None]}
    alt = chart_alt_text(series, round_labels=["a", "b"])
    assert alt.endswith("Not enough answers to chart yet.")
    assert "%" not in alt
    assert chart_text_equivalent({}, round_labels=["a", "b"])[-1] == "Not enough answers to chart yet."


def test_many_long_names_shorten_the_alt_text_to_fit() -> None:
    names = [f"A rather long construct name that keeps going, number {i}" for i in range(12)]
    series: Series = {name: [_point(20, 20), _point(25, 15), None] for name in names}
    alt = chart_alt_text(series, round_labels=["a", "b", "c"])
    assert len(alt) <= ALT_TEXT_LIMIT
    assert names[0] in alt
    assert all(name in alt for name in names) or alt.endswith("…")
