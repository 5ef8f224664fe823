"""The catalogue's Slack mrkdwn becomes the markdown Adaptive Card TextBlocks render; plain text stays."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.catalogue import extract
from bot.i18n import speaking
from handlers.teams.cards.markup import EMOJI, card_date, inert, to_markdown, written_date

MOMENT = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
TS = int(MOMENT.timestamp())


@pytest.mark.parametrize(
    ("slack", "teams"),
    [
        ("*Anonymous.* Your answers", "**Anonymous.** Your answers"),
        ("a *bold* and *another bold*", "a **bold** and **another bold**"),
        ("_(answered — tap to change)_", "_(answered — tap to change)_"),
        ("~gone~ stays", "gone stays"),
        ("<https://example.org/help|Get help>", "[Get help](https://example.org/help)"),
        ("<https://example.org/a_(b)|x [y]>", "[x (y)](https://example.org/a_(b%29)"),
        ("<https://example.org>", "https://example.org"),
        ("<mailto:eap@example.org|write to us>", "[write to us](mailto:eap@example.org)"),
        (":lock: :wave: :handshake: :sunflower:", "🔒 👋 🤝 🌻"),
        ("`/pulse optout` stops them", "**pulse optout** stops them"),
        ("*Use `/feedback`*", "**Use **feedback****"),
        # Left for the send-time pass (handlers/teams/names.py), which knows the names.
        ("<@U0SAM> said", "<@U0SAM> said"),
        ("<#C0ALL|general>", "#general"),
        ("a &lt;b&gt; &amp; c", "a <b> & c"),
        ("sits in Slack next to your name", "sits in Teams next to your name"),
        (
            f"closes <!date^{TS}^{{date_short_pretty}} at {{time}}|Fri 04 Dec, 10:00 UTC>.",
            "closes {{DATE(2026-12-04T10:00:00Z, SHORT)}} at {{TIME(2026-12-04T10:00:00Z)}}.",
        ),
        (f"<!date^{TS}^{{date_long}}|Fri 04 Dec>", "{{DATE(2026-12-04T10:00:00Z, LONG)}}"),
        (f"<!date^{TS}^{{date_num}}^https://x.org|04/12>", "{{DATE(2026-12-04T10:00:00Z, COMPACT)}}"),
        # A token Teams has no function for: Slack's own fallback text.
        (f"<!date^{TS}^{{ago}}|Fri 04 Dec, 10:00 UTC>", "Fri 04 Dec, 10:00 UTC"),
    ],
)
def test_each_slack_construct_is_rewritten(slack: str, teams: str) -> None:
    assert to_markdown(slack) == teams


@pytest.mark.parametrize(
    "plain",
    [
        "",
        "Just words, with punctuation; and a dash — here.",
        "{done} of {required} answered",
        "3 * 4 = 12 and 2*3",
        "snake_case_name and file_name.txt",
        "a lone * star, a lone _ underscore and a ~ tilde",
        "at 10:00:00Z the :unknown_code: stays",
        "{{DATE(2026-12-04T10:00:00Z, SHORT)}} {{TIME(2026-12-04T10:00:00Z)}}",
        "**already bold** and [a link](https://example.org)",
        "• a bullet\n• another",
        "Slacker and Slackware are not the platform",
        "⟦Hello⟧ ⟦world⟧",
    ],
)
def test_text_without_slack_markup_passes_through_untouched(plain: str) -> None:
    assert to_markdown(plain) == plain


def test_mentions_take_a_name_when_given() -> None:
    assert to_markdown("<@U0SAM> and <@U0LEE|lee>", names={"U0SAM": "Sam River"}) == "@Sam River and @lee"


def test_every_emoji_the_catalogue_uses_has_a_character() -> None:
    codes = {code for message in extract() for code in re.findall(r":([a-z0-9_+-]+):", str(message.id))}
    # Codes that are not emoji: the catalogue's own placeholders written between colons.
    codes -= {"due", "overdue", "user", "memory"}
    assert codes and codes <= EMOJI.keys(), sorted(codes - EMOJI.keys())


def test_card_dates_are_strict_utc_whatever_zone_the_moment_is_in() -> None:
    berlin = MOMENT.astimezone(timezone(timedelta(hours=1)))
    expected = "{{DATE(2026-12-04T10:00:00Z, SHORT)}} at {{TIME(2026-12-04T10:00:00Z)}}"
    assert card_date(berlin) == card_date(MOMENT.replace(tzinfo=None)) == expected
    with speaking("de"):
        assert card_date(MOMENT) == "{{DATE(2026-12-04T10:00:00Z, SHORT)}} um {{TIME(2026-12-04T10:00:00Z)}}"


def test_a_written_date_is_in_the_programs_zone() -> None:
    assert written_date(MOMENT, zone="Europe/Berlin") == "Fri 04 Dec, 11:00 CET"


@pytest.mark.parametrize(
    "typed",
    [
        "*URGENT* read <https://evil.example|this> now",
        "[click](https://evil.example) {{DATE(2026-12-04T10:00:00Z, SHORT)}}",
        "`/pulse optout` ~struck~ _lean_ :lock:",
    ],
)
def test_peoples_words_made_inert_survive_the_rewrite_as_typed(typed: str) -> None:
    shown = to_markdown(f"*Since last time:* {inert(typed)}")
    assert shown.startswith("**Since last time:** ")
    rest = shown.removeprefix("**Since last time:** ")
    assert not re.search(r"[*_~`\[\]<>{}]", rest.replace("🔒", "")), rest
    assert "](" not in rest and "{{" not in rest and "🔒" not in rest


def test_inert_collapses_lines() -> None:
    assert inert("one\n\n- two\tthree ") == "one - two three"
