"""No word a coordinator reads escapes the catalogue: the digest, actions, policies and rounds, rendered.

In `qps` every catalogued string comes back wrapped in ⟦ ⟧ (tests/handlers/test_catalogue_coverage.py);
in German each surface must still fit Block Kit's limits and keep no English sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.actions import ActionPage, ListedStatus
from bot.declines import PROTECTS_OTHERS, DeclineLine
from bot.digest import DigestReport, analyse_constructs
from bot.i18n import PSEUDO_LANGUAGE, _, speaking
from bot.insights import SUPPRESSED, Estimate, ThemeReport, ThemeSummary, Turnout, summarize_participation
from bot.insights.chart import _build_figure
from bot.insights.chart_text import chart_alt_text, chart_text_equivalent, gap_key
from bot.insights.monitor import ActionVerdict
from bot.insights.stats import LIKERT_5
from bot.measures import label_of
from bot.playbook import load_practices
from bot.playbook.engine import KNOWN_SIGNALS, Suggestion, shown_texts, signal_meaning
from bot.policies import policy_status
from bot.questions import load_question_bank
from bot.surveys import AnsweredFigure, CancelledRound, CloseCheck, RoundPreview, SentRound
from handlers.slack.blocks.digest import build_actions_page_blocks, build_digest_messages
from handlers.slack.blocks.improvement import (
    build_adopt_modal,
    build_close_modal,
    build_history_modal,
    build_update_modal,
)
from handlers.slack.blocks.policies import (
    build_policies_blocks,
    build_policy_modal,
    build_policy_reminder,
    build_policy_reviewed_text,
    build_policy_saved_text,
    build_retire_modal,
    build_retired_policies_blocks,
    build_review_modal,
)
from handlers.slack.blocks.rounds import (
    build_cancel_prompt,
    build_cancelled,
    build_close_confirmation,
    build_closed_early,
    build_kept_open,
    build_not_sent,
    build_round_opened,
    build_send_confirmation,
)
from handlers.slack.commands.pulse import COORDINATOR_USAGE
from storage.digest_models import ImprovementAction, ImprovementActionEvent
from storage.models import SurveyRound
from storage.policy_models import Policy, PolicyReview
from tests.handlers.test_catalogue_coverage import _everything, escaped_words
from tests.handlers.test_digest_shapes import NAMES, _measures
from tests.handlers.test_digest_support_blocks import _activity
from tests.handlers.test_employee_surfaces import _check_message, _check_modal

BANK = load_question_bank()
NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
TODAY = NOW.date()
PRACTICES = load_practices()
CHART_LINES = ["Chart intro line as data", "Psychological safety: 60% · 62%. Latest: 62%."]

# The data these surfaces show (titles, names, the playbook's citations, the chart's lines): not
# PeerPulse speaking. The playbook's titles, actions, rationales and signal meanings are PeerPulse
# speaking, so they are not here. Longest first, so that no shorter one cuts into a longer one.
COORDINATOR_DATA = sorted(
    {
        "Run listening circles in every team",
        "Dignity at work policy",
        "Peer-support procedure",
        "Replaced by the new code of conduct",
        "No change needed this year",
        "Started in two teams",
        "Circles ran in every team",
        "Listening circles",
        *CHART_LINES,
        # Published citations stay as published.
        *(p.source for p in PRACTICES),
        " UTC",  # a time zone's name, not a word
    },
    key=len,
    reverse=True,
)


def _texts_of(value: Any) -> list[str]:
    texts = _everything(value)
    for data in COORDINATOR_DATA:
        texts = [t.replace(data, " ") for t in texts]
    return texts


def _action(n: int, **changes: Any) -> ImprovementAction:
    values: dict[str, Any] = {
        "id": f"{n:032d}",
        "team_id": "T0",
        "practice_id": PRACTICES[0].id,
        "title": "Run listening circles in every team",
        "owner_id": "U0CORABELL",
        "adopted_by": "U0CORABELL",
        "due_on": TODAY + timedelta(days=n - 2),
        "construct_id": NAMES[0],
        "success_measure": "",
        "before_value": 0.55,
        "before_low": 0.45,
        "before_high": 0.65,
        "progress_note": "Started in two teams" if n % 2 else None,
    }
    values.update(changes)
    return ImprovementAction(**values)


OPEN = [_action(n) for n in range(12)]
CLOSED = [
    _action(
        20 + n,
        status="closed",
        closed_at=NOW - timedelta(days=n),
        after_round_id="r9" if n else None,
        after_value=0.62 if n == 1 else None,
        after_low=0.52 if n == 1 else None,
        after_high=0.72 if n == 1 else None,
    )
    for n in range(4)
]
VERDICTS: dict[str, ActionVerdict | Any] = {
    CLOSED[0].id: ActionVerdict(3, 1, 90, 30, 0.5, 0.7, 0.01, "improved"),
    CLOSED[1].id: ActionVerdict(1, 2, 30, 60, 0.6, 0.5, 0.02, "worse"),
    CLOSED[2].id: ActionVerdict(2, 2, 60, 60, 0.6, 0.61, 0.8, "no change"),
    CLOSED[3].id: SUPPRESSED,
}


def _policy(n: int, *, reviewed: date | None, retired: bool = False) -> Policy:
    return Policy(
        id=f"{n:032d}",
        team_id="T0",
        name="Dignity at work policy" if n % 2 else "Peer-support procedure",
        link="https://intranet.example.com/policy",
        owner_id="U0CORABELL",
        review_interval_months=12 if n % 2 else 1,
        last_reviewed_on=reviewed,
        created_at=datetime(2024, 1, 8, tzinfo=UTC),
        retired_at=NOW if retired else None,
        retired_by="U0CORABELL" if retired and n % 2 else None,
        retired_reason="Replaced by the new code of conduct" if retired and n % 2 else None,
    )


REVIEW = PolicyReview(
    id="r" * 32,
    policy_id=f"{1:032d}",
    reviewed_on=TODAY - timedelta(days=40),
    reviewed_by="U0CORABELL",
    summary="No change needed this year",
)
STATUSES = [
    policy_status(_policy(1, reviewed=TODAY - timedelta(days=400)), today=TODAY, last_review=REVIEW),
    policy_status(_policy(2, reviewed=TODAY - timedelta(days=20)), today=TODAY),
    policy_status(_policy(3, reviewed=None), today=TODAY),
    policy_status(_policy(4, reviewed=TODAY - timedelta(days=3)), today=TODAY),
]
# More than a message lists, each its own policy.
MANY = [
    policy_status(_policy(n, reviewed=TODAY - timedelta(days=30 * n)), today=TODAY) for n in range(10, 35)
]
RETIRED = [policy_status(_policy(n, reviewed=None, retired=True), today=TODAY) for n in range(1, 24)]


def _history(n: int) -> list[ImprovementActionEvent]:
    kinds = ["adopted", "updated", "closed", "reopened", "deleted"]
    return [
        ImprovementActionEvent(
            action_id=OPEN[0].id,
            kind=kinds[i % len(kinds)],
            by="U0CORABELL" if i % 3 else None,
            at=NOW - timedelta(days=n - i),
            note="Started in two teams" if i % 2 else None,
        )
        for i in range(n)
    ]


def _histogram(i: int, construct: int) -> dict[int, int] | None:
    if construct % 5 == 4:
        return None  # never asked
    if construct % 5 == 3 and i == 5:
        return None  # not asked in the latest round
    if construct % 5 == 2:
        return {1: 1, 5: 1}  # too few answers
    # The latest round falls well below the earlier ones: a flagged change.
    return {1: 30, 2: 10, 5: 5} if i == 5 else {2: 5, 4: 20, 5: 20 + i}


# Every practice, each triggered by a few signals of every kind (levels, drops, themes, counts).


def _figure(name: str) -> float:
    """A plausible figure for the signal: a share, a significant fall, or a count."""
    unit = KNOWN_SIGNALS[name].unit
    return 0.12 if name.endswith("_drop") else 0.42 if unit.startswith("share") else 3.0


SUGGESTIONS = [
    Suggestion(p, {name: _figure(name) for name in list(KNOWN_SIGNALS)[i :: len(PRACTICES)]})
    for i, p in enumerate(PRACTICES)
]


def _report(*, rich: bool = True) -> DigestReport:
    measures = _measures([{c: _histogram(i, j) for j, c in enumerate(NAMES)} for i in range(6)])
    turnouts = [Turnout(invited=60, answered=m.answered) for m in measures]
    sensitive = [q for q in BANK.questions if q.sensitive]
    return DigestReport(
        team_id="T0",
        generated_at=NOW,
        k=5,
        round_labels=[f"R{i}" for i in range(len(measures))],
        participation=summarize_participation(turnouts if rich else [Turnout(60, 2)], k=5),
        constructs=analyse_constructs(BANK, measures, 5),
        support=_activity(sessions_last_week=6, load_max_share=0.4, follow_ups_overdue=SUPPRESSED)
        if rich
        else _activity(sessions_4w=SUPPRESSED, first_day=None, last_day=None),
        themes=ThemeReport(
            total=42,
            themes={
                "confidentiality": ThemeSummary(12, -0.2, 0.4, ()),
                "workload": ThemeSummary(30, 0.1, 0.2, ()),
                "training": SUPPRESSED,
            },
        )
        if rich
        else ThemeReport(total=SUPPRESSED, themes={}),
        feedback_count=20,
        suggestions=SUGGESTIONS[:3] if rich else [],
        construct_for_practice={PRACTICES[0].id: NAMES[0]},
        open_actions=OPEN if rich else [],
        closed_actions=CLOSED if rich else [],
        chart_png=b"png" if rich else None,
        policies=STATUSES if rich else [],
        action_verdicts=VERDICTS if rich else {},
        comments_from=TODAY - timedelta(days=8) if rich else None,
        comments_to=TODAY - timedelta(days=2) if rich else None,
        chart_text=CHART_LINES if rich else [],
        declines=[
            DeclineLine(sensitive[0].id, sensitive[0].text, 7, 0),
            DeclineLine(sensitive[1].id, sensitive[1].text, SUPPRESSED, 2),
            DeclineLine(sensitive[1].id, sensitive[1].text, PROTECTS_OTHERS, 1),
        ]
        if rich
        else [],
    )


def _page(status: ListedStatus, items: list[ImprovementAction]) -> ActionPage:
    return ActionPage(
        status, tuple(items), 30, 11 if items else 0, "next" if items else None, "prev" if items else None
    )


ROUND = SurveyRound(
    id="r" * 32,
    team_id="T0",
    schedule_key="manual:x",
    question_ids=["a", "b", "c"],
    opened_at=NOW,
    closes_at=NOW + timedelta(days=3),
    invited=40,
)
FIGURES = {
    "exact": AnsweredFigure("exact", 12, 0.3, False, 5),
    "at_least": AnsweredFigure("at_least", 10, None, False, 5),
    "fewer": AnsweredFigure("fewer", 5, None, False, 5),
}


def _preview(channel: str | None) -> RoundPreview:
    return RoundPreview(40, channel, 6, NOW + timedelta(days=3), "Europe/Berlin", "token")


MESSAGES: dict[str, Callable[[], Any]] = {
    **{f"digest, part {i}": (lambda i=i: build_digest_messages(_report())[i]) for i in range(2)},
    "digest, quiet week": lambda: build_digest_messages(_report(rich=False))[0],
    # Each practice once, with its share of the signals: every word of the playbook is rendered.
    **{
        f"digest suggesting {s.practice.id}": (
            lambda s=s: build_digest_messages(replace(_report(rich=False), suggestions=[s]))[0]
        )
        for s in SUGGESTIONS
    },
    "actions page, open": lambda: {
        "text": "",
        "blocks": build_actions_page_blocks(
            _page("open", OPEN[:5]),
            today=TODAY,
            notice=_("Deleted “{title}”.").format(title="Listening circles"),
        ),
    },
    "actions page, closed": lambda: {
        "text": "",
        "blocks": build_actions_page_blocks(_page("closed", CLOSED), today=TODAY),
    },
    **{
        f"actions page, none {status}": (
            lambda s=status: {"text": "", "blocks": build_actions_page_blocks(_page(s, []), today=TODAY)}
        )
        for status in ("open", "closed")
    },
    "policy register": lambda: {"text": "", "blocks": build_policies_blocks(STATUSES + MANY)},
    "policy register, empty": lambda: {"text": "", "blocks": build_policies_blocks([])},
    "retired policies": lambda: {
        "text": "",
        "blocks": build_retired_policies_blocks(RETIRED, notice="x"),
    },
    "retired policies, none": lambda: {"text": "", "blocks": build_retired_policies_blocks([])},
    **{
        f"policy saved, added={added}": (
            lambda a=added: build_policy_saved_text(STATUSES[0], user_id="U0CORABELL", added=a)
        )
        for added in (True, False)
    },
    "policy reviewed": lambda: build_policy_reviewed_text(STATUSES[0], user_id="U0CORABELL"),
    **{
        f"policy reminder, {kind}": (lambda s=status, k=kind: build_policy_reminder(s, kind=k))
        for kind, status in (("overdue", STATUSES[0]), ("due", STATUSES[1]))
    },
    **{
        f"send confirmation, channel {channel}": (lambda c=channel: build_send_confirmation(_preview(c)))
        for channel in ("C0ALL", None)
    },
    "not sent": build_not_sent,
    **{
        f"round opened, {opened}": (lambda o=opened: build_round_opened(SentRound(ROUND, o), zone="UTC"))
        for opened in (True, False)
    },
    **{
        f"cancel prompt, {shown}": (lambda f=figure: build_cancel_prompt(CloseCheck(ROUND, f)))
        for shown, figure in FIGURES.items()
    },
    "cancelled": lambda: build_cancelled(CancelledRound(ROUND.id, True, 3, 30, 2, FIGURES["at_least"])),
    "not cancelled": lambda: build_cancelled(CancelledRound(ROUND.id, False)),
    "close confirmation": lambda: build_close_confirmation(CloseCheck(ROUND, FIGURES["fewer"])),
    **{
        f"closed early, {closed}": (lambda c=closed: build_closed_early(closed=c)) for closed in (True, False)
    },
    "kept open": build_kept_open,
    "coordinators' help": lambda: _(COORDINATOR_USAGE),
}


def _series() -> dict[str, list[Estimate | Any]]:
    """Shown, withheld and not-asked points, a rise, a fall, no change and a line with nothing shown."""
    e = Estimate
    return {
        label_of(NAMES[0]): [e(0.5, 0.4, 0.6), None, e(0.6, 0.5, 0.7), SUPPRESSED],
        label_of(NAMES[1]): [e(0.7, 0.6, 0.8), e(0.6, 0.5, 0.7), e(0.59, 0.5, 0.7), e(0.6, 0.5, 0.7)],
        label_of(NAMES[2]): [None, e(0.5, 0.4, 0.6), SUPPRESSED, e(0.51, 0.4, 0.6)],
        label_of(NAMES[3]): [SUPPRESSED, None, SUPPRESSED, None],
    }


def _lines(lines: list[str]) -> str:
    return "\n".join(lines)


LABELS = ["R1", "R2", "R3", "R4"]
CHART: dict[str, Callable[[], Any]] = {
    "chart in words": lambda: _lines(chart_text_equivalent(_series(), round_labels=LABELS, min_group_size=5)),
    "chart in words, means": lambda: _lines(
        chart_text_equivalent(_series(), round_labels=LABELS, metric="mean", intervals=False)
    ),
    "chart in words, nothing yet": lambda: _lines(chart_text_equivalent({}, round_labels=[])),
    "chart alt text": lambda: chart_alt_text(_series(), round_labels=LABELS),
    "chart alt text, brief": lambda: chart_alt_text(_series(), round_labels=LABELS, limit=420),
    "chart alt text, nothing shown": lambda: chart_alt_text({"x": [None]}, round_labels=["R1"]),
    "chart key": lambda: _lines(gap_key(_series(), min_group_size=5)),
}
MESSAGES.update(CHART)
MODALS: dict[str, Callable[[], dict[str, Any]]] = {
    "adopt": lambda: build_adopt_modal(
        private_metadata="{}",
        title="Listening circles",
        owner_id="U0",
        due_on=TODAY,
        construct=NAMES[0],
        constructs=NAMES,
    ),
    "update": lambda: build_update_modal(
        action_id="a", title="Listening circles", due_on=TODAY, history=_history(40)
    ),
    "close": lambda: build_close_modal(action_id="a", title="Listening circles"),
    "history": lambda: build_history_modal(title="Listening circles", events=_history(5)),
    "history, empty": lambda: build_history_modal(title="Listening circles", events=[]),
    "add policy": lambda: build_policy_modal(policy=None, owner_id="U0"),
    "edit policy": lambda: build_policy_modal(policy=STATUSES[0].policy, owner_id="U0"),
    "review policy": lambda: build_review_modal(policy=STATUSES[0].policy, history=[REVIEW], today=TODAY),
    "retire policy": lambda: build_retire_modal(policy=STATUSES[0].policy),
}
SURFACES = {**MESSAGES, **MODALS}


def test_the_rich_digest_shows_every_part_it_is_tested_for() -> None:
    # Otherwise the parts below would pass by being absent.
    with speaking("en"):
        text = "\n".join(t for m in build_digest_messages(_report()) for t in _everything(m))
    for part in (
        "more than chance would explain",
        "not asked in a closed round yet",
        "not enough answers",
        "Prefer not to say",
        "The chart in words",
        "*By category:*",
        "*Confidentiality*",
        "Adopt as action",
        ":warning: *overdue*",
        "more open actions",
        "Effect over",
        "not measurable yet",
        "*Policy reviews due or overdue*",
    ):
        assert part in text, part
    assert len(build_digest_messages(_report())) == 2


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_every_word_a_coordinator_reads_comes_from_the_catalogue(surface: str) -> None:
    with speaking(PSEUDO_LANGUAGE):
        texts = _texts_of(SURFACES[surface]())
    assert texts
    leaks = {text: words for text in texts if (words := escaped_words(text))}
    assert not leaks, f"{surface}: written past the catalogue: {leaks}"


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_every_coordinator_surface_renders_in_german_within_block_kit_limits(surface: str) -> None:
    with speaking("en"):
        english = set(_texts_of(SURFACES[surface]()))
    with speaking("de"):
        rendered = SURFACES[surface]()
        german = _texts_of(rendered)
    if surface in MODALS:
        _check_modal(rendered)
        for block in rendered["blocks"]:
            for option in block.get("element", {}).get("options", []):
                assert len(option["text"]["text"]) <= 75
    elif isinstance(rendered, dict) and rendered.get("blocks"):
        _check_message(rendered["blocks"])
    # Any text identical in both languages is either data or a string the German catalogue lacks.
    same = [t for t in german if t in english and escaped_words(t) and len(t.split()) > 2]
    assert german and not same, f"{surface}: still English in German: {same}"


def test_a_german_digest_keeps_no_english_word_of_the_playbook() -> None:
    with speaking("de"):
        german = "\n".join(
            t
            for s in SUGGESTIONS
            for m in build_digest_messages(replace(_report(rich=False), suggestions=[s]))
            for t in _everything(m)
        )
        button = build_digest_messages(replace(_report(rich=False), suggestions=SUGGESTIONS[:1]))[0]
    english = [
        *(text for p in PRACTICES for text in shown_texts(p)),
        *(meaning for name in KNOWN_SIGNALS if (meaning := signal_meaning(name))),
    ]
    assert [text for text in english if text in german] == []
    # Every variable name is put in words, in German too.
    assert [name for name in KNOWN_SIGNALS if name in german or name.replace("_", " ") in german] == []
    # The adopt button carries the title as the reader read it, to prefill the form.
    values = [e["value"] for b in button["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert any("Das Vertraulichkeitsversprechen" in v for v in values), values


@pytest.mark.parametrize("metric", ["favourable", "mean"])
@pytest.mark.parametrize("shown", [True, False])
def test_every_word_in_the_chart_s_picture_comes_from_the_catalogue(metric: str, shown: bool) -> None:
    from matplotlib.text import Text

    with speaking(PSEUDO_LANGUAGE):
        series = _series() if shown else {label_of(NAMES[0]): [SUPPRESSED] * 4}
        figure = _build_figure(
            series,
            round_labels=LABELS,
            metric="mean" if metric == "mean" else "favourable",
            scale=LIKERT_5,
            title=None,
            min_group_size=5,
        )
    words = [t.get_text() for t in figure.findobj(Text) if t.get_text().strip()]
    assert words
    leaks = {text: found for text in words if (found := escaped_words(text))}
    assert not leaks, f"written past the catalogue in the chart: {leaks}"
