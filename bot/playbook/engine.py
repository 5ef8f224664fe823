"""Match program signals against evidence-based practices: plain data in, suggestions out.

A practice's trigger is a small expression over named signals (see ``KNOWN_SIGNALS``):

    {signal: participation_rate, op: "<", value: 0.4}
    {all: [<trigger>, ...]}      every one holds
    {any: [<trigger>, ...]}      at least one holds

A signal that is missing, None or NaN (for instance withheld because fewer than k people are
behind it) makes every comparison on it false. There is deliberately no ``not``: negating a
comparison on a withheld figure would make it true, and a suggestion must never rest on data
we are not allowed to show.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TypeAlias

import yaml

__all__ = [
    "CONSTRUCT_SIGNAL_NAMES",
    "KNOWN_SIGNALS",
    "OPERATORS",
    "THEME_SIGNAL_NAMES",
    "AllOf",
    "AnyOf",
    "Comparison",
    "Practice",
    "Signal",
    "Suggestion",
    "Trigger",
    "load_practices",
    "match_practices",
    "shown_texts",
    "signal_meaning",
]


@dataclass(frozen=True)
class Signal:
    """What a named signal means and the unit its figures are in."""

    meaning: str
    unit: str


_SHARE = "share 0-1"
_DROP = (
    "fall in the favourable share against the pooled earlier rounds, 0-1 (0.1 = 10 points), when it "
    "is significant after the digest's multiple-comparison correction; 0 when tested and not"
)

# Construct names as the question bank spells them, and the feedback themes (bot.insights.themes).
CONSTRUCT_SIGNAL_NAMES = (
    "psych_safety",
    "awareness",
    "trust_confidentiality",
    "experienced_disrespect",
    "witnessed_disrespect",
    "leadership_response",
    "recommend",
)
THEME_SIGNAL_NAMES = (
    "confidentiality",
    "access_to_supporters",
    "training",
    "leadership_response",
    "workload",
)

_LEVELS = {
    "awareness": "respondents who know the program and how to reach a peer supporter",
    "trust_confidentiality": "respondents who trust that what they tell a peer supporter stays confidential",
    "psych_safety": "respondents favourable on the psychological-safety items",
    "leadership_response": "respondents who say leaders take reported disrespect seriously and act",
    "experienced_disrespect": "respondents who were not belittled, excluded or intimidated lately",
    "witnessed_disrespect": "respondents who did not see a colleague belittled, excluded or intimidated lately",
    "recommend": "respondents who would recommend peer support (9-10 of 10)",
}

_POOLED = "(the last two rounds pooled unless the latest changed significantly)"

KNOWN_SIGNALS: Mapping[str, Signal] = MappingProxyType(
    {
        **{f"{c}_favourable": Signal(f"{meaning} {_POOLED}", _SHARE) for c, meaning in _LEVELS.items()},
        **{
            f"{c}_significant_drop": Signal(f"significant fall in {c}_favourable", _DROP)
            for c in CONSTRUCT_SIGNAL_NAMES
        },
        **{
            f"theme_{t}_share": Signal(f"this week's comments on the {t.replace('_', ' ')} theme", _SHARE)
            for t in THEME_SIGNAL_NAMES
        },
        **{
            f"theme_{t}_negative_share": Signal(
                f"comments on the {t.replace('_', ' ')} theme read as negative", _SHARE
            )
            for t in THEME_SIGNAL_NAMES
        },
        "participation_rate": Signal("invited employees who answered the latest pulse round", _SHARE),
        "sessions_last_4_weeks": Signal("peer-support sessions logged in the last 28 days", "count"),
        "sessions_per_supporter_last_4_weeks": Signal(
            "sessions logged in the last 28 days per peer supporter", "sessions per supporter"
        ),
        "supporter_load_max_share": Signal(
            "sessions of the last 28 days logged by the busiest supporter", _SHARE
        ),
        "supporter_load_cv": Signal(
            "how unevenly the last 28 days' sessions are spread across supporters"
            " (0 = evenly; 1 or more = a few carry most)",
            "ratio >= 0",
        ),
        "lapsed_training_share": Signal(
            "peer supporters whose training has lapsed or was never recorded", _SHARE
        ),
        "referral_share": Signal(
            "sessions of the last 28 days referred or escalated (HR, EAP, manager, safety)", _SHARE
        ),
        "policies_overdue": Signal(
            "program policies past their review date (each policy's interval, 12 months by default)", "count"
        ),
        "policies_never_reviewed": Signal("program policies with no recorded review", "count"),
        "days_since_policy_review": Signal("days since the most recent review of any program policy", "days"),
    }
)


def signal_meaning(name: str) -> str | None:
    """What a signal's figure is, as a digest shows it (English, the catalogue's key); None if unknown.

    A significant drop is told as its construct's level with the fall beside it, so a reader never
    meets a signal's variable name. The catalogue extracts these texts (bot.catalogue), and the
    renderer translates them when the digest is written, in its reader's language.
    """
    construct = name.removesuffix("_significant_drop")
    if construct != name and construct in _LEVELS:
        return _LEVELS[construct]
    signal = KNOWN_SIGNALS.get(name)
    return signal.meaning if signal is not None else None


OPERATORS: Mapping[str, Callable[[float, float], bool]] = MappingProxyType(
    {
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
        "==": operator.eq,
    }
)


@dataclass(frozen=True)
class Comparison:
    """A signal compared with a constant, e.g. ``participation_rate < 0.4``."""

    signal: str
    op: str
    value: float


@dataclass(frozen=True)
class AllOf:
    """Holds when every condition holds."""

    conditions: tuple[Trigger, ...]


@dataclass(frozen=True)
class AnyOf:
    """Holds when at least one condition holds."""

    conditions: tuple[Trigger, ...]


Trigger: TypeAlias = Comparison | AllOf | AnyOf


@dataclass(frozen=True)
class Practice:
    """An evidence-based improvement, and the signals that call for it."""

    id: str
    title: str
    action: str
    rationale: str
    source: str
    priority: int  # 1 is the most urgent
    trigger: Trigger


@dataclass(frozen=True)
class Suggestion:
    """A practice the signals call for, with the figures that triggered it."""

    practice: Practice
    evidence: dict[str, float] = field(hash=False)


def shown_texts(practice: Practice) -> tuple[str, ...]:
    """The practice's words a coordinator reads in their own language (its source is cited as published)."""
    return (practice.title, practice.action, practice.rationale)


# --- matching ----------------------------------------------------------------------------


def _evaluate(trigger: Trigger, signals: Mapping[str, float | None]) -> dict[str, float] | None:
    """Return the figures that make the trigger hold, or None when it does not."""
    if isinstance(trigger, Comparison):
        figure = signals.get(trigger.signal)
        # NaN compares false with everything, so it needs no case of its own.
        if figure is None or not OPERATORS[trigger.op](figure, trigger.value):
            return None
        return {trigger.signal: float(figure)}
    results = [_evaluate(condition, signals) for condition in trigger.conditions]
    held = [r for r in results if r is not None]
    if isinstance(trigger, AllOf) and len(held) < len(results):
        return None
    if not held:
        return None
    # For `any`, every branch that held is reported, not just the first: the fuller picture.
    return {name: figure for evidence in held for name, figure in evidence.items()}


def match_practices(
    signals: Mapping[str, float | None], practices: Iterable[Practice], *, limit: int | None = 3
) -> list[Suggestion]:
    """Suggest the practices the signals call for, most urgent first (priority, then id)."""
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be zero or more, got {limit}")
    suggestions = [
        Suggestion(practice, evidence)
        for practice in sorted(practices, key=lambda p: (p.priority, p.id))
        if (evidence := _evaluate(practice.trigger, signals)) is not None
    ]
    return suggestions if limit is None else suggestions[:limit]


# --- loading and validation -------------------------------------------------------------

_PRACTICE_KEYS = ("id", "title", "action", "rationale", "source", "priority", "trigger")
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class _Invalid(Exception):
    """A problem in one practice; load_practices adds where it is."""


def _parse_trigger(raw: object) -> Trigger:
    """Build a trigger from its YAML form, or raise _Invalid saying what is wrong."""
    if not isinstance(raw, dict):
        raise _Invalid(f"a trigger must be a mapping, got {raw!r}")
    keys = set(raw)
    if keys in ({"all"}, {"any"}):
        (kind,) = keys
        items = raw[kind]
        if not isinstance(items, list) or not items:
            raise _Invalid(f"'{kind}' needs a non-empty list of triggers")
        conditions = tuple(_parse_trigger(item) for item in items)
        return AllOf(conditions) if kind == "all" else AnyOf(conditions)
    if keys != {"signal", "op", "value"}:
        raise _Invalid(
            f"a trigger is {{signal, op, value}}, {{all: [...]}} or {{any: [...]}}; "
            f"got keys {sorted(map(str, keys))}"
        )
    signal, op, value = raw["signal"], raw["op"], raw["value"]
    if signal not in KNOWN_SIGNALS:
        raise _Invalid(f"unknown signal {signal!r} (known: {', '.join(sorted(KNOWN_SIGNALS))})")
    if op not in OPERATORS:
        raise _Invalid(f"unknown op {op!r} for {signal} (use one of {' '.join(OPERATORS)})")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Invalid(f"value for {signal} must be a finite number, got {value!r}")
    return Comparison(signal=signal, op=op, value=float(value))


def _parse_practice(raw: object) -> Practice:
    """Build a practice from its YAML form, or raise _Invalid saying what is wrong."""
    if not isinstance(raw, dict):
        raise _Invalid(f"a practice must be a mapping, got {raw!r}")
    missing = [key for key in _PRACTICE_KEYS if key not in raw]
    unknown = sorted(str(key) for key in raw if key not in _PRACTICE_KEYS)
    if missing or unknown:
        raise _Invalid(f"missing keys {missing}, unknown keys {unknown}")
    if not isinstance(raw["id"], str) or not _ID.fullmatch(raw["id"]):
        raise _Invalid(f"id must be lowercase words joined by '-', got {raw['id']!r}")
    texts = {key: raw[key] for key in ("title", "action", "rationale", "source")}
    for key, text in texts.items():
        if not isinstance(text, str) or not text.strip():
            raise _Invalid(f"{key} must be non-empty text")
    priority = raw["priority"]
    if isinstance(priority, bool) or not isinstance(priority, int) or priority < 1:
        raise _Invalid(f"priority must be a whole number of at least 1, got {priority!r}")
    return Practice(
        id=raw["id"],
        title=texts["title"].strip(),
        action=texts["action"].strip(),
        rationale=texts["rationale"].strip(),
        source=texts["source"].strip(),
        priority=priority,
        trigger=_parse_trigger(raw["trigger"]),
    )


def _parse_practices(text: str, where: str) -> tuple[Practice, ...]:
    """Parse and validate a practices document; errors name the file and the practice."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("practices"), list):
        raise ValueError(f"{where}: expected a mapping with a 'practices' list")
    practices: list[Practice] = []
    seen: set[str] = set()
    for index, raw in enumerate(document["practices"], start=1):
        name = raw.get("id") if isinstance(raw, dict) else None
        label = f"practice {name!r}" if isinstance(name, str) else f"practice #{index}"
        try:
            practice = _parse_practice(raw)
        except _Invalid as exc:
            raise ValueError(f"{where}: {label}: {exc}") from None
        if practice.id in seen:
            raise ValueError(f"{where}: {label}: duplicate id")
        seen.add(practice.id)
        practices.append(practice)
    return tuple(practices)


@functools.cache
def _packaged_practices() -> tuple[Practice, ...]:
    """The playbook shipped with PeerPulse, parsed once."""
    source = resources.files("bot") / "playbook" / "practices.yml"
    return _parse_practices(source.read_text(encoding="utf-8"), "practices.yml")


def load_practices(path: Path | None = None) -> list[Practice]:
    """Load and validate practices from ``path`` or, by default, the packaged playbook."""
    if path is None:
        return list(_packaged_practices())
    return list(_parse_practices(path.read_text(encoding="utf-8"), str(path)))
