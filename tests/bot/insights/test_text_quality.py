"""Theme and sentiment quality on the held-out labelled comments, against issue 14's goals."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
import yaml

from bench.insight import text_quality as tq
from bot.insights import THEMES

CATEGORIES = {"suggestion", "concern", "praise", "other"}


@pytest.fixture(scope="module")
def heldout() -> tq.Quality:
    return tq.evaluate(tq.load_labelled("heldout"))


@pytest.fixture(scope="module")
def fresh() -> tq.Quality:
    return tq.evaluate(tq.load_labelled("fresh"))


@pytest.fixture(scope="module")
def new() -> tq.Quality:
    return tq.evaluate(tq.load_labelled("new"))


def test_the_labelled_set_is_large_varied_and_split() -> None:
    data = yaml.safe_load(tq.DATA.read_text(encoding="utf-8"))
    rows = [row for rows in data.values() for row in rows]
    texts = [row["text"] for row in rows]
    assert len(rows) >= 300
    assert len(tq.load_labelled("heldout")) >= len(rows) / 3
    assert not [text for text, n in Counter(texts).items() if n > 1], "a comment appears twice"
    for row in rows:
        assert set(row["themes"]) <= set(THEMES) and row["themes"], row
        assert "other" not in row["themes"] or row["themes"] == ["other"], row
        assert row["sentiment"] in tq.SENTIMENTS, row
        assert row["source"] in {"pulse", "feedback"}, row
        assert (row.get("category") in CATEGORIES) == (row["source"] == "feedback"), row
    # every theme, every sentiment and some non-English comments are in the held-out part
    items = tq.load_labelled("heldout")
    assert {t for item in items for t in item.themes} == set(THEMES)
    assert {item.sentiment for item in items} == set(tq.SENTIMENTS)
    assert sum(any(ch in item.text for ch in "äöüßéèàçñáíóú¿") for item in items) >= 10


def _assert_same_model(shipped: dict[str, Any], trained: dict[str, Any]) -> None:
    assert shipped["outputs"] == trained["outputs"]
    # L-BFGS in another BLAS may differ in the last rounded digit, never by more.
    assert set(shipped["weights"]) ^ set(trained["weights"]) <= {
        f for f, row in {**shipped["weights"], **trained["weights"]}.items() if max(map(abs, row)) <= 0.002
    }
    for feature in set(shipped["weights"]) & set(trained["weights"]):
        assert shipped["weights"][feature] == pytest.approx(trained["weights"][feature], abs=0.002)
    assert shipped["bias"] == pytest.approx(trained["bias"], abs=0.002)


def test_the_shipped_theme_model_is_trained_on_the_tuning_splits_only() -> None:
    shipped = json.loads(tq.MODEL_PATH.read_text(encoding="utf-8"))
    _assert_same_model(shipped, json.loads(json.dumps(tq.tuning_model())))


def test_the_shipped_sentiment_model_is_trained_on_the_tuning_splits_only() -> None:
    shipped = json.loads(tq.SENTIMENT_MODEL_PATH.read_text(encoding="utf-8"))
    _assert_same_model(shipped, json.loads(json.dumps(tq.tuning_sentiment_model())))


def test_heldout_other_share_is_within_five_points_of_the_truth(heldout: tq.Quality) -> None:
    assert heldout.other_gap <= tq.GOAL_OTHER_GAP


def test_heldout_sentiment_meets_the_goals(heldout: tq.Quality) -> None:
    assert heldout.agreement >= tq.GOAL_AGREEMENT
    assert heldout.negative_recall >= tq.GOAL_NEGATIVE_RECALL


def test_heldout_theme_macro_f1_does_not_regress(heldout: tq.Quality) -> None:
    # 0.846 on all three held-out batches when written with the theme model (0.824 with the naive
    # Bayes fallback, 0.702 with the keyword rules and stock VADER before issue 14).
    assert heldout.macro_f1 >= 0.83


def test_the_freshest_batch_does_not_regress(fresh: tq.Quality) -> None:
    # The batch written last, after every rule was settled: the fairest test of new phrasings.
    # When written: macro-F1 0.857, Other 18.8% vs 19.4%, agreement 77%, negative recall 0.80
    # (macro-F1 0.82 with the naive Bayes fallback; 0.78, 70% and 0.68 before the sentiment model).
    assert fresh.other_gap <= tq.GOAL_OTHER_GAP
    assert fresh.agreement >= 0.74
    assert fresh.negative_recall >= 0.75


def test_the_batch_written_before_the_sentiment_model_meets_the_sentiment_goals(new: tq.Quality) -> None:
    # heldout_new, written before any change of this round and never tuned on.
    assert new.agreement >= tq.GOAL_AGREEMENT
    assert new.negative_recall >= tq.GOAL_NEGATIVE_RECALL
    assert new.other_gap <= tq.GOAL_OTHER_GAP


def test_the_newest_batch_theme_macro_f1_does_not_regress(new: tq.Quality) -> None:
    # 0.800 when written with the theme model (0.771 with the naive Bayes fallback).
    assert new.macro_f1 >= 0.78


@pytest.mark.xfail(
    strict=True, reason="issue 14 goal not reached yet: held-out macro-F1 0.846 < 0.85 (heldout_new 0.800)"
)
def test_heldout_theme_macro_f1_meets_the_goal(heldout: tq.Quality) -> None:
    assert heldout.macro_f1 >= tq.GOAL_MACRO_F1


def test_the_freshest_batch_meets_every_goal(fresh: tq.Quality) -> None:
    assert fresh.macro_f1 >= tq.GOAL_MACRO_F1
    assert fresh.agreement >= tq.GOAL_AGREEMENT
    assert fresh.negative_recall >= tq.GOAL_NEGATIVE_RECALL


def test_the_bench_prints_each_figure_next_to_its_goal(capsys: pytest.CaptureFixture[str]) -> None:
    assert tq.main([]) == 0
    out = capsys.readouterr().out
    for figure in ("themes macro-F1", '"Other" share', "sentiment agreement", "negative recall"):
        assert figure in out
    assert out.count("| verdict |") == 4  # all held-out, then each held-out batch alone
