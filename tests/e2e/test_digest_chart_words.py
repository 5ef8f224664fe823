"""The digest's chart in words end to end: the uploaded chart's alt text and the digest's text
equivalent say every construct charted and no figure the chart withholds; a round that asked a
construct and got too few answers (none at all included) is "too few answers", never "not asked"."""

from __future__ import annotations

import re

from sqlmodel import col, select

from bot.measures import label_of, round_labels
from bot.questions import load_question_bank
from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, Workspace
from storage.models import SurveyRound
from tests.e2e.test_digest import bad, good, post_digest, run_round
from tests.support import eventually

TOO_FEW = "too few answers to show"


def _asked(rounds: list[SurveyRound]) -> set[str]:
    """The names of the numeric constructs these rounds asked."""
    bank = load_question_bank()
    return {
        label_of(q.construct)
        for r in rounds
        for q in (bank.get(qid) for qid in r.question_ids)
        if q is not None and q.kind != "text"
    }


async def _rounds(runtime: Runtime) -> list[SurveyRound]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(SurveyRound).order_by(col(SurveyRound.opened_at))))


def _chart_in_words(messages: list[Message]) -> list[str]:
    """The lines of the digest's "chart in words" section."""
    for message in messages:
        for block in message.blocks or []:
            text = str(block.get("text", {}).get("text", ""))
            if text.startswith("*The chart in words*"):
                return text.split("\n")
    raise AssertionError("the digest has no chart in words")


def _line_of(lines: list[str], name: str) -> str:
    [line] = [line for line in lines if line.startswith(f"• {name}:")]
    return line


async def test_the_chart_says_every_construct_and_no_withheld_figure(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    for _ in range(2):
        await run_round(runtime, people, workspace, good, respondents=30)
    # Three unfavourable answers: a 0% the chart must withhold, and so must its words.
    await run_round(runtime, people, workspace, bad, respondents=3)
    messages = await post_digest(runtime, people, slack, workspace)
    rounds = await _rounds(runtime)
    labels = round_labels(rounds)
    charted = _asked(rounds[:2])

    [chart] = await eventually(lambda: slack.uploaded_files(COORDINATOR_CHANNEL_ID))
    alt = chart.alt_txt
    assert alt is not None and len(alt) <= 1000
    assert all(name in alt for name in charted), alt
    # Every figure said is a shown one (all 100% favourable); the withheld round's 0% is not.
    assert set(re.findall(r"(\d+)%", alt.replace("95% confidence", ""))) == {"100"}, alt
    assert f"{TOO_FEW} on {labels[-1]}" in alt

    lines = _chart_in_words(messages)
    for name in charted:
        line = _line_of(lines, name)
        assert f"{labels[0]} 100% (" in line or f"{labels[1]} 100% (" in line
    for name in _asked(rounds[2:]):
        assert f"{labels[2]} {TOO_FEW}" in _line_of(lines, name)
        assert f"{labels[2]} 0%" not in _line_of(lines, name)
    assert any("fewer than 5 people answered" in line for line in lines)


async def test_a_round_asked_but_unanswered_is_too_few_answers_not_not_asked(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    await run_round(runtime, people, workspace, good, respondents=30)
    await run_round(runtime, people, workspace, good, respondents=0)
    messages = await post_digest(runtime, people, slack, workspace)
    rounds = await _rounds(runtime)
    labels = round_labels(rounds)
    asked_last = _asked(rounds[1:])
    assert asked_last

    lines = _chart_in_words(messages)
    for name in _asked(rounds[:1]):
        line = _line_of(lines, name)
        if name in asked_last:
            assert f"{labels[1]} {TOO_FEW}" in line, line
            assert f"{labels[1]} not asked" not in line, line
        else:
            assert f"{labels[1]} not asked" in line, line

    [chart] = await eventually(lambda: slack.uploaded_files(COORDINATOR_CHANNEL_ID))
    assert chart.alt_txt is not None
    for name in asked_last & _asked(rounds[:1]):
        assert f"{name} 100% on {labels[0]} ({TOO_FEW} on {labels[1]})" in chart.alt_txt, chart.alt_txt
