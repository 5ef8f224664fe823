"""Feedback theme and sentiment quality on the labelled comments, next to the goals of issue 14.

Run: ``.venv/bin/python bench/insight/text_quality.py [--split heldout|old|fresh|new|tune|all]``. Prints a Markdown
table (figure, value, goal, verdict) and exits 0 whatever the verdict. The held-out split is the
one reported; the tuning split is the only one read while changing rules or lexicons.
"""

from __future__ import annotations

import argparse
import inspect
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.insights import themes as _themes

ROOT = Path(__file__).resolve().parents[2]


DATA = ROOT / "tests" / "data" / "comments_labelled.yml"
SENTIMENTS = ("negative", "neutral", "positive")
# `heldout` is every held-out list; `fresh` the one written after the PR 14 rules were settled;
# `new` the batch written before the linear model, never read while building it.
SPLITS = {
    "heldout": ("heldout", "heldout_fresh", "heldout_new"),
    "old": ("heldout",),
    "fresh": ("heldout_fresh",),
    "new": ("heldout_new",),
    "tune": ("tune", "tune_b", "tune_c", "tune_d", "tune_e"),
    "all": ("heldout", "heldout_fresh", "heldout_new", "tune", "tune_b", "tune_c", "tune_d", "tune_e"),
}
GOAL_MACRO_F1 = 0.85
GOAL_OTHER_GAP = 0.05
GOAL_AGREEMENT = 0.75
GOAL_NEGATIVE_RECALL = 0.70


@dataclass(frozen=True)
class Labelled:
    """One hand-labelled comment."""

    text: str
    themes: frozenset[str]
    sentiment: str
    category: str | None


@dataclass(frozen=True)
class Quality:
    """Figures for one split."""

    n: int
    macro_f1: float
    per_theme_f1: dict[str, float]
    other_predicted: float
    other_true: float
    agreement: float
    negative_recall: float

    @property
    def other_gap(self) -> float:
        """Absolute difference between the predicted and the true share of "other"."""
        return abs(self.other_predicted - self.other_true)


def load_labelled(split: str, path: Path = DATA) -> list[Labelled]:
    """Comments of one split (a key of SPLITS) from the labelled YAML."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    names = SPLITS[split]
    return [
        Labelled(
            text=str(row["text"]),
            themes=frozenset(row["themes"]),
            sentiment=str(row["sentiment"]),
            category=row.get("category"),
        )
        for name in names
        for row in data[name]
    ]


def sentiment_class(score: float) -> str:
    """Three classes from a compound score, at the digest's own negative threshold."""
    if score <= _themes.NEGATIVE_COMPOUND:
        return "negative"
    return "positive" if score >= -_themes.NEGATIVE_COMPOUND else "neutral"


def _with_category(func: Callable[..., Any]) -> bool:
    return "category" in inspect.signature(func).parameters


def predict(item: Labelled) -> tuple[frozenset[str], str]:
    """Themes and sentiment class the shipped classifier gives one comment."""
    extra: dict[str, Any] = {"category": item.category} if _with_category(_themes.classify_comment) else {}
    themes = frozenset(_themes.classify_comment(item.text, **extra))
    extra = {"category": item.category} if _with_category(_themes.comment_sentiment) else {}
    return themes, sentiment_class(_themes.comment_sentiment(item.text, **extra))


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0


def evaluate(items: Sequence[Labelled]) -> Quality:
    """Macro-F1 over all themes (multi-label, "other" included), Other share and sentiment."""
    predictions = [predict(item) for item in items]
    per_theme: dict[str, float] = {}
    for theme in _themes.THEMES:
        tp = sum(theme in p and theme in i.themes for i, (p, _) in zip(items, predictions, strict=True))
        fp = sum(theme in p and theme not in i.themes for i, (p, _) in zip(items, predictions, strict=True))
        fn = sum(theme not in p and theme in i.themes for i, (p, _) in zip(items, predictions, strict=True))
        per_theme[theme] = _f1(tp, fp, fn)
    other = frozenset({_themes.OTHER})
    negatives = [s for i, (_, s) in zip(items, predictions, strict=True) if i.sentiment == "negative"]
    return Quality(
        n=len(items),
        macro_f1=sum(per_theme.values()) / len(per_theme),
        per_theme_f1=per_theme,
        other_predicted=sum(p == other for p, _ in predictions) / len(items),
        other_true=sum(i.themes == other for i in items) / len(items),
        agreement=sum(i.sentiment == s for i, (_, s) in zip(items, predictions, strict=True)) / len(items),
        negative_recall=sum(s == "negative" for s in negatives) / len(negatives),
    )


def misses(items: Sequence[Labelled]) -> list[str]:
    """One line per comment the classifier gets wrong (themes or sentiment), for tuning."""
    lines = []
    for item in items:
        themes, sentiment = predict(item)
        if themes != item.themes or sentiment != item.sentiment:
            lines.append(
                f"{sorted(item.themes)}/{item.sentiment} -> {sorted(themes)}/{sentiment}: {item.text}"
            )
    return lines


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def table(quality: Quality, split: str) -> str:
    """The figures as a Markdown table with goals and verdicts."""
    rows = [
        (
            "themes macro-F1",
            f"{quality.macro_f1:.3f}",
            f">= {GOAL_MACRO_F1}",
            _verdict(quality.macro_f1 >= GOAL_MACRO_F1),
        ),
        *(
            (f"  F1 {theme}", f"{f1:.3f}", "", "n/a (reference)")
            for theme, f1 in quality.per_theme_f1.items()
        ),
        (
            '"Other" share predicted vs true',
            f"{quality.other_predicted:.1%} vs {quality.other_true:.1%}",
            f"within {GOAL_OTHER_GAP:.0%} points",
            _verdict(quality.other_gap <= GOAL_OTHER_GAP),
        ),
        (
            "sentiment agreement (3 classes)",
            f"{quality.agreement:.1%}",
            f">= {GOAL_AGREEMENT:.0%}",
            _verdict(quality.agreement >= GOAL_AGREEMENT),
        ),
        (
            "negative recall",
            f"{quality.negative_recall:.2f}",
            f">= {GOAL_NEGATIVE_RECALL}",
            _verdict(quality.negative_recall >= GOAL_NEGATIVE_RECALL),
        ),
    ]
    out = [
        f"Text quality on the `{split}` split ({quality.n} comments, {DATA.relative_to(ROOT)})",
        "",
        "| figure | value | goal | verdict |",
        "| --- | --- | --- | --- |",
    ]
    out += [f"| {name} | {value} | {goal} | {verdict} |" for name, value, goal, verdict in rows]
    return "\n".join(out)


# getattr: the script also measures older versions of the module (before the word models).
MODEL_PATH = ROOT / "bot" / "insights" / getattr(_themes, "MODEL_FILE", "theme_model.json")
SENTIMENT_MODEL_PATH = (
    ROOT / "bot" / "insights" / getattr(_themes, "SENTIMENT_MODEL_FILE", "sentiment_model.json")
)


def tuning_model() -> dict[str, Any]:
    """The theme model trained on the tuning splits only (never the held-out ones)."""
    rows = [(item.text, sorted(item.themes), item.category) for item in load_labelled("tune")]
    return _themes.train_theme_model(rows).to_dict()


def tuning_sentiment_model() -> dict[str, Any]:
    """The sentiment model trained on the tuning splits only (never the held-out ones)."""
    from bot.insights.sentiment_model import train_sentiment_model

    rows = [(_themes._normalise(item.text), item.sentiment, item.category) for item in load_labelled("tune")]
    return train_sentiment_model(rows).to_dict()


def write_model() -> None:
    """Retrain the shipped theme and sentiment models from the tuning splits and write them."""
    for path, model in ((MODEL_PATH, tuning_model()), (SENTIMENT_MODEL_PATH, tuning_sentiment_model())):
        path.write_text(json.dumps(model, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")


_MEMORY_PROBE = """
import gc
def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024
import yaml, bot.errors
gc.collect(); start = rss()
import bot.insights.themes as t
gc.collect(); imported = rss()
t.classify_comment("warm-up"); gc.collect(); rules = rss()
t.comment_sentiment("warm-up"); gc.collect(); vader = rss()
print(f"| import bot.insights (themes does no work at import) | +{imported - start:.2f} MB |")
print(f"| first classify_comment: rules + theme model | +{rules - imported:.2f} MB |")
print(f"| first comment_sentiment: VADER + domain lexicon | +{vader - rules:.2f} MB |")
"""


def memory() -> str:
    """RSS added by the themes module in a fresh interpreter: at import and at first use."""
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return "| step | RSS delta |\n| --- | --- |\n" + done.stdout.strip()


def main(argv: Sequence[str] | None = None) -> int:
    """Print the quality table for a split (held-out by default); `--misses` lists the errors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", choices=tuple(SPLITS), default="heldout")
    parser.add_argument("--misses", action="store_true", help="list misclassified comments")
    parser.add_argument("--memory", action="store_true", help="also print the RSS the themes module adds")
    parser.add_argument(
        "--write-model", action="store_true", help="retrain the shipped models from the tuning splits first"
    )
    args = parser.parse_args(argv)
    if args.write_model:
        write_model()
    items = load_labelled(args.split)
    print(table(evaluate(items), args.split))
    if args.split == "heldout":
        # Each held-out batch alone: the later ones were written after more tuning, so they are
        # the fairer view of text the classifier has never met.
        for part in ("old", "fresh", "new"):
            print()
            print(table(evaluate(load_labelled(part)), part))
    if args.memory:
        print()
        print(memory())
    if args.misses:
        print("\n".join(["", *misses(items)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
