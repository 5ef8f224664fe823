"""Evidence-based suggestion rules, kept as data, and the pure engine that matches them."""

from bot.playbook.engine import (
    CONSTRUCT_SIGNAL_NAMES,
    KNOWN_SIGNALS,
    THEME_SIGNAL_NAMES,
    AllOf,
    AnyOf,
    Comparison,
    Practice,
    Signal,
    Suggestion,
    Trigger,
    load_practices,
    match_practices,
    shown_texts,
    signal_meaning,
)

__all__ = [
    "CONSTRUCT_SIGNAL_NAMES",
    "KNOWN_SIGNALS",
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
