"""Slack renders the outbox's view-models at send time exactly as it rendered the digest before they
were queued; rows queued as Block Kit by an older version still send as they were stored."""

from __future__ import annotations

import base64
import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any, cast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.announcements import ActionAdopted, ActionClosed, ActionProgress
from bot.digest import (
    HISTORY_ROUNDS,
    DigestChart,
    DigestReport,
    DigestService,
    DigestView,
    analyse_constructs,
    program_signals,
)
from bot.insights import (
    SUPPRESSED,
    Breakdown,
    ThemeReport,
    ThemeSummary,
    Turnout,
    summarize_participation,
    summarize_themes,
)
from bot.playbook import load_practices, match_practices
from bot.ports import OutgoingMessage
from bot.services import Services
from bot.updates import UpdateMessage
from bot.viewdata import view_payload
from bot.views import View
from handlers.slack.blocks.digest import build_digest_messages, digest_view_messages
from handlers.slack.blocks.updates import build_closed_action_blocks, build_update_message
from handlers.slack.renderers import make_renderers
from storage.digest_models import ImprovementAction
from storage.models import OutboxMessage
from tests.handlers.test_digest_shapes import _ROUND, BANK, _measures, _support

# Only the text and file renderers are used here; they read the row and, for a note, the settings.
RENDERERS = make_renderers(
    cast(Services, SimpleNamespace(settings=SimpleNamespace(pulse_audience_channel=None)))
)


class Splitting:
    """An outbox whose platform splits the digest as Slack does (or not at all)."""

    def __init__(self, *, slack: bool) -> None:
        self.slack = slack

    def messages_for(self, view: Any) -> int:
        return len(digest_view_messages(view)) if self.slack else 1


def _views(report: DigestReport, *, slack: bool = True) -> list[DigestView | DigestChart]:
    # views_of reads nothing but the outbox and the channel's language.
    service = DigestService.__new__(DigestService)
    service.outbox = cast(Any, Splitting(slack=slack))
    service.settings = cast(Any, SimpleNamespace(default_language="en"))
    return service.views_of(report)


async def _render(view: View) -> OutgoingMessage:
    kind = "file" if isinstance(view, DigestChart) else "text"
    message = await RENDERERS[kind](_row(kind, view_payload(view)))
    assert message is not None
    return message


def _row(kind: str, payload: dict[str, Any]) -> OutboxMessage:
    # Stored and read back as JSON, as the database does.
    stored = json.loads(json.dumps(payload, allow_nan=False))
    return OutboxMessage(id=1, dedupe_key="k", kind=kind, recipient="C1", payload=stored, status="sending")


def _report(rounds: list[dict[str, dict[int, int] | None]], k: int, chart: bytes | None) -> DigestReport:
    measures = _measures(rounds)
    lines = analyse_constructs(BANK, measures, k)
    participation = summarize_participation(
        [Turnout(invited=m.round.invited, answered=m.answered) for m in measures] or [Turnout(0, 0)], k=k
    )
    themes = summarize_themes([], k=k, rng=random.Random(0))
    signals = program_signals(lines, participation, _support(), themes, k=k)
    return DigestReport(
        team_id="T1",
        generated_at=datetime(2026, 6, 1, tzinfo=UTC),
        k=k,
        round_labels=[f"R{i}" for i in range(len(measures[-8:]))],
        participation=participation,
        constructs=lines,
        support=_support(),
        themes=themes,
        feedback_count=0,
        suggestions=match_practices(signals, load_practices(), limit=3),
        construct_for_practice={},
        open_actions=[],
        closed_actions=[],
        chart_png=chart,
        signals=signals,
    )


@settings(database=None, deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    rounds=st.lists(_ROUND, min_size=0, max_size=HISTORY_ROUNDS),
    k=st.integers(2, 10),
    chart=st.sampled_from([None, b"\x89PNG chart"]),
)
async def test_a_queued_digest_renders_as_the_report_did(
    rounds: list[dict[str, dict[int, int] | None]], k: int, chart: bytes | None
) -> None:
    report = _report(rounds, k, chart)
    sent = [await _render(view) for view in _views(report)]
    expected = build_digest_messages(report)
    assert [{"text": m.text, "blocks": m.blocks} for m in sent if m.file is None] == expected
    files = [m.file for m in sent if m.file is not None]
    assert [f.content for f in files] == ([chart] if chart else [])


async def test_a_digest_slack_splits_is_queued_one_row_per_message_in_order() -> None:
    closed = [
        ImprovementAction(
            id=f"a{i:02d}",
            team_id="T1",
            practice_id="p",
            title=f"Action {i}",
            owner_id="U1",
            adopted_by="U1",
            due_on=date(2026, 1, 1),
            construct_id="awareness",
            success_measure="",
            status="closed",
            closed_at=datetime(2026, 5, 1, tzinfo=UTC),
        )
        for i in range(60)
    ]
    report = replace(_report([], 5, None), closed_actions=closed)
    views = _views(report)
    expected = build_digest_messages(report)
    assert len(expected) == 2 and [(v.part, v.parts) for v in views if isinstance(v, DigestView)] == [
        (0, 2),
        (1, 2),
    ]
    sent = [await _render(view) for view in views]
    assert [{"text": m.text, "blocks": m.blocks} for m in sent] == expected
    # A platform without Slack's limits gets the same report in one message.
    assert len(_views(report, slack=False)) == 1


async def test_an_update_renders_as_before() -> None:
    message = await _render(UpdateMessage("We moved <!here> it."))
    expected = build_update_message("We moved <!here> it.")
    assert message is not None and (message.text, message.blocks) == (expected["text"], expected["blocks"])


async def test_rows_queued_as_block_kit_by_an_older_version_still_send() -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Digest*"}}]
    text = await RENDERERS["text"](_row("text", {"text": "PeerPulse weekly digest", "blocks": blocks}))
    assert text is not None and (text.text, text.blocks) == ("PeerPulse weekly digest", blocks)
    old_file = {
        "filename": "peerpulse-2026-06-01.png",
        "title": "PeerPulse constructs · 01 Jun 2026",
        "text": "Favourable share by construct over the last rounds (95% CI).",
        "content_b64": base64.b64encode(b"\x89PNG old").decode("ascii"),
    }
    file = await RENDERERS["file"](_row("file", old_file))
    assert file is not None and file.file is not None
    assert (file.file.filename, file.file.content, file.text) == (
        "peerpulse-2026-06-01.png",
        b"\x89PNG old",
        "Favourable share by construct over the last rounds (95% CI).",
    )


def _action(**changes: Any) -> ImprovementAction:
    fields: dict[str, Any] = {
        "id": "a" * 32,
        "team_id": "T1",
        "practice_id": "p",
        "title": "Run the campaign",
        "owner_id": "U0OWNER",
        "adopted_by": "U0CORA",
        "due_on": date(2026, 7, 1),
        "construct_id": "awareness",
        "success_measure": "",
        "before_value": 0.42,
    }
    return ImprovementAction(**(fields | changes))


async def test_the_coordinators_notes_read_as_the_listeners_posted_them() -> None:
    adopted = await _render(ActionAdopted(by="U0CORA", action=_action()))
    assert (
        adopted.text
        == (
            ":seedling: <@U0CORA> adopted *Run the campaign* — owner <@U0OWNER>, due Wed 01 Jul 2026. "
            "Measured by Awareness of peer support: baseline 42%."
        )
        and adopted.blocks is None
    )
    progress = await _render(ActionProgress(by="U0CORA", action=_action(progress_note="Posters up.")))
    assert progress.text == ":memo: Update on *Run the campaign* (due Wed 01 Jul): Posters up."
    closed = _action(status="closed", after_value=None, outcome_note="Ran in all teams.")
    note = await _render(ActionClosed(by="U0CORA", action=closed))
    text = (
        ":checkered_flag: Closed *Run the campaign*. Awareness of peer support: before 42% → after "
        "from the next pulse round to close. Ran in all teams."
    )
    assert (note.text, note.blocks) == (text, build_closed_action_blocks(text, action_id="a" * 32))


async def test_a_coordinators_own_words_in_the_notes_cannot_mention_or_link() -> None:
    hostile = "<!channel> <@U0CEO> <https://evil.example|click>"
    adopted = await _render(ActionAdopted(by="U0CORA", action=_action(title=hostile)))
    progress = await _render(
        ActionProgress(by="U0CORA", action=_action(title=hostile, progress_note=hostile))
    )
    closed = _action(title=hostile, status="closed", after_value=None, outcome_note=hostile)
    note = await _render(ActionClosed(by="U0CORA", action=closed))
    for text in (adopted.text, progress.text, note.text):
        assert "<!channel>" not in text and "<@U0CEO>" not in text and "<https://evil" not in text
        assert "&lt;!channel&gt;" in text


async def test_the_outbox_never_stores_the_name_of_a_withheld_group() -> None:
    themes = ThemeReport(
        total=12,
        themes={
            "workload": SUPPRESSED,
            "training": ThemeSummary(
                count=9, mean_sentiment=-0.2, share_negative=0.5, quotes=("More slots",)
            ),
            "confidentiality": SUPPRESSED,
        },
    )
    support = replace(
        _support(),
        sessions_4w=14,
        by_category=Breakdown(cells={"Bullying": 9, "Harassment": SUPPRESSED}, total=14),
        by_outcome=Breakdown(cells={"Listened": 14, "Referred to HR": SUPPRESSED}, total=14),
    )
    report = replace(_report([], 5, None), themes=themes, support=support)
    views = _views(report)
    stored = json.dumps([view_payload(v) for v in views])
    assert "Harassment" not in stored and "Referred to HR" not in stored and "Bullying" in stored
    [queued] = [v for v in views if isinstance(v, DigestView)]
    assert list(queued.report.themes.themes) == ["withheld-0", "training", "withheld-2"]
    # Drawn exactly as the report itself is: withheld groups were never named there either.
    sent = [await _render(view) for view in views]
    assert [{"text": m.text, "blocks": m.blocks} for m in sent] == build_digest_messages(report)


async def test_the_chart_in_words_travels_with_the_digest_and_its_upload() -> None:
    words = ["Favourable share by construct, oldest round first.", "Q&A <team>: R1 80%. Latest: 80% in R1."]
    report = replace(
        _report([{"psych_safety": {1: 2, 5: 8}}], 5, b"\x89PNG chart"),
        chart_alt_text="Line chart of the favourable share: Q&A <team> 80% in R1.",
        chart_text=words,
    )
    sent = [await _render(view) for view in _views(report)]
    [file] = [m.file for m in sent if m.file is not None]
    assert file.alt_text == "Line chart of the favourable share: Q&A <team> 80% in R1."
    text = json.dumps([m.blocks for m in sent if m.file is None])
    assert "The chart in words" in text and "Q&amp;A &lt;team&gt;: R1 80%" in text
    assert "<team>" not in text and "attached below" in text


async def test_a_digest_and_chart_queued_before_the_chart_had_words_still_send() -> None:
    report = replace(
        _report([{"psych_safety": {1: 2, 5: 8}}], 5, b"\x89PNG chart"),
        chart_alt_text="Line chart.",
        chart_text=["Favourable share by construct, oldest round first."],
    )
    sent = []
    for view in _views(report):
        payload = view_payload(view)
        # As an older version stored them: no alt text on the chart, no words in the report.
        payload["view"].pop("alt_text", None)
        for key in ("chart_alt_text", "chart_text"):
            payload["view"].get("report", {}).pop(key, None)
        kind = "file" if isinstance(view, DigestChart) else "text"
        message = await RENDERERS[kind](_row(kind, payload))
        assert message is not None
        sent.append(message)
    [file] = [m.file for m in sent if m.file is not None]
    assert file.content == b"\x89PNG chart" and file.alt_text is None
    text = json.dumps([m.blocks for m in sent if m.file is None])
    assert "The chart of the last rounds is attached below." in text
    assert "The chart in words" not in text
