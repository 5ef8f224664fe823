"""How the theme model's settings were chosen, on the tuning splits only (never a held-out one).

Run: ``.venv/bin/python bench/insight/theme_select.py``. Two views of each setting, both inside
the tuning comments: the model trained on tune..tune_d and scored on tune_e (the one tuning batch
the keyword rules in themes.yml were never edited against, so the fairest test of rules plus
model), and 5-fold cross-validation over all tuning batches (more comments, but the rules were
written against four of the five batches, so it flatters strong rule bonuses). Prints a Markdown
table; the shipped setting is marked. Takes about a minute.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import yaml

from bench.insight.text_quality import DATA, Labelled, load_labelled
from bot.insights import themes as _themes
from bot.insights.linear import LinearModel

L2S = (0.03, 0.1, 0.3)
RULE_BONUSES = (0.0, 2.0, 3.0, 4.0)
OTHER_BIASES = (0.0, 0.5, 1.0)
FOLDS = 5
_Scored = list[tuple[Labelled, dict[str, float], frozenset[str], frozenset[str]]]


def _train(items: Sequence[Labelled], l2: float) -> LinearModel:
    return _themes.train_theme_model([(i.text, sorted(i.themes), i.category) for i in items], l2=l2)


def _score(model: LinearModel, items: Sequence[Labelled]) -> _Scored:
    return [
        (item, _themes.theme_logits(model, item.text, category=item.category), *_themes.theme_cues(item.text))
        for item in items
    ]


def _without_category(items: Sequence[Labelled]) -> list[Labelled]:
    return [replace(item, category=None) for item in items]


def _macro_f1(scored: _Scored, decision: _themes.ThemeDecision) -> tuple[float, float, float]:
    """Macro-F1 over all themes, predicted and true share of "other"."""
    predicted = [frozenset(decision.themes(logits, strong, weak)) for _, logits, strong, weak in scored]
    truth = [item.themes for item, *_ in scored]
    f1s = []
    for theme in _themes.THEMES:
        tp = sum(theme in p and theme in t for p, t in zip(predicted, truth, strict=True))
        fp = sum(theme in p and theme not in t for p, t in zip(predicted, truth, strict=True))
        fn = sum(theme not in p and theme in t for p, t in zip(predicted, truth, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0)
    other = frozenset({_themes.OTHER})
    return (
        sum(f1s) / len(f1s),
        sum(p == other for p in predicted) / len(predicted),
        sum(t == other for t in truth) / len(truth),
    )


def _views(l2: float, *, category: bool) -> tuple[_Scored, _Scored]:
    """Out-of-sample scores on tune_e (trained on tune..tune_d) and 5-fold out-of-fold scores."""
    keep = (lambda items: list(items)) if category else _without_category
    early = keep([i for name in ("tune", "tune_b", "tune_c", "tune_d") for i in _batch(name)])
    on_e = _score(_train(early, l2), keep(_batch("tune_e")))
    items = keep(load_labelled("tune"))
    order = list(range(len(items)))
    random.Random(0).shuffle(order)
    folds: _Scored = []
    for fold in range(FOLDS):
        held = set(order[fold::FOLDS])
        model = _train([items[i] for i in order if i not in held], l2)
        folds += _score(model, [items[i] for i in sorted(held)])
    return on_e, folds


def _batch(batch: str) -> list[Labelled]:
    """One labelled batch alone (a split of text_quality.py may join several)."""
    rows = yaml.safe_load(DATA.read_text(encoding="utf-8"))[batch]
    return [
        Labelled(
            text=str(r["text"]),
            themes=frozenset(r["themes"]),
            sentiment=str(r["sentiment"]),
            category=r.get("category"),
        )
        for r in rows
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Print macro-F1 on tune_e and in 5-fold CV for each setting of the grid."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--no-category", action="store_true", help="leave out the author's /feedback category feature"
    )
    args = parser.parse_args(argv)
    shipped = _themes.DECISION
    print(
        "| L2 | rule bonus | other bias | tune_e macro-F1 | tune_e Other pred/true | 5-fold CV macro-F1 | CV Other pred/true |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for l2 in L2S:
        on_e, folds = _views(l2, category=not args.no_category)
        for bonus in RULE_BONUSES:
            for bias in OTHER_BIASES:
                decision = replace(shipped, rule_bonus=bonus, other_bias=bias)
                e_f1, e_pred, e_true = _macro_f1(on_e, decision)
                cv_f1, cv_pred, cv_true = _macro_f1(folds, decision)
                chosen = (l2, decision) == (_themes.THEME_L2, shipped) and not args.no_category
                mark = " **shipped**" if chosen else ""
                print(
                    f"| {l2}{mark} | {bonus} | {bias} | {e_f1:.3f} | {e_pred:.1%} / {e_true:.1%} "
                    f"| {cv_f1:.3f} | {cv_pred:.1%} / {cv_true:.1%} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
