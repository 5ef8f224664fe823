"""The anonymous suggestion box: scrubbed text with a category and a date, never an author."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.clock import Clock
from bot.errors import InvalidInput
from bot.i18n import N_, _
from bot.privacy import NameSource, scrub_text
from storage.db import Database
from storage.digest_models import Feedback

CATEGORIES: dict[str, str] = {
    "suggestion": N_("A suggestion for the program"),
    "concern": N_("A concern about the program"),
    "praise": N_("Something that works well"),
    "other": N_("Something else"),
}
MIN_CHARS = 5
MAX_CHARS = 2000


@dataclass(frozen=True)
class FeedbackReceipt:
    """That a submission was stored, and when; the safety net is the caller's, on the raw text."""

    submitted_on: date


class FeedbackService:
    """Stores anonymous feedback."""

    def __init__(self, *, db: Database, clock: Clock, names: NameSource | None = None) -> None:
        self.db = db
        self.clock = clock
        self.names = names

    async def submit(self, *, team_id: str, category: str, text: str) -> FeedbackReceipt:
        """Validate, scrub and store one piece of feedback; the author is never recorded."""
        errors: dict[str, str] = {}
        if category not in CATEGORIES:
            errors["category"] = _("Please pick what kind of feedback this is.")
        cleaned = (text or "").strip()
        if len(cleaned) < MIN_CHARS:
            errors["text"] = _("Please write at least {n} characters.").format(n=MIN_CHARS)
        elif len(cleaned) > MAX_CHARS:
            errors["text"] = _("Please keep it under {n:,} characters.").format(n=MAX_CHARS)
        if errors:
            raise InvalidInput(_("Some fields need attention."), fields=errors)
        today = self.clock.now().date()
        # Read before the transaction: the first call after a while asks the directory.
        names = await self.names() if self.names is not None else ()
        async with self.db.session() as session:
            session.add(
                Feedback(
                    team_id=team_id,
                    category=category,
                    text=scrub_text(cleaned, max_chars=MAX_CHARS, names=names),
                    submitted_on=today,
                )
            )
        return FeedbackReceipt(submitted_on=today)
