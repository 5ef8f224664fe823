"""The digest on Teams: every part the Slack digest has, as valid Adaptive Cards within Teams' limits,
in English, German and the pseudo-language; its chart inline with its alt text; updates and notes."""

from __future__ import annotations

import base64
import functools
import io
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from PIL import Image

from bot.announcements import (
    ActionAdopted,
    ActionClosed,
    ActionProgress,
    PolicyChanged,
    UpdateShared,
)
from bot.digest import DigestChart, DigestView
from bot.i18n import PSEUDO_LANGUAGE, speaking
from bot.insights import SUPPRESSED, Estimate
from bot.insights.chart import render_constructs_chart
from bot.surveys import CancelledRound, CloseCheck, RoundStatus
from handlers.teams.cards.announcements import build_announcement_card, build_update_card
from handlers.teams.cards.card import CARD_LIMIT, MESSAGE_LIMIT, message, size
from handlers.teams.cards.digest import (
    DIGEST_OPEN_ACTIONS,
    build_chart_card,
    build_digest_cards,
    digest_view_cards,
    split_cards,
)
from handlers.teams.cards.improvement import ADOPT, CLOSE, UPDATE
from handlers.teams.cards.markup import inert, to_markdown
from handlers.teams.cards.rounds import (
    build_cancel_prompt,
    build_close_confirmation,
    build_send_confirmation,
    cancelled_text,
    closed_early_text,
    kept_open_text,
    not_sent_text,
    round_opened_text,
    status_text,
)
from handlers.teams.ids import teams_id
from handlers.teams.names import MENTION, with_mentions
from tests.handlers.teams.cards.checks import actions, schema_errors, texts
from tests.handlers.test_catalogue_coverage import escaped_words
from tests.handlers.test_catalogue_coverage_coordinators import (
    CLOSED,
    COORDINATOR_DATA,
    FIGURES,
    OPEN,
    ROUND,
    STATUSES,
    SUGGESTIONS,
    _preview,
    _report,
)

LANGUAGES = ("en", "de", PSEUDO_LANGUAGE)
# Card markdown's links, mentions of people (ids, not words) and dates are not words to translate.
NOT_WORDS = re.compile(r"\]\([^)\s]*\)|@[\w%.:-]+|\{\{(?:DATE|TIME)\([^)]*\)\}\}")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # about 10 KB, as a digest chart is
UPDATE_TEXT = "We started listening circles in every team.\nThank you for *saying* so."

DIGESTS: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "digest": lambda: build_digest_cards(_report()),
    "digest, quiet week": lambda: build_digest_cards(_report(rich=False)),
    **{
        f"digest suggesting {s.practice.id}": (
            lambda s=s: build_digest_cards(replace(_report(rich=False), suggestions=[s]))
        )
        for s in SUGGESTIONS
    },
}
NOTES: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "update": lambda: [build_update_card(UPDATE_TEXT)],
    "adopted": lambda: [
        build_announcement_card(ActionAdopted(by="U0", action=OPEN[0]), audience_channel=None)
    ],
    "progress": lambda: [
        build_announcement_card(ActionProgress(by="U0", action=OPEN[1]), audience_channel=None)
    ],
    "closed": lambda: [
        build_announcement_card(ActionClosed(by="U0", action=CLOSED[0]), audience_channel=None)
    ],
    **{
        f"policy {change}": (
            lambda c=change: [
                build_announcement_card(
                    PolicyChanged(by="U0", status=STATUSES[0], change=c), audience_channel=None
                )
            ]
        )
        for change in ("added", "edited", "reviewed")
    },
    **{
        f"update {outcome}": (
            lambda o=outcome: [
                build_announcement_card(
                    UpdateShared(
                        by="U0",
                        title="Listening circles",
                        text=UPDATE_TEXT,
                        destination="dm",
                        recipients=12,
                        outcome=o,
                        error="not_in_channel" if o == "failed" else None,
                    ),
                    audience_channel="C0ALL",
                )
            ]
        )
        for outcome in ("published", "waiting", "failed")
    },
}
# A coordinator's round questions (cards) and what their commands and taps answer (text, wrapped
# here so the same checks read it).
ROUNDS: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "send question, audience channel": lambda: [build_send_confirmation(_preview("C0ALL"))],
    "send question, everyone": lambda: [build_send_confirmation(_preview(None))],
    **{
        f"close question, {shown}": (lambda f=figure: [build_close_confirmation(CloseCheck(ROUND, f))])
        for shown, figure in FIGURES.items()
    },
    **{
        f"cancel question, {shown}": (lambda f=figure: [build_cancel_prompt(CloseCheck(ROUND, f))])
        for shown, figure in FIGURES.items()
    },
}
STATUS = RoundStatus(
    ROUND, invited=40, delivered=30, waiting=10, failed=2, answered=3, reminders_scheduled=40
)
REPLIES: dict[str, Callable[[], str]] = {
    "status": lambda: status_text(STATUS, k=5, zone="Europe/Berlin"),
    "status, cancelled": lambda: status_text(
        replace(
            STATUS,
            round=ROUND.model_copy(update={"closed_at": ROUND.opened_at, "invited": 0, "answered_final": 0}),
        ),
        k=5,
        zone="UTC",
    ),
    "opened": lambda: round_opened_text(True, invited=40, questions=3, closes="x"),
    "opened before": lambda: round_opened_text(False, invited=40, questions=1, closes="x"),
    "cancelled": lambda: cancelled_text(CancelledRound(ROUND.id, True, 3, 30, 2, FIGURES["at_least"])),
    "not cancelled": lambda: cancelled_text(CancelledRound(ROUND.id, False)),
    "closed early": lambda: closed_early_text(closed=True),
    "already closed": lambda: closed_early_text(closed=False),
    "not sent": not_sent_text,
    "kept open": kept_open_text,
}
SURFACES = {
    **DIGESTS,
    **NOTES,
    **ROUNDS,
    **{
        name: (lambda r=reply: [{"type": "AdaptiveCard", "body": [{"text": to_markdown(r())}]}])
        for name, reply in REPLIES.items()
    },
}
CARDS = [name for name in SURFACES if name not in REPLIES]
DATA = (
    *COORDINATOR_DATA,
    inert("We started listening circles in every team."),
    "not_in_channel",
    inert("Thank you for *saying* so."),
)


def _outside(text: str) -> list[str]:
    for data in DATA:
        text = text.replace(data, " ")
    return escaped_words(NOT_WORDS.sub(" ", text))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("surface", CARDS)
def test_every_card_is_valid_and_within_teams_limits(surface: str, language: str) -> None:
    with speaking(language):
        cards = SURFACES[surface]()
    assert cards
    for drawn in cards:
        # As it leaves: everyone it names is a Teams mention (names.py), with a long display name.
        people = {teams_id(m): "Cora Bell-Hartmann-Oyelaran" for m in MENTION.findall(str(drawn))}
        content = with_mentions(drawn, people)
        assert schema_errors(content) == []
        assert size(content) < CARD_LIMIT
        assert size(message(content, summary="x")) < MESSAGE_LIMIT
        # No Slack markup left for a Teams reader: channel links, user links, date tokens.
        assert not [t for t in texts(content) if re.search(r"<[#@!]", t)]


@pytest.mark.parametrize("surface", SURFACES)
def test_no_word_escapes_the_catalogue(surface: str) -> None:
    with speaking(PSEUDO_LANGUAGE):
        cards = SURFACES[surface]()
    leaks = {t: words for t in texts(cards) if (words := _outside(t))}
    assert not leaks


@pytest.mark.parametrize("surface", SURFACES)
def test_german_readers_read_german(surface: str) -> None:
    with speaking("en"):
        english = set(texts(SURFACES[surface]()))
    with speaking("de"):
        german = texts(SURFACES[surface]())
    assert not [t for t in german if t in english and _outside(t) and len(t.split()) > 2]


def test_the_rich_digest_has_every_part_of_the_slack_digest() -> None:
    with speaking("en"):
        cards = build_digest_cards(_report())
    shown = "\n".join(texts(cards))
    for part in (
        "PeerPulse weekly digest",
        "Figures from fewer than 5 people are withheld",
        "**Participation**",
        "more than chance would explain",
        "95% CI",
        "not asked in a closed round yet",
        "not enough answers",
        "How changes are tested",
        "Prefer not to say",
        "The chart in words",
        "Psychological safety: 60% · 62%.",
        "**Peer-support activity**",
        "**By category:**",
        "**What people are saying**",
        "**Confidentiality**",
        "**Suggested improvements**",
        "⚠️ **overdue**",
        "more open actions",
        "Effect over",
        "**Policy reviews due or overdue**",
        "Dignity at work policy",
    ):
        assert part in shown, part
    # A withheld theme is never named (its name would tell what a few people wrote).
    assert "Training" not in "\n".join(t for t in texts(cards) if "comments ·" in t)
    # Each suggestion has its Adopt button (the dialog, with Slack's p/c/t), each open action shown its
    # Update and Close (the ten soonest due, as on Slack): every one opens a dialog.
    report = _report()
    buttons = actions(cards)
    assert all(
        b["type"] == "Action.Submit" and b["data"]["msteams"] == {"type": "task/fetch"} for b in buttons
    )
    adopts = [b["data"] for b in buttons if b["data"]["action"] == ADOPT]
    assert [(d["p"], d["c"]) for d in adopts] == [
        (s.practice.id, report.construct_for_practice.get(s.practice.id, "")) for s in report.suggestions
    ]
    shown_open = report.open_actions[:DIGEST_OPEN_ACTIONS]
    for verb in (UPDATE, CLOSE):
        assert [b["data"]["a"] for b in buttons if b["data"]["action"] == verb] == [a.id for a in shown_open]


def test_a_long_digest_splits_into_cards_each_within_the_limit_in_order() -> None:
    many = replace(_report(), open_actions=OPEN * 1, constructs=_report().constructs * 12)
    with speaking("de"):
        cards = build_digest_cards(many)
        whole = texts(split_cards([b for c in cards for b in c["body"]], title="t", budget=10**9))
    assert len(cards) > 1
    assert all(size(c) < CARD_LIMIT and schema_errors(c) == [] for c in cards)
    assert [c["fallbackText"].rsplit(" ", 1)[-1] for c in cards] == [
        f"({i}/{len(cards)})" for i in range(1, len(cards) + 1)
    ]
    # Nothing lost or reordered by the split.
    assert [t for c in cards for t in texts(c["body"])] == [t for t in whole if t != "t"]


def test_each_queued_part_draws_its_own_card() -> None:
    report = replace(_report(), constructs=_report().constructs * 12)
    with speaking("en"):
        cards = build_digest_cards(report, chart=True)
        parts = [
            digest_view_cards(DigestView(report, part=i, parts=len(cards), chart_follows=True))[i]
            for i in range(len(cards))
        ]
    assert parts == cards


def test_the_chart_words_show_only_when_the_chart_follows() -> None:
    with speaking("en"):
        with_chart = "\n".join(texts(build_digest_cards(_report(), chart=True)))
        without = "\n".join(texts(build_digest_cards(_report(), chart=False)))
    assert "The chart in words" in with_chart
    assert "The chart in words" not in without


@functools.cache
def _chart_png() -> bytes:
    """A chart as the digest draws it: six rounds of four measures, one point withheld."""
    e = Estimate
    series = {
        f"Measure {i}": [
            e(0.4 + i / 20, 0.3, 0.6),
            SUPPRESSED,
            e(0.5, 0.4, 0.6),
            e(0.6, 0.5, 0.7),
            None,
            e(0.55, 0.4, 0.7),
        ]
        for i in range(4)
    }
    return render_constructs_chart(series, round_labels=[f"R{i}" for i in range(6)], min_group_size=5)


def _image(content: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in content["body"] if b["type"] == "Image")


@pytest.mark.parametrize("png", [PNG, None], ids=["small", "drawn"])
def test_the_chart_is_an_inline_image_with_its_alt_text_within_the_card_limit(png: bytes | None) -> None:
    chart = DigestChart(
        "digest.png", "Favourable share", "The chart of the last rounds", png or _chart_png(), "Alt"
    )
    content = build_chart_card(chart)
    assert schema_errors(content) == []
    assert size(content) < CARD_LIMIT
    image = _image(content)
    shown = base64.b64decode(image["url"].removeprefix("data:image/png;base64,"))
    assert shown.startswith(b"\x89PNG")
    assert image["altText"] == "Alt"
    if png is not None:
        assert shown == png  # small enough: sent as drawn
    # A chart queued before alt text was carried still says what it is.
    assert _image(build_chart_card(replace(chart, alt_text=None)))["altText"] == "Favourable share"


def test_a_chart_too_large_for_a_card_is_redrawn_smaller_and_still_readable() -> None:
    drawn = _chart_png()
    chart = DigestChart("digest.png", "Favourable share", "caption", drawn, "Alt")
    assert size(build_chart_card(chart, limit=10**9)) > CARD_LIMIT  # as drawn, it would not fit
    small = build_chart_card(chart)
    assert size(small) < CARD_LIMIT
    redrawn = Image.open(io.BytesIO(base64.b64decode(_image(small)["url"].split(",", 1)[1])))
    assert redrawn.width >= 400
    # Nothing fits: the card keeps the chart's words, never an oversized card.
    words = build_chart_card(chart, limit=600)
    assert [b["type"] for b in words["body"]] == ["TextBlock", "TextBlock"]
    assert "Alt" in texts(words)


def test_someones_words_cannot_format_or_link_the_card() -> None:
    content = build_update_card("*URGENT* [click](https://evil.example) {{DATE(2026-01-01T00:00:00Z)}}")
    shown = "\n".join(texts(content))
    for markup in ("*URGENT*", "[click]", "{{DATE"):
        assert markup not in shown


def test_a_policy_link_is_a_link_and_a_bad_one_is_not() -> None:
    status = STATUSES[0]
    linked = replace(status, policy=status.policy.model_copy(update={"link": "https://intranet.example/p"}))
    bad = replace(status, policy=status.policy.model_copy(update={"link": "javascript:alert(1)"}))
    with speaking("en"):
        good_text = "\n".join(texts(build_digest_cards(replace(_report(), policies=[linked]))))
        bad_text = "\n".join(texts(build_digest_cards(replace(_report(), policies=[bad]))))
    assert "](https://intranet.example/p)" in good_text
    assert "javascript" not in bad_text


def test_the_title_names_the_reports_day() -> None:
    # The digest's title names the day it was generated, as Slack's does.
    with speaking("en"):
        title = build_digest_cards(_report())[0]["body"][0]["text"]
    assert str(date(2026, 11, 30).year) in title
