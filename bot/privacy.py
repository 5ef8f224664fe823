"""Privacy primitives: respondent keys, free-text scrubbing, name and risk detection.

Everything here is pure (no Slack, no database). The YAML data files are read lazily, on first
use, and cached for the life of the process.

Scrubbing is built to stay linear on hostile input: every pattern that can scan far starts only at
the beginning of a run of the characters it consumes (a look-behind forbids starting mid-run),
and every repetition is possessive (``*+``, ``++``), so a failed attempt never backtracks. The
hostile-input tests in tests/bot/test_privacy.py keep that promise honest.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import itertools
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Literal, NamedTuple, cast

import phonenumbers
import yaml
from rapidfuzz import process as rf_process
from rapidfuzz.distance import DamerauLevenshtein

_log = logging.getLogger(__name__)

__all__ = [
    "NameSource",
    "RiskKind",
    "RiskSignal",
    "SupportResources",
    "detect_risk",
    "find_named_member",
    "load_support_resources",
    "prepare_names",
    "respondent_key",
    "scrub_names",
    "scrub_text",
    "support_resources_problem",
]

# --- respondent keys ------------------------------------------------------------------------


def respondent_key(secret: str, *, team_id: str, user_id: str, round_id: str) -> str:
    """Return the hex HMAC-SHA256 of ``team:user:round`` keyed by ``secret``."""
    if not secret:
        raise ValueError("PEERPULSE_SECRET is empty: respondent keys would be guessable")
    parts = (team_id, user_id, round_id)
    if any(not part or ":" in part for part in parts):
        # ':' is the separator; keeping it out of the parts keeps the message unambiguous, so
        # two different (team, user, round) triples can never share a key.
        raise ValueError("team_id, user_id and round_id must be non-empty and contain no ':'")
    message = ":".join(parts).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# --- scrubbing ------------------------------------------------------------------------------

_PLACEHOLDER_PERSON = "[person]"
_PLACEHOLDER_GROUP = "[group]"
_PLACEHOLDER_CHANNEL = "[channel]"
_PLACEHOLDER_EMAIL = "[email]"
_PLACEHOLDER_PHONE = "[phone]"
_PLACEHOLDER_LINK = "[link]"

# Zero-width, bidi-control and other invisible format characters (Unicode category Cf): they
# could otherwise split "ana@x.com" into something no pattern recognises.
_INVISIBLE = re.compile(r"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
# C0/C1 controls and tabs (newlines are kept: multi-line notes stay readable).
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]+")
_LINE_BREAK = re.compile(r"\r\n?|[\u2028\u2029]")
_BLANK_LINES = re.compile(r"\n[ \n]*\n")

# Pre-scrub budget, as a multiple of the output cap: generous enough that placeholders replacing
# long URLs never starve the output, small enough to bound the work on a pasted novel.
_WORK_FACTOR = 8

# Look-behinds see the original text, not the placeholders already written, so a match must not
# end where an identifier it could hide begins: an email or @handle takes every address
# character glued to it ("a@b.co+x@y.com" is one). Numbers get a pass of their own afterwards,
# so "1 2a@b.co" loses its address before any number is read and "@A020 7946 0958" its handle.
_IDENTIFIERS = re.compile(
    r"""
    # Slack's own markup. In message text a literal '<' arrives as '&lt;', so these are always
    # Slack tokens; in modal text they need the sigil, so "I <3 you" and "a < b > c" survive.
      (?P<slack_user><@[^<>]*+>)
    | (?P<slack_group><![^<>]*+>)
    | (?P<slack_channel><\#[^<>]*+>)
    | (?P<slack_email><mailto:[^<>]*+>)
    | (?P<slack_phone><tel:[^<>]*+>)
    | (?P<slack_link><[a-zA-Z][\w+.-]*+://[^<>]*+>)
    # Bare URLs: any scheme://, or www. They stop at '[' so a placeholder is never read as one.
    | (?P<url>(?<![\w.-])(?:[a-zA-Z][\w.-]*+://|www\.)[^\s<>\[]++)
    | (?P<email>(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)++[\w.+@-]*+)
    # Scheme-less links with a path, e.g. linkedin.com/in/ana-lopez. Starts only at the first
    # label of a dotted name (the second look-behind), which keeps the lazy scan linear.
    | (?P<domain_path>(?<![\w-])(?<![\w-]\.)[\w-]++(?:\.[\w-]++)*?\.[a-zA-Z]{2,63}/[^\s<>\[]*+)
    # Plain @handles, plus one following capitalised word: "@Ana Lopez" typed in a modal. Glued
    # address characters go too ("@ana+x@y.com"): nothing identifying is left half-matched.
    | (?P<handle>(?<!\w)@[^\W\d_][\w.+@-]*+(?:\ [A-Z\u00c0-\u00de][\w'.+@-]*+)?+)
    # Raw Slack user IDs pasted as text (U0…/W0…, 9-12 characters).
    | (?P<user_id>(?<!\w)[UW]0[A-Z0-9]{7,10}+(?!\w))
    """,
    re.VERBOSE,
)
# Anything number-like, not glued to a word, a '+' or a '/' ("3/5"); _replace_number decides
# which parts are phone numbers. Once started it cannot fail, so it is never retried mid-span.
_NUMBER = re.compile(r"(?<![\w+/])\+?+\(?+\d++\)?+(?:[ .-]?+\(?+\d++\)?+)*+")

_NUMBER_GROUP = re.compile(r"\(?(\d+)\)?")
# Whole spans that are plainly not phone numbers: decimals and thousands ("1 000 000", "1.000").
_NOT_PHONE = re.compile(r"\d+\.\d+|\d{1,3}(?P<sep>[ .])\d{3}(?:(?P=sep)\d{3})*")
# ISO or day-month-year dates are kept; the groups after one are judged on their own.
_DATE = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}(?!\d)|\d{1,2}[-.]\d{1,2}[-.]\d{4}(?!\d)")
_MAX_PHONE_DIGITS = 15  # ITU-T E.164
_YEAR = re.compile(r"(?:19|20)\d\d")
# Words that announce a phone number, ending right before it (punctuation between is fine).
_PHONE_CUE = re.compile(
    r"(?i:\b(?:call|phone|tel|telephone|mobile|cell|number|no|num|ring|text|whatsapp|signal|sms|ext"
    r"|extension|landline|fax|reach me (?:on|at)))\W{0,3}$"
)
# Decimal digits of other scripts ("٠٧٧٠٠"), made ASCII so every number pattern sees them.
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")
_INTERNATIONAL_HINT = re.compile(r"(?:\+|\b00)\s?\d")


def _replace_international(text: str) -> str:
    """Replace international numbers ("+44.20.7946.0958", "+1 415 555 0132 ext 12") via libphonenumber."""
    if not _INTERNATIONAL_HINT.search(text):
        return text  # the matcher costs milliseconds; most comments hold no '+' number at all
    parts: list[str] = []
    copied = 0
    for found in phonenumbers.PhoneNumberMatcher(text, None, leniency=phonenumbers.Leniency.POSSIBLE):
        parts += [text[copied : found.start], _PLACEHOLDER_PHONE]
        copied = found.end
    parts.append(text[copied:])
    return "".join(parts)


_URL_TRAILING = ".,;:!?)]}'\""
_GROUP_HANDLES = frozenset({"here", "channel", "everyone"})


def _phone_end(span: str, groups: list[re.Match[str]], start: int) -> int | None:
    """Index of the last digit group of the longest phone number starting at group ``start``."""
    first = groups[start]
    international = start == 0 and span.startswith("+")
    # A trunk prefix ("020 7946 0958", "(0)20…", "(415) 555-0132") is a strong sign on its own.
    trunk = first.group().startswith(("(", "0"))
    digits = 0
    sizes: list[int] = []
    best = None
    for end in range(start, len(groups)):
        sizes.append(len(groups[end].group(1)))
        digits += sizes[-1]
        if digits > _MAX_PHONE_DIGITS or (not (international or trunk) and len(sizes) > 4):
            break
        if international:
            found = digits >= 8
        elif trunk:
            found = digits >= 9
        else:
            # Otherwise only familiar shapes: North American 3-3-4 (with an optional leading 1),
            # a bare run of 10-11 digits, or a local 555-0132. Year lists ("2023 2024 2025") and
            # score lists ("1 2 3 4 5 6 7 8 9") match none of them.
            # Also 555 0132 (unless the four digits are a year), Indian 98765 43210, Chinese
            # 138 0013 8000.
            found = (
                sizes == [3, 3, 4]
                or (sizes == [1, 3, 3, 4] and first.group(1) == "1")
                or sizes in ([10], [11], [5, 5], [3, 4, 4])
                or (
                    sizes == [3, 4]
                    and (span[first.end()] in "-." or not _YEAR.fullmatch(groups[end].group(1)))
                )
            )
        if found:
            best = end
    return best


def _replace_number(match: re.Match[str]) -> str:
    """Return a number-like span with each phone number in it replaced."""
    span = match.group()
    # "call 4 1 5 5 5 5 0 1 3 2", "mobile: 79460958": after a word that announces a phone number,
    # any run of 7 to 15 digits is one.
    cued = _PHONE_CUE.search(match.string, max(0, match.start() - 30), match.start())
    if cued and 7 <= sum(c.isdigit() for c in span) <= _MAX_PHONE_DIGITS:
        return _PLACEHOLDER_PHONE
    if _NOT_PHONE.fullmatch(span):
        return span
    groups = list(_NUMBER_GROUP.finditer(span))
    parts: list[str] = []
    copied = 0  # span[:copied] is already in parts
    index = 0
    while index < len(groups):
        if not span.startswith("+") and (date := _DATE.match(span, groups[index].start())):
            while index < len(groups) and groups[index].start() < date.end():
                index += 1
            continue
        end = _phone_end(span, groups, index)
        if end is None:
            index += 1
            continue
        start = 0 if index == 0 else groups[index].start()  # keeps a leading '+' inside
        parts += [span[copied:start], _PLACEHOLDER_PHONE]
        copied = groups[end].end()
        index = end + 1
    parts.append(span[copied:])
    return "".join(parts)


def _replace_link(span: str) -> str:
    """Replace a bare URL, keeping the sentence punctuation that followed it."""
    core = span.rstrip(_URL_TRAILING)
    return _PLACEHOLDER_LINK + span[len(core) :]


def _replace_email(span: str) -> str:
    """Replace an email address, keeping a sentence's full stop."""
    core = span.rstrip(".")
    return _PLACEHOLDER_EMAIL + span[len(core) :]


def _replace_handle(span: str) -> str:
    """Replace an @handle; @here, @channel and @everyone become a group placeholder."""
    core = span.rstrip(".-'")
    first, sep, rest = core[1:].partition(" ")
    if first.rstrip(".-").casefold() in _GROUP_HANDLES:
        return _PLACEHOLDER_GROUP + sep + rest + span[len(core) :]
    return _PLACEHOLDER_PERSON + span[len(core) :]


_REPLACERS: Mapping[str, Callable[[str], str]] = {
    "slack_user": lambda _: _PLACEHOLDER_PERSON,
    "slack_group": lambda _: _PLACEHOLDER_GROUP,
    "slack_channel": lambda _: _PLACEHOLDER_CHANNEL,
    "slack_email": lambda _: _PLACEHOLDER_EMAIL,
    "slack_phone": lambda _: _PLACEHOLDER_PHONE,
    "slack_link": lambda _: _PLACEHOLDER_LINK,
    "url": _replace_link,
    "email": _replace_email,
    "domain_path": _replace_link,
    "handle": _replace_handle,
    "user_id": lambda _: _PLACEHOLDER_PERSON,
}


def _replace(match: re.Match[str]) -> str:
    """Dispatch one scrubbing match to its replacer."""
    kind = match.lastgroup
    assert kind is not None  # every alternative of _IDENTIFIERS is a named group
    return _REPLACERS[kind](match.group())


def _truncate(text: str, limit: int) -> str:
    """Cut text to at most ``limit`` characters, at a word boundary when one is near."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if not text[limit].isspace():
        # Never leave half a token behind: half an email or number could escape the patterns.
        boundary = max(cut.rfind(" "), cut.rfind("\n"))
        if boundary > limit // 2:
            cut = cut[:boundary]
    return cut.rstrip()


def scrub_text(text: str, *, max_chars: int = 2000, names: Iterable[str] = ()) -> str:
    """Return text with mentions, members' names, emails, phones and links replaced, capped."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    budget = max_chars * _WORK_FACTOR
    # NFKC folds look-alikes (full-width '＠', '＜') onto the ASCII the patterns expect. It can
    # expand text, hence the budget both before and after it.
    text = _truncate(unicodedata.normalize("NFKC", _truncate(text, budget)), budget)
    text = _LINE_BREAK.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _OTHER_DIGIT.sub(lambda match: str(unicodedata.decimal(match.group())), text)
    text = _IDENTIFIERS.sub(_replace, text)
    text = _replace_international(text)
    text = _NUMBER.sub(_replace_number, text)
    if names:
        text = scrub_names(text, names)
    text = _BLANK_LINES.sub("\n\n", text)
    return _truncate(text.strip(), max_chars)


# --- folding (names, risk) ------------------------------------------------------------------

# Letters that NFKD does not decompose into a base letter plus accent.
_FOLD_EXTRA = str.maketrans(
    {
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "ø": "o",
        "ħ": "h",
        "ı": "i",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
    }
)


def _fold(text: str) -> str:
    """Casefold, strip accents and invisible characters: 'José’s' → "jose's"."""
    if text.isascii():
        return text.casefold()  # nothing to decompose, strip or translate: the common, fast case
    decomposed = unicodedata.normalize("NFKD", _INVISIBLE.sub("", text).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD_EXTRA)


# --- named members --------------------------------------------------------------------------
#
# A member's name is recognised in the forms people write it: the full name in any case or
# accent ("Dave Kowalski", "dave.kowalski", "Kowalski, Dave"), initials ("D. Kowalski",
# "Dave K."), and the first name or surname alone ("Dave", "Kowalski's"). A first name or surname
# that is also an everyday word (bot/data/name_words.yml: "Will", "May", "Grace", "Park") or has
# three letters or fewer ("Can", "Min", "Sun": words too) counts alone only when written with a
# capital letter; full names count in any case. Particles ("van", "de") never count alone.

_NAME_TOKEN = re.compile(r"[^\W_]+")
# Where a service gets the workspace's names from (SupportService.member_names, cached).
NameSource = Callable[[], Awaitable[Sequence[str]]]
_PARENTHETICAL = re.compile(r"\([^()]*\)")
# Only words that are never a name on their own: "Le", "Do" or "Ben" are names (and short, so
# they need a capital anyway).
_PARTICLES = frozenset(
    {"van", "der", "den", "de", "da", "di", "du", "des", "del", "della", "von", "zu", "bin", "binti",
     "dos", "das", "st", "ter", "ten", "y", "e", "mc", "mac", "ibn", "o"}
)  # fmt: skip
_SHORT_NAME = 3
_NameKind = Literal["full", "alone", "initial_first", "first_initial"]


class _NameForm(NamedTuple):
    """One written form of a member's name: folded words in order, and what it takes to count."""

    name: str
    words: tuple[str, ...]
    kind: _NameKind
    needs_capital: bool


@functools.cache
def _name_words() -> frozenset[str]:
    """Names that are also everyday words; alone, they count only when capitalised."""
    source = resources.files("bot") / "data" / "name_words.yml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("words"), list):
        raise ValueError("name_words.yml: expected a list under 'words'")
    return frozenset(_fold(str(w)) for w in data["words"])


def _name_tokens(name: str) -> tuple[str, ...]:
    """The folded words of a name, without a "(she/her)" or "(Finance)" note."""
    return tuple(_NAME_TOKEN.findall(_fold(_PARENTHETICAL.sub(" ", name))))


@functools.lru_cache(maxsize=131_072)  # per name, so a directory refresh rebuilds only the index
def _name_forms(name: str) -> list[_NameForm]:
    """Every form of one name worth looking for."""
    words = _name_tokens(name)
    if sum(len(w) for w in words) < 2 or all(w in _PARTICLES for w in words):
        return []
    common = _name_words()

    def alone(word: str) -> _NameForm | None:
        # A single letter is an initial ("ana.i", "Aarav I. Khan"), never a name on its own: "I".
        if len(word) < 2 or word in _PARTICLES or word.isdigit():
            return None
        return _NameForm(name, (word,), "alone", len(word) <= _SHORT_NAME or word in common)

    if len(words) == 1:
        form = alone(words[0])
        return [form] if form else []
    first, last = words[0], words[-1]
    surname = tuple(w for w in words[1:] if w not in _PARTICLES) or words[1:]
    forms = [
        _NameForm(name, words, "full", False),
        _NameForm(name, (*words[1:], first), "full", False),  # "Kowalski, Dave"
    ]
    if len(last) > 1 and len(first) > 1:
        forms += [
            _NameForm(name, (first[0], *words[1:]), "initial_first", False),  # "D. Kowalski"
            _NameForm(name, (first, last[0]), "first_initial", first in common or len(first) <= _SHORT_NAME),
        ]
    if len(words[1:]) > 1:
        forms.append(_NameForm(name, words[1:], "full", False))  # "Van der Berg"
    forms += [f for w in {first, *surname} if (f := alone(w))]
    return forms


@dataclass(frozen=True)
class _NameIndex:
    """Name forms by their first word, longest first, so "Dave Kowalski" wins over "Dave"."""

    by_first: Mapping[str, tuple[_NameForm, ...]]


@functools.lru_cache(maxsize=8)
def _name_index(names: tuple[str, ...]) -> _NameIndex:
    """The forms of every name, indexed (cached: the directory changes rarely)."""
    grouped: dict[str, list[_NameForm]] = {}
    for name in names:
        for form in _name_forms(name):
            grouped.setdefault(form.words[0], []).append(form)
    return _NameIndex(
        {k: tuple(v) if len(v) == 1 else tuple(sorted(v, key=_longest_first)) for k, v in grouped.items()}
    )


def _longest_first(form: _NameForm) -> int:
    """Sort key: longer forms first."""
    return -len(form.words)


@dataclass(frozen=True)
class _Word:
    """One word of a text: where it is, folded, and whether it starts with a capital."""

    start: int
    end: int
    folded: str
    capital: bool


def _form_at(text: str, words: list[_Word], i: int, index: _NameIndex) -> tuple[_NameForm, int, int] | None:
    """The name form that starts at word ``i``, the index of its last word, and where it ends."""
    for form in index.by_first.get(words[i].folded, ()):
        n = len(form.words)
        span = words[i : i + n]
        if len(span) < n or any(w.folded != f for w, f in zip(span, form.words, strict=True)):
            continue
        # Words of a name are separated by spaces or punctuation only, never by another word.
        if any(not _NAME_GAP.fullmatch(text[a.end : b.start]) for a, b in itertools.pairwise(span)):
            continue
        if form.kind == "initial_first":
            # "D. Kowalski" or "D Kowalski": a capital initial, on its own.
            if not (span[0].capital and span[0].end - span[0].start == 1):
                continue
        elif form.kind == "first_initial":
            initial = span[-1]
            dotted = text[initial.end : initial.end + 1] == "."
            if not (initial.capital and initial.end - initial.start == 1):
                continue
            if form.needs_capital and not (span[0].capital and dotted):
                continue
            if dotted:
                return form, i + n - 1, initial.end + 1  # "Dave K." takes its dot along
        elif form.needs_capital and not span[0].capital:
            continue
        return form, i + n - 1, span[-1].end
    return None


_NAME_GAP = re.compile(r"[\s.,'\u2019_-]{0,3}")


def _named_spans(text: str, names: Iterable[str]) -> list[tuple[int, int, str]]:
    """Where the text names a member: (start, end, the name as listed), in order."""
    index = _name_index(tuple(names))
    if not index.by_first:
        return []
    words = [
        _Word(m.start(), m.end(), _fold(m.group()), m.group()[:1].isupper())
        for m in _NAME_TOKEN.finditer(text)
        # A placeholder already written ("[link]") is not a name, whoever is called Link.
        if not (text[m.start() - 1 : m.start()] == "[" and text[m.end() : m.end() + 1] == "]")
    ]
    spans: list[tuple[int, int, str]] = []
    i = 0
    while i < len(words):
        found = _form_at(text, words, i, index)
        if found is None:
            i += 1
            continue
        form, last, end = found
        spans.append((words[i].start, end, form.name))
        i = last + 1
    return spans


def prepare_names(names: Iterable[str]) -> None:
    """Build (and cache) the name index now, so the next scrub of these names is quick."""
    _name_index(tuple(names))


def find_named_member(text: str, names: Iterable[str]) -> str | None:
    """Return the member name that the text names first (any form above), or None."""
    spans = _named_spans(text, names)
    return spans[0][2] if spans else None


def scrub_names(text: str, names: Iterable[str]) -> str:
    """Replace every form of a member's name in the text with a placeholder."""
    spans = _named_spans(text, names)
    if not spans:
        return text
    parts: list[str] = []
    copied = 0
    for start, end, _ in spans:
        parts += [text[copied:start], _PLACEHOLDER_PERSON]
        copied = end
    parts.append(text[copied:])
    return "".join(parts)


# --- risk -----------------------------------------------------------------------------------
#
# Risk phrases (bot/data/risk_terms.yml) are matched against a canonical form of the text, so the
# phrase list stays short while people's spelling varies: casefolded and unaccented, leetspeak
# undone ("k1ll" → "kill"), stretched letters cut ("diiie"), spaced-out letters joined
# ("s u i c i d a l"), contractions expanded ("don't" → "do not", "he'd" → "he would", "wanna" →
# "want to"), "my self" joined, and near-misses of a few risk words corrected with an edit distance
# (rapidfuzz). A phrase preceded in its own clause by "not", "never" or "no" ("I'd never hurt
# myself") is negated, unless the negation is itself stopped ("can't stop thinking about ...").

RiskKind = Literal["self_harm", "violence"]
_RISK_KINDS: tuple[RiskKind, ...] = ("self_harm", "violence")  # checked in this order
_RISK_WORD = re.compile(r"!?[a-z']+(?:\|[a-z']+)*\??|\{[a-z_]+\}")
# The longest text judged: far beyond any form's limit, small enough to keep the work bounded.
_RISK_MAX_CHARS = 20_000

# Sentence punctuation ends a clause only before a space ("k!ll" stays one word); a line break
# only when a blank line follows, since people wrap lines mid-sentence in a text box.
_CLAUSE_BREAK = re.compile(r"[.!?;:,]+(?=\s|$)|[()\[\]{}\"“”…]+|\n\s*\n|\s[-–—]+\s")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
_LEET_CHARS = frozenset("013457@$!")
_WORD_PIECES = re.compile(r"[a-z]+(?:'[a-z]+)*")
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_NEGATORS = frozenset({"not", "never", "no"})
# A negation that is itself negated or hedged does not cancel the phrase after it.
_NEGATION_STOPPED = frozenset(
    {"stop", "help", "lie", "sure", "know", "care", "anymore", "ok", "okay", "well", "fine", "good",
     "alright", "coping", "great", "happy"}
)  # fmt: skip
# Words that do not count towards the negation window: "no way I'd ever hurt myself".
_NEGATION_FILLERS = frozenset({"ever", "really", "honestly", "actually", "seriously", "just", "even", "way"})
_CLAUSE_WORDS = frozenset(
    {"|", "and", "but", "so", "because", "cause", "though", "although", "yet", "or", "if"}
)
_NEGATION_WINDOW = 3
_CONTRACTIONS: Mapping[str, str] = {
    "cannot": "can not",
    "can't": "can not",
    "cant": "can not",
    "won't": "will not",
    "wont": "will not",
    "ain't": "is not",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "isnt": "is not",
    "wasnt": "was not",
    "couldnt": "could not",
    "wouldnt": "would not",
    "shouldnt": "should not",
    "havent": "have not",
    "im": "i am",
    "ive": "i have",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "tryna": "trying to",
    "too": "to",
}
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("n't", " not"),
    ("'m", " am"),
    ("'re", " are"),
    ("'ve", " have"),
    ("'ll", " will"),
    ("'d", " would"),
    ("'s", " is"),
)
# "'s" is "is" after these ("he's going to"); after anything else it is a possessive ("dad's rifle"),
# dropped so the phrase reads "dad rifle".
_IS_CONTRACTED = frozenset(
    {"he", "she", "it", "that", "there", "what", "who", "where", "how", "here", "someone", "somebody",
     "everyone", "everybody", "nobody", "noone", "life", "this", "everything", "nothing"}
)  # fmt: skip
_SELF_WORDS = frozenset({"self", "selves"})
_SELF_OWNERS = {"my": "myself", "your": "yourself", "ur": "yourself", "him": "himself", "her": "herself"}


@dataclass(frozen=True)
class RiskSignal:
    """That a text signals risk, and of what kind; deliberately nothing about the text."""

    kind: RiskKind


@dataclass(frozen=True)
class _RiskMatcher:
    """The compiled risk phrases and the words near-misses are corrected to."""

    patterns: Mapping[RiskKind, re.Pattern[str]]
    fuzzy: tuple[str, ...]
    vocabulary: frozenset[str]
    keep: frozenset[str]


def _compile_risk_term(term: str, where: str, macros: Mapping[str, str]) -> str:
    """Turn a term like ``kill|killing myself !off`` into a regex over canonical, spaced words."""
    words = term.split()
    if (
        not words
        or not all(_RISK_WORD.fullmatch(w) for w in words)
        or words[0].endswith("?")
        or words[0].startswith("!")
    ):
        raise ValueError(
            f"{where}: term {term!r} must be lowercase words; '|' separates alternatives, a trailing "
            "'?' makes a word optional, a leading '!' forbids the next word, {macro} inserts a macro "
            "(the first word can be neither optional nor forbidden)"
        )
    parts: list[str] = []
    for i, word in enumerate(words):
        sep = " " if i else ""
        if word.startswith("{"):
            name = word[1:-1]
            if name not in macros:
                raise ValueError(f"{where}: term {term!r} uses the unknown macro {word}")
            parts.append(f"{sep}(?:{macros[name]})")
            continue
        negative = word.startswith("!")
        optional = word.endswith("?")
        alternatives = "|".join(re.escape(a) for a in word.strip("!?").split("|"))
        if negative:
            parts.append(f"(?! (?:{alternatives})(?![^ ]))")
        else:
            parts.append(f"(?:{sep}(?:{alternatives}))" + ("?" if optional else ""))
    return "".join(parts)


def _string_list(data: Mapping[str, object], key: str, where: str) -> list[str]:
    """A non-empty list of strings from the risk-terms document."""
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(t, str) for t in value):
        raise ValueError(f"{where}: {key} must be a non-empty list of strings")
    return cast(list[str], value)


def _compile_risk_terms(data: object, where: str) -> _RiskMatcher:
    """Validate the risk-terms document and compile one pattern per kind."""
    expected = {*_RISK_KINDS, "macros", "fuzzy", "keep"}
    if not isinstance(data, dict) or set(data) != expected:
        raise ValueError(f"{where}: expected exactly the keys {', '.join(sorted(expected))}")
    raw_macros = data["macros"]
    if not isinstance(raw_macros, dict):
        raise ValueError(f"{where}: macros must map names to lists of phrases")
    macros: dict[str, str] = {}
    for name in raw_macros:
        phrases = _string_list(raw_macros, name, f"{where}: macros")
        # Macros may use the macros defined before them, nothing else: no cycles to worry about.
        macros[name] = "|".join(_compile_risk_term(p, f"{where}: macro {name}", macros) for p in phrases)
    patterns: dict[RiskKind, re.Pattern[str]] = {}
    vocabulary: set[str] = set()
    for kind in _RISK_KINDS:
        terms = _string_list(data, kind, where)
        body = "|".join(_compile_risk_term(t, f"{where}: {kind}", macros) for t in terms)
        patterns[kind] = re.compile(rf"(?<![^ ])(?:{body})(?![^ ])")
        for term in [*terms, *(p for name in raw_macros for p in raw_macros[name])]:
            vocabulary.update(a for w in term.split() for a in w.strip("!?").split("|") if a.isalpha())
    fuzzy = tuple(_string_list(data, "fuzzy", where))
    keep = frozenset(_string_list(data, "keep", where))
    return _RiskMatcher(patterns, fuzzy, frozenset(vocabulary), keep)


@functools.cache
def _risk_matcher() -> _RiskMatcher:
    """The packaged risk terms, compiled once."""
    source = resources.files("bot") / "data" / "risk_terms.yml"
    return _compile_risk_terms(yaml.safe_load(source.read_text(encoding="utf-8")), "risk_terms.yml")


@functools.lru_cache(maxsize=4096)
def _correct(word: str) -> str:
    """A risk word the given word is a near-miss of ("sucide" → "suicide"), or the word itself."""
    matcher = _risk_matcher()
    if len(word) < 5 or word in matcher.vocabulary or word in matcher.keep:
        return word
    # Same first letter ("skill" is not "kill"), and near in length: nothing else can be in reach.
    reach = 1 if len(word) < 8 else 2
    candidates = [w for w in matcher.fuzzy if w[0] == word[0] and abs(len(w) - len(word)) <= reach]
    if not candidates:
        return word
    found = rf_process.extractOne(word, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=reach)
    return word if found is None else str(found[0])


def _unstretch(word: str, vocabulary: frozenset[str]) -> str:
    """Cut letters repeated three or more times ("killl", "diiie") to a known word if one fits."""
    if not _STRETCHED.search(word):
        return word
    single = _STRETCHED.sub(r"\1", word)
    return single if single in vocabulary else _STRETCHED.sub(r"\1\1", word)


def _expand(word: str) -> list[str]:
    """A word with its contraction spelled out ("don't" → "do", "not")."""
    if word in _CONTRACTIONS:
        return _CONTRACTIONS[word].split()
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            stem = word[: -len(suffix)]
            if suffix == "'s" and stem not in _IS_CONTRACTED:
                return _expand(stem)
            if suffix == "n't":
                stem = {"ca": "can", "wo": "will", "ai": "is", "sha": "shall"}.get(stem, stem)
            return [*_expand(stem), *replacement.split()]
    return [word]


@functools.lru_cache(maxsize=65_536)
def _canonical(raw: str) -> tuple[str, ...]:
    """The canonical words of one whitespace-separated token ("don't," → "do", "not")."""
    vocabulary = _risk_matcher().vocabulary
    if not _LEET_CHARS.isdisjoint(raw) and any(c.isalpha() for c in raw):
        raw = raw.translate(_LEET)
    return tuple(
        _correct(word)
        for piece in _WORD_PIECES.findall(raw)
        for word in _expand(_unstretch(piece, vocabulary))
    )


def _risk_tokens(text: str) -> list[str]:
    """The canonical words of a text, with '|' where a clause ends."""
    folded = _CLAUSE_BREAK.sub(" | ", _fold(text[:_RISK_MAX_CHARS]))
    words: list[str] = []
    for raw in folded.split():
        if raw == "|":
            words.append("|")
        else:
            words.extend(_canonical(raw))
    return _joined(words)


def _joined(words: list[str]) -> list[str]:
    """Join "my self" into "myself" and runs of single letters ("s u i c i d e") into a word."""
    out: list[str] = []
    run: list[str] = []
    for word in [*words, "|"]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if run:
            out.extend([_correct("".join(run))] if len(run) >= 4 else run)
            run = []
        if word == "ever" and out[-2:] == ["never", "|"]:
            out.pop()  # "never, ever" is one negation, not two clauses
        if word in _SELF_WORDS and out and out[-1] in _SELF_OWNERS:
            out[-1] = _SELF_OWNERS[out[-1]]
            continue
        out.append(word)
    return out[:-1]


def _negated(words: list[str], start: int) -> bool:
    """Whether the phrase starting at word ``start`` is negated within its own clause."""
    window: list[str] = []
    for word in reversed(words[:start]):
        if word in _CLAUSE_WORDS or len(window) == _NEGATION_WINDOW:
            break
        if word not in _NEGATION_FILLERS:
            window.insert(0, word)
    for i, word in enumerate(window):
        if word in _NEGATORS and not _NEGATION_STOPPED.intersection(window[i + 1 : i + 3]):
            return True
    return False


def detect_risk(text: str) -> RiskSignal | None:
    """Return a signal if the text suggests risk of self-harm or violence, else None."""
    words = _risk_tokens(text)
    canonical = " ".join(words)
    for kind, pattern in _risk_matcher().patterns.items():
        for match in pattern.finditer(canonical):
            if not _negated(words, canonical.count(" ", 0, match.start())):
                # Self-harm is checked first: when both appear, the author may be the one at risk.
                return RiskSignal(kind)
    return None


# --- support resources ----------------------------------------------------------------------


@dataclass(frozen=True)
class SupportResources:
    """Where to get help, shown privately when a text signals risk and on the App Home."""

    eap_contact: str
    crisis_line: str
    peer_supporter_now: str
    emergency_number: str


@functools.cache
def _load_support_resources(path: Path | None) -> SupportResources:
    """Read and validate a support-resources file (the packaged one when path is None)."""
    if path is None:
        where = "support_resources.yml"
        raw = (resources.files("bot") / "data" / where).read_text(encoding="utf-8")
    else:
        where = str(path)
        raw = path.read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    expected = [f.name for f in fields(SupportResources)]
    if not isinstance(data, dict) or set(data) != set(expected):
        raise ValueError(f"{where}: expected exactly the keys {', '.join(expected)}")
    for key in expected:
        if not isinstance(data[key], str) or not data[key].strip():
            raise ValueError(f"{where}: {key} must be a non-empty string")
    values = cast(dict[str, str], data)
    return SupportResources(**{key: values[key].strip() for key in expected})


def support_resources_problem(path: Path) -> str | None:
    """Why the resources file at ``path`` cannot be used, or None when it can."""
    try:
        _load_support_resources(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return f"{path} cannot be read ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
    except ValueError as exc:
        return str(exc)
    return None


def load_support_resources(path: Path | None = None) -> SupportResources:
    """Return the support resources from ``path`` or, by default (or if it is unusable), the packaged file."""
    if path is not None:
        problem = support_resources_problem(path)
        if problem is None:
            return _load_support_resources(path)
        # The safety net must never fail closed: a person at risk gets the built-in help instead.
        _log.warning("SUPPORT_RESOURCES_FILE unusable (%s); using the built-in resources", problem)
    return _load_support_resources(None)
