"""Keep the message catalogue in step with the code: `python -m bot.catalogue [--check]`.

Extracts every `_()`, `ngettext()` and `N_()` string from bot/ and handlers/, plus the shipped
data people read (support resources, support taxonomy, pulse questions, the improvement playbook's
practices and the meanings of its signals), into bot/locale/peerpulse.pot, and merges that
template into each language's .po (new strings arrive untranslated, so English shows until a
translator fills them in). `--check` changes nothing and fails when the template is out of date.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LOCALE_DIR
from bot.playbook import KNOWN_SIGNALS, load_practices, shown_texts, signal_meaning

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
SOURCES = ("bot", "handlers")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
DATA = Path(__file__).parent / "data"
RESOURCES = DATA / "support_resources.yml"
TAXONOMY = DATA / "support_taxonomy.yml"
QUESTIONS = DATA / "questions.yml"


def extract() -> Catalog:
    """Every catalogued string in the code and the shipped resources, as a template."""
    catalog = Catalog(project="PeerPulse", domain=DOMAIN, fuzzy=False)
    for source in SOURCES:
        # The simulated workspace's people are not PeerPulse speaking.
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / source,
            keywords=KEYWORDS,
            comment_tags=("Translators:",),
            directory_filter=lambda d: "simulation" not in d and "__pycache__" not in d,
        ):
            catalog.add(
                message, locations=[(f"{source}/{filename}", lineno)], auto_comments=comments, context=context
            )
    resources = yaml.safe_load(RESOURCES.read_text(encoding="utf-8"))
    for key, text in sorted(resources.items()):
        catalog.add(str(text), locations=[("bot/data/support_resources.yml", 0)], auto_comments=[key])
    for kind, label in _taxonomy_labels():
        catalog.add(label, locations=[("bot/data/support_taxonomy.yml", 0)], auto_comments=[kind])
    for text, note in _question_texts():
        catalog.add(text, locations=[("bot/data/questions.yml", 0)], auto_comments=[note])
    for text, note in _playbook_texts():
        catalog.add(text, locations=[("bot/playbook/practices.yml", 0)], auto_comments=[note])
    return catalog


def _playbook_texts() -> list[tuple[str, str]]:
    """The playbook's words as the digest shows them (read through its own loader, so the keys match)."""
    found = [
        (text, f"improvement practice {practice.id} ({part}); the coordinators' to-do, plain and calm")
        for practice in load_practices()
        for part, text in zip(("title", "action", "rationale"), shown_texts(practice), strict=True)
    ]
    found += [
        (meaning, f"what the playbook signal {name} measures, shown as '<this>: 42%' in the digest")
        for name in KNOWN_SIGNALS
        if (meaning := signal_meaning(name)) is not None
    ]
    return found


def _question_texts() -> list[tuple[str, str]]:
    """The pulse items and their answer labels, each with a note for the translator."""
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    found = [
        (str(label), f"answer label of the {name} scale")
        for name, scale in data["scales"].items()
        for label in scale.get("labels") or []
    ]
    found += [
        (
            str(q["text"]),
            f"pulse item {q['id']}; translate the meaning of its source faithfully: {q.get('source', '')}",
        )
        for q in data["questions"]
    ]
    return found


def _taxonomy_labels() -> list[tuple[str, str]]:
    """The support taxonomy's option labels (what supporters choose from), by kind."""
    data = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))
    return [
        (str(kind), str(option["label"]))
        for kind, options in data.items()
        if isinstance(options, list)
        for option in options
        if isinstance(option, dict) and "label" in option
    ]


def _po_text(catalog: Catalog) -> str:
    out = io.BytesIO()
    # No file positions: the template changes only when a string does, not when code moves.
    write_po(out, catalog, width=100, omit_header=True, sort_output=True, no_location=True)
    return out.getvalue().decode("utf-8")


def language_files() -> list[Path]:
    """Each shipped language's .po file."""
    return sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def main(argv: list[str] | None = None) -> int:
    """Rewrite the template and merge it into every language (or, with --check, only compare)."""
    parser = argparse.ArgumentParser(prog="python -m bot.catalogue")
    parser.add_argument("--check", action="store_true", help="fail if the template is out of date")
    args = parser.parse_args(argv)
    template = extract()
    text = _po_text(template)
    if args.check:
        current = TEMPLATE.read_text(encoding="utf-8") if TEMPLATE.is_file() else ""
        if current != text:
            print("bot/locale/peerpulse.pot is out of date: run `python -m bot.catalogue`", file=sys.stderr)
            return 1
        return 0
    TEMPLATE.write_text(text, encoding="utf-8")
    for path in language_files():
        with path.open("rb") as po:
            catalog = read_po(po, locale=path.parent.parent.name, domain=DOMAIN)
        # No fuzzy guesses: a new string stays empty (English shows) until a translator fills it in.
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        with path.open("wb") as po:
            write_po(po, catalog, width=100, sort_output=True, no_location=True, ignore_obsolete=True)
    print(
        f"{len(template)} strings in {TEMPLATE.relative_to(ROOT)}; merged into {len(language_files())} language(s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
