"""The coordinators' `/pulse supporters` table (its words are shared with Teams)."""

from __future__ import annotations

from handlers.shared.supporters_words import build_supporters_text

__all__ = ["build_supporters_text"]
