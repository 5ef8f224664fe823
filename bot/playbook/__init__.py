"""Evidence-based suggestion rules, kept as data, and the pure engine that matches them."""

from bot.playbook.engine import (
    KNOWN_SIGNALS,
    AllOf,
    AnyOf,
    Comparison,
    Practice,
    Signal,
    Suggestion,
    Trigger,
    load_practices,
    match_practices,
)

__all__ = [
    "KNOWN_SIGNALS",
    "AllOf",
    "AnyOf",
    "Comparison",
    "Practice",
    "Signal",
    "Suggestion",
    "Trigger",
    "load_practices",
    "match_practices",
]
