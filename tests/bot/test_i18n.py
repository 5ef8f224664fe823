"""The one message catalogue: current with the code, complete in German, placeholders intact."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.catalogue import TEMPLATE, language_files
from bot.catalogue import main as catalogue
from bot.i18n import PSEUDO_LANGUAGE, _, language_of, languages, ngettext, speaking

# Slack markup a translation must keep as it is: commands, mentions and emoji.
KEPT = re.compile(r"`[^`]+`|<[^>]+>|:[a-z_]+:")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _entries(path: str) -> list[tuple[tuple[str, ...], tuple[str, ...], set[str]]]:
    with open(path, "rb") as po:
        catalog = read_po(po)
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids = tuple(message.id) if isinstance(message.id, list | tuple) else (message.id,)
        strings = tuple(message.string) if isinstance(message.string, list | tuple) else (message.string,)
        found.append((ids, strings, set(message.flags)))
    return found


def test_the_template_holds_every_string_in_the_code() -> None:
    assert catalogue(["--check"]) == 0, "run `python -m bot.catalogue` and translate what is new"


def test_german_is_shipped_and_every_string_is_translated_without_guesswork() -> None:
    assert "de" in languages()
    template = {ids for ids, _, _ in _entries(str(TEMPLATE))}
    for path in language_files():
        entries = _entries(str(path))
        assert {ids for ids, _, _ in entries} == template, f"{path} is not merged with the template"
        for ids, strings, flags in entries:
            assert "fuzzy" not in flags, (path, ids)
            assert all(strings), (path, ids)


def test_translations_keep_every_placeholder_and_every_piece_of_slack_markup() -> None:
    for path in language_files():
        for ids, strings, _flags in _entries(str(path)):
            markup = sorted(KEPT.findall(ids[0]))
            for n, translated in enumerate(strings):
                # A lost or renamed {field} would raise or mislead at run time, in front of the person.
                # (A singular may leave out the count its English says in words, as English does.)
                source = ids[min(n, len(ids) - 1)]
                expected = _fields(source) if len(ids) == 1 or n else _fields(translated) & _fields(ids[-1])
                assert _fields(translated) == expected and _fields(translated) <= _fields(ids[-1]) | _fields(
                    ids[0]
                ), (path, source, translated)
                assert sorted(KEPT.findall(translated)) == markup, (path, ids[0], translated)


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("de-DE", "de"),
        ("de_AT", "de"),
        ("DE-ch", "de"),
        ("en-GB", "en"),
        ("ja-JP", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_a_platform_locale_maps_to_a_shipped_language(locale: str | None, language: str) -> None:
    assert language_of(locale) == language


def test_an_unshipped_locale_falls_back_to_the_configured_default() -> None:
    assert language_of("ja-JP", fallback="de") == "de"


def test_the_reader_s_language_applies_only_inside_speaking() -> None:
    assert _("Open my pulse") == "Open my pulse"
    with speaking("de-DE") as language:
        assert language == "de"
        assert _("Open my pulse") == "Meine Pulsumfrage öffnen"
        with speaking(PSEUDO_LANGUAGE):
            assert _("Open my pulse") == "⟦Open my pulse⟧"
        assert _("Open my pulse") == "Meine Pulsumfrage öffnen"
    assert _("Open my pulse") == "Open my pulse"


def test_translated_choices_fit_slack_s_option_limit() -> None:
    from bot.support import load_support_taxonomy

    taxonomy = load_support_taxonomy()
    for language in languages():
        with speaking(language):
            for kind in ("categories", "channels", "outcomes", "training_courses"):
                for choice in taxonomy.choices(kind):
                    assert 0 < len(_(choice.label)) <= 75, (language, choice.label)


def test_plurals_follow_the_count() -> None:
    one = "Comments are stripped of names, emails and phone numbers before they are saved, and deleted after *{days} day*; only group figures stay."
    many = one.replace("{days} day*", "{days} days*")
    with speaking("de"):
        assert "*1 Tag*" in ngettext(one, many, 1).format(days=1)
        assert "*30 Tagen*" in ngettext(one, many, 30).format(days=30)


def test_no_catalogued_call_hides_inside_an_f_string() -> None:
    # Babel reads an f-string as one token, so `f"{_('x')}"` would never reach the template.
    root = Path(__file__).resolve().parents[2]
    hidden = [
        f"{path.relative_to(root)}:{n}"
        for folder in ("bot", "handlers")
        for path in (root / folder).rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"""\bf(["']).*\{\s*(?:_|ngettext|N_)\(\s*["']""", line)
    ]
    assert hidden == []
