"""Declines are counted apart: they change no construct figure, and the digest tells their number only
where neither it nor anything subtracted from it is a group of 1..k-1 (on SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import delete

from bot.declines import PROTECTS_OTHERS, DeclineLine
from bot.digest import DigestReport, DigestView
from bot.insights import SUPPRESSED, LikertSummary, Suppressed
from bot.measures import summarize_construct
from bot.results import favourable_histogram
from bot.retention import purge_expired_text
from bot.roles import SYSTEM
from bot.runtime import Runtime
from bot.viewdata import view_payload
from bot.views import read_view
from handlers.slack.blocks.admin import build_status_text
from handlers.slack.blocks.digest import blocks_as_text, build_digest_blocks
from storage.models import SurveyAnswer, SurveyRound

QUESTION = "experienced_negative"
CONSTRUCT = "experienced_disrespect"
# A known data set: ten answers to the sensitive item.
VALUES = [1, 1, 2, 3, 3, 4, 5, 5, 2, 4]


@dataclass(frozen=True)
class World:
    """One closed round's truth for the sensitive item."""

    values: list[int]
    declines: int
    skips: int = 0  # took part, but neither answered nor declined this item
    comments: int = 0  # took part with a comment only (rows with text, no value)

    @property
    def took_part(self) -> int:
        return len(self.values) + self.declines + self.skips + self.comments


async def _seed(runtime: Runtime, world: World, *, days_ago: int = 3) -> SurveyRound:
    """Replace every round with one closed round holding `world`, as closing leaves it."""
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        await session.exec(delete(SurveyAnswer))
        await session.exec(delete(SurveyRound))
    opened = now - timedelta(days=days_ago + 3)
    round_ = SurveyRound(
        team_id=runtime.services.team_id,
        schedule_key=f"manual:{secrets.token_hex(4)}",
        question_ids=[QUESTION, "open_comment"],
        opened_at=opened,
        closes_at=now - timedelta(days=days_ago),
        closed_at=now - timedelta(days=days_ago),
        invited=40,
        answered_final=world.took_part,
    )
    rows = [
        SurveyAnswer(
            round_id=round_.id,
            question_id=QUESTION,
            construct_id=CONSTRUCT,
            value=v,
            answered_on=opened.date(),
        )
        for v in world.values
    ]
    rows += [
        SurveyAnswer(
            round_id=round_.id,
            question_id=QUESTION,
            construct_id=CONSTRUCT,
            declined=True,
            answered_on=opened.date(),
        )
        for _ in range(world.declines)
    ]
    rows += [
        SurveyAnswer(
            round_id=round_.id,
            question_id="open_comment",
            construct_id="open_feedback",
            text=f"Comment {i}: the rota is unfair to the night shift",
            answered_on=opened.date(),
        )
        for i in range(world.comments)
    ]
    async with runtime.db.session() as session:
        session.add(round_)
        await session.flush()
        session.add_all(rows)
    return round_


async def _digest(runtime: Runtime) -> tuple[DigestReport, str]:
    report = await runtime.services.digests.build(
        team_id=runtime.services.team_id, by=SYSTEM, with_chart=False
    )
    return report, blocks_as_text(build_digest_blocks(report))


def _line(report: DigestReport) -> DeclineLine:
    (line,) = [d for d in report.declines if d.question_id == QUESTION]
    return line


async def test_declines_enter_no_mean_distribution_trend_or_signal(runtime: Runtime) -> None:
    bank = runtime.services.surveys.bank
    question = bank.get(QUESTION)
    assert question is not None and question.sensitive
    expected = summarize_construct(
        bank, CONSTRUCT, favourable_histogram(question, dict(Counter(VALUES))), k=5
    )
    assert isinstance(expected, LikertSummary) and expected.n == len(VALUES)

    await _seed(runtime, World(VALUES, declines=0))
    without, _ = await _digest(runtime)
    await _seed(runtime, World(VALUES, declines=7))
    with_declines, text = await _digest(runtime)

    line = next(c for c in with_declines.constructs if c.construct == CONSTRUCT)
    assert line.summary == expected  # the mean and favourable share of the ten answers alone
    assert isinstance(line.summary, LikertSummary) and line.summary.n == 10
    assert with_declines.constructs == without.constructs  # summaries, tests and trends alike
    assert with_declines.themes == without.themes  # a decline is no comment
    assert {k: v for k, v in with_declines.signals.items() if k != "participation_rate"} == {
        k: v for k, v in without.signals.items() if k != "participation_rate"
    }
    # Counted apart: 7 declined, shown, while the construct's n stays 10.
    assert _line(with_declines).declined == 7
    assert "7 people chose it" in text and "n=10" in text
    # A decliner took part: participation counts them.
    assert with_declines.participation.answered == 17


@pytest.mark.parametrize(
    ("world", "shown"),
    [
        (World(VALUES, declines=0), SUPPRESSED),  # "none" would tell 0 apart from 1..k-1
        (World(VALUES, declines=1), SUPPRESSED),
        (World(VALUES, declines=4), SUPPRESSED),  # k-1
        (World(VALUES, declines=5), 5),  # k
        (World(VALUES[:4], declines=5), PROTECTS_OTHERS),  # 4 answers: too few beside it
        (World(VALUES[:5], declines=5), 5),  # 5 answers: enough
        (World(VALUES, declines=5, skips=4), PROTECTS_OTHERS),  # took part - n - d = 4 skipped
        (World(VALUES, declines=5, skips=5), 5),
    ],
)
async def test_the_decline_count_is_shown_only_at_k_and_beside_k_safe_groups(
    runtime: Runtime, world: World, shown: int | Suppressed
) -> None:
    assert runtime.settings.min_group_size == 5
    await _seed(runtime, world)
    report, text = await _digest(runtime)
    assert _line(report).declined == shown
    end = "still counts as having taken part."
    decline_text = text[text.index("Prefer not to say") : text.index(end) + len(end)]
    if isinstance(shown, int):
        assert f"{shown} people chose it" in decline_text
    elif shown == SUPPRESSED:
        assert "fewer than 5 people chose it" in decline_text
    else:
        assert "not shown, so that a smaller group can't be worked out" in decline_text
    assert not re.search(r"\bk\b", decline_text)  # plain words, no jargon
    # The view-model as the outbox stores it and a platform reads it back says the same.
    stored = read_view(view_payload(runtime.services.digests.views_of(report)[0]))
    assert isinstance(stored, DigestView)
    assert _line(stored.report) == _line(report)


async def test_no_two_outputs_can_be_subtracted_to_learn_a_small_decline_count(runtime: Runtime) -> None:
    """Participation (digest and `/pulse status`) minus the item's n gives declines + skips together.

    Worlds that differ only in how those 5 split (0..4 declined) must look identical through every
    output a coordinator has: the digest and `/pulse status`, now and after time passes.
    """
    k = runtime.settings.min_group_size
    seen: dict[str, set[str]] = {"digest": set(), "status": set(), "line": set()}
    # Early in the day, so the two later looks (5 and 10 hours on) still carry the same date.
    start = runtime.clock.now().replace(hour=6, minute=0, second=0)
    for declines in range(k):
        runtime.clock.set(start)  # type: ignore[attr-defined]
        world = World(VALUES, declines=declines, skips=k - declines)
        round_ = await _seed(runtime, world)
        for _ in range(2):  # asked again later: a closed round's figures never move
            report, text = await _digest(runtime)
            status = build_status_text(await runtime.services.surveys.status(round_, by=SYSTEM), k=k)
            assert "declin" not in status.lower()
            seen["digest"].add(text)
            seen["status"].add(status)
            seen["line"].add(repr(_line(report)))
            runtime.clock.advance(timedelta(hours=5))  # type: ignore[attr-defined]
    assert len(seen["line"]) == 1
    assert len(seen["status"]) == 1
    assert len(seen["digest"]) == 1
    # The probe: a world with k declines does look different.
    runtime.clock.set(start)  # type: ignore[attr-defined]
    await _seed(runtime, World(VALUES, declines=k))
    report, text = await _digest(runtime)
    assert text not in seen["digest"] and _line(report).declined == k


async def test_answers_emptied_by_retention_are_not_declines(runtime: Runtime) -> None:
    await _seed(runtime, World(VALUES, declines=5, comments=6), days_ago=400)
    before, _ = await _digest(runtime)
    purged = await purge_expired_text(runtime.db, now=runtime.clock.now(), retention_days=30)
    assert purged["survey_answer"] == 6  # the comments lost their text, and kept their rows
    after, _ = await _digest(runtime)
    assert _line(before) == _line(after)
    assert _line(after).declined == 5
    assert after.constructs == before.constructs
