"""Feedback themes: classify free-text comments by keyword rules and summarise them with sentiment.

Rules ship as data in ``themes.yml`` (stems and phrases per theme). Sentiment is VADER's compound
score (-1..1); a comment counts as negative at compound <= -0.05, the threshold VADER's authors
recommend. Comments are treated as one per person: the suggestion box is unlinkable, so repeat
authors cannot be told apart, which is the accepted limit of counting comments against k.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import yaml

from bot.errors import InvalidInput
from bot.insights.anonymity import SUPPRESSED, Suppressed, check_k, protect_breakdown

THEMES = (
    "confidentiality",
    "access_to_supporters",
    "training",
    "leadership_response",
    "workload",
    "other",
)
OTHER = "other"
NEGATIVE_COMPOUND = -0.05
DEFAULT_MAX_QUOTES = 3

# A word starts where neither a letter/digit nor a hyphen precedes, so "escalat" does not fire
# inside "de-escalation" (which training's own "de-escalat" stem catches).
_WORD_START = r"(?<![\w-])"
_WORD_END = r"(?!\w)"


@dataclass(frozen=True)
class ThemeRules:
    """Compiled matchers, one per theme (all but `other`)."""

    patterns: Mapping[str, re.Pattern[str]]


@dataclass(frozen=True)
class ThemeSummary:
    """One theme's comments: count, mean VADER compound, share negative, and sampled quotes."""

    count: int
    mean_sentiment: float
    share_negative: float
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class ThemeReport:
    """A period's comments: total, and per matched theme a summary or `Suppressed`."""

    total: int | Suppressed
    themes: Mapping[str, ThemeSummary | Suppressed]


class _Analyzer(Protocol):
    def polarity_scores(self, text: str) -> dict[str, float]: ...


def load_theme_rules(path: Path | None = None) -> ThemeRules:
    """Read and compile theme rules from YAML (the shipped ``themes.yml`` when no path is given)."""
    if path is None:
        return _default_rules()
    return _compile_rules(yaml.safe_load(path.read_text(encoding="utf-8")), source=str(path))


def classify_comment(text: str, *, rules: ThemeRules | None = None) -> tuple[str, ...]:
    """Themes a comment matches, in THEMES order; ``("other",)`` when it matches none."""
    compiled = rules or _default_rules()
    normalised = _normalise(text)
    matched = tuple(name for name, pattern in compiled.patterns.items() if pattern.search(normalised))
    return matched or (OTHER,)


def comment_sentiment(text: str) -> float:
    """VADER compound sentiment of a comment, from -1 (negative) to 1 (positive)."""
    return float(_analyzer().polarity_scores(text)["compound"])


def summarize_themes(
    comments: Sequence[str],
    *,
    k: int,
    max_quotes: int = DEFAULT_MAX_QUOTES,
    rng: random.Random | None = None,
    rules: ThemeRules | None = None,
) -> ThemeReport:
    """Summarise comments per theme: count, sentiment and at most `max_quotes` quotes.

    Themes under k comments, or withheld so that one cannot be worked out, are `Suppressed`;
    quotes are a random sample in random order. Themes no comment matched are left out.
    """
    check_k(k)
    if max_quotes < 0:
        raise InvalidInput(f"max_quotes must be non-negative, got {max_quotes}")
    # Unpredictable by default, so quote order never hints at who wrote last; tests pass a seed.
    chooser = rng if rng is not None else random.SystemRandom()
    compiled = rules or _default_rules()

    members: dict[str, list[int]] = {name: [] for name in THEMES}
    sentiments = [comment_sentiment(text) for text in comments]
    for index, text in enumerate(comments):
        for name in classify_comment(text, rules=compiled):
            members[name].append(index)

    # The total is shown, so theme counts get complementary suppression like any breakdown.
    shown = protect_breakdown(
        {name: len(indexes) for name, indexes in members.items()}, k=k, total=len(comments)
    )
    themes: dict[str, ThemeSummary | Suppressed] = {}
    for name, indexes in members.items():
        if isinstance(shown.cells[name], Suppressed):
            themes[name] = SUPPRESSED
            continue
        if not indexes:  # nothing to summarise; absence already says "no comments"
            continue
        scores = [sentiments[i] for i in indexes]
        picked = chooser.sample(indexes, min(max_quotes, len(indexes)))
        themes[name] = ThemeSummary(
            count=len(indexes),
            mean_sentiment=sum(scores) / len(scores),
            share_negative=sum(score <= NEGATIVE_COMPOUND for score in scores) / len(scores),
            quotes=tuple(comments[i] for i in picked),
        )
    return ThemeReport(total=shown.total, themes=themes)


@functools.cache
def _analyzer() -> _Analyzer:
    # Imported and built on first use: VADER reads its lexicon file when constructed.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer: _Analyzer = SentimentIntensityAnalyzer()
    return analyzer


@functools.cache
def _default_rules() -> ThemeRules:
    text = resources.files("bot.insights").joinpath("themes.yml").read_text(encoding="utf-8")
    return _compile_rules(yaml.safe_load(text), source="bot/insights/themes.yml")


def _compile_rules(data: Any, *, source: str) -> ThemeRules:
    expected = set(THEMES) - {OTHER}
    if not isinstance(data, dict) or set(data) != expected:
        raise InvalidInput(f"{source} must define exactly the themes {sorted(expected)}")
    patterns: dict[str, re.Pattern[str]] = {}
    for name in THEMES:
        if name == OTHER:
            continue
        entry = data[name]
        if not isinstance(entry, dict) or not set(entry) <= {"stems", "phrases"}:
            raise InvalidInput(f"{source}: theme {name!r} takes only 'stems' and 'phrases' lists")
        stems = _strings(entry.get("stems", []), source=source, name=name)
        phrases = _strings(entry.get("phrases", []), source=source, name=name)
        if not stems and not phrases:
            raise InvalidInput(f"{source}: theme {name!r} has no stems or phrases")
        alternatives = [re.escape(_normalise(stem)) for stem in stems] + [
            r"\s+".join(re.escape(word) for word in _normalise(phrase).split()) + _WORD_END
            for phrase in phrases
        ]
        patterns[name] = re.compile(_WORD_START + "(?:" + "|".join(alternatives) + ")")
    return ThemeRules(patterns=patterns)


def _strings(value: Any, *, source: str, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InvalidInput(f"{source}: theme {name!r} stems and phrases must be non-empty strings")
    return [v.strip() for v in value]


def _normalise(text: str) -> str:
    return text.lower().replace("\u2019", "'").replace("\u2018", "'")
