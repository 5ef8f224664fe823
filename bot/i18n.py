"""Every word a person reads goes through one gettext catalogue (bot/locale/), in their own language.

Renderers call `_()` / `ngettext()` with the English text; `speaking(locale)` picks the reader's
language for the code inside it (a platform passes the person's own locale, e.g. Slack's "de-DE").
Catalogues are the `.po` files themselves, compiled in memory on first use, so what translators
edit is what runs (no stale `.mo` beside it). `qps` is a pseudo-language for tests and reviews:
every catalogued string comes back wrapped in ⟦ ⟧, so text that bypasses the catalogue stands out.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from pathlib import Path

from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "peerpulse"
LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"
PSEUDO_LANGUAGE = "qps"
_language: ContextVar[str] = ContextVar("peerpulse_language", default=SOURCE_LANGUAGE)


def N_(message: str) -> str:
    """Mark text for the catalogue without translating it yet (translated where it is shown)."""
    return message


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages people can read PeerPulse in: English and every catalogue shipped."""
    shipped = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANGUAGE, *shipped)


def language_of(locale: str | None, *, fallback: str = SOURCE_LANGUAGE) -> str:
    """The shipped language for a platform locale ("de-DE", "de_AT", "es"), else `fallback`."""
    if not locale:
        return fallback
    tag = locale.replace("_", "-").lower()
    if tag == PSEUDO_LANGUAGE:
        return PSEUDO_LANGUAGE
    primary = tag.split("-", 1)[0]
    return primary if primary in languages() else fallback


class _Pseudo(gettext.NullTranslations):
    """Wraps every catalogued string in ⟦ ⟧ (placeholders and Slack markup kept as they are)."""

    def gettext(self, message: str) -> str:
        """The message, marked."""
        return f"⟦{message}⟧"

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        """The singular or plural, marked."""
        return f"⟦{msgid1 if n == 1 else msgid2}⟧"


@functools.cache
def _translations(language: str) -> gettext.NullTranslations:
    if language == PSEUDO_LANGUAGE:
        return _Pseudo()
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == SOURCE_LANGUAGE or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    # Fuzzy entries are a translator's unreviewed guesses: English is shown until they are confirmed.
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def current_language() -> str:
    """The language text is being written in right now."""
    return _language.get()


def _(message: str) -> str:
    """The message in the current reader's language."""
    return _translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the current reader's language."""
    return _translations(_language.get()).ngettext(singular, plural, n)


def use_language(locale: str | None, *, fallback: str = SOURCE_LANGUAGE) -> str:
    """Write in this person's language for the rest of the current task (one request's handling)."""
    # Not a context manager: Bolt's middleware `next()` only flags the chain to go on, the
    # listeners run after the middleware returns, in this task or in tasks it starts (which copy it).
    language = language_of(locale, fallback=fallback)
    _language.set(language)
    return language


def format_day(day: date, *, year: bool = False) -> str:
    """A date in the reader's language: "Tue 01 Dec" / "Di., 1. Dez." (with the year if asked)."""
    language = _language.get()
    if language == SOURCE_LANGUAGE:
        return day.strftime("%a %d %b %Y" if year else "%a %d %b")
    if language == PSEUDO_LANGUAGE:
        # Digits only: a date is data, and the pseudo-language flags any word left untranslated.
        return day.isoformat()
    return format_skeleton("yMMMEd" if year else "MMMEd", day, locale=language)


@contextmanager
def speaking(locale: str | None, *, fallback: str = SOURCE_LANGUAGE) -> Iterator[str]:
    """Write in this person's language inside the block (`fallback` if theirs is not shipped)."""
    token = _language.set(language_of(locale, fallback=fallback))
    try:
        yield _language.get()
    finally:
        _language.reset(token)
