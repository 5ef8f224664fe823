""" "Prefer not to say" on sensitive items: how many declined, told only where no small group shows.

A decline is stored like an answer (same row, same unlinkable treatment) but flagged and without a
value, so it never enters a mean, a distribution, a trend, a test or a theme. The digest tells, per
sensitive question, how many declined in the latest closed round that asked it, under the k rules:

- The people who took part in that round split into three groups for the question: those who
  answered it (n, shown as the construct's n), those who declined (d), and those who skipped it
  (s = took part - n - d, never shown). d is shown only when d >= k and n >= k and s is 0 or >= k,
  so neither d nor (with the round's participation) the skipped group is ever a group of 1..k-1.
- Otherwise the line says "fewer than k" (d < k, 0 included: "none" would tell 0 apart from 1..k-1)
  or that it is withheld to protect another group. P - n (which participation and n already give)
  is d + s together, and s is never shown, so d cannot be solved for from what PeerPulse shows.
- Only closed rounds: a closed round's figures never change (retention empties comments, and a
  decline has none), so two digests, or a digest and `/pulse status`, can't be subtracted over time.
- Each figure is one question of one round: no totals across questions or rounds to difference.

Taking part: someone who only declined still took part (they engaged and their DM shows the question
as done), so they count in the round's participation. That only widens the group participation counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import col, func, select

from bot.insights import SUPPRESSED, Suppressed
from bot.questions import QuestionBank
from storage.db import Database
from storage.models import SurveyAnswer, SurveyRound

# Why a decline count is withheld although at least k declined (the smaller group is another one).
PROTECTS_OTHERS = Suppressed("withheld so that a smaller group can't be worked out")


@dataclass(frozen=True)
class DeclineLine:
    """One sensitive question's "prefer not to say" count in the latest closed round that asked it."""

    question_id: str
    question: str
    declined: int | Suppressed  # SUPPRESSED when fewer than k declined; PROTECTS_OTHERS otherwise
    rounds_ago: int  # 0 = the latest closed round


@dataclass(frozen=True)
class QuestionTurnout:
    """Raw figures of one question in one closed round (never shown as they are)."""

    took_part: int  # people who took part in the round (answered or declined anything)
    answered: int  # gave the question a value
    declined: int


def shown_declines(turnout: QuestionTurnout, *, k: int) -> int | Suppressed:
    """The decline count as the k rules allow it to be shown (see the module docstring)."""
    if turnout.declined < k:
        return SUPPRESSED
    skipped = turnout.took_part - turnout.answered - turnout.declined
    if turnout.answered < k or 0 < skipped < k:
        return PROTECTS_OTHERS
    return turnout.declined


async def question_turnouts(
    db: Database, *, rounds: Sequence[SurveyRound]
) -> dict[tuple[str, str], QuestionTurnout]:
    """Answered and declined counts per (round, question) of closed rounds, from one aggregate query."""
    closed = {r.id: r for r in rounds if r.closed_at is not None}
    if not closed:
        return {}
    async with db.session() as session:
        rows = await session.exec(
            select(
                col(SurveyAnswer.round_id),
                col(SurveyAnswer.question_id),
                col(SurveyAnswer.declined),
                func.count(),
            )
            .where(
                col(SurveyAnswer.round_id).in_(list(closed)),
                col(SurveyAnswer.value).is_not(None) | col(SurveyAnswer.declined),
            )
            .group_by(col(SurveyAnswer.round_id), col(SurveyAnswer.question_id), col(SurveyAnswer.declined))
        )
        counts: dict[tuple[str, str], list[int]] = {}
        for round_id, question_id, declined, count in rows.all():
            counts.setdefault((round_id, question_id), [0, 0])[1 if declined else 0] += int(count)
    return {
        key: QuestionTurnout(took_part=closed[key[0]].answered_final or 0, answered=n, declined=d)
        for key, (n, d) in counts.items()
    }


def decline_lines(
    bank: QuestionBank,
    rounds: Sequence[SurveyRound],
    turnouts: Mapping[tuple[str, str], QuestionTurnout],
    *,
    k: int,
) -> list[DeclineLine]:
    """Each sensitive question's line, from the latest of `rounds` (oldest first, closed) that asked it."""
    lines = []
    for question in bank.questions:
        if not question.sensitive or question.kind == "text":
            continue
        asked = [i for i, r in enumerate(rounds) if question.id in r.question_ids and r.closed_at is not None]
        if not asked:
            continue
        latest = rounds[asked[-1]]
        turnout = turnouts.get(
            (latest.id, question.id),
            QuestionTurnout(took_part=latest.answered_final or 0, answered=0, declined=0),
        )
        lines.append(
            DeclineLine(
                question_id=question.id,
                question=question.text,
                declined=shown_declines(turnout, k=k),
                rounds_ago=len(rounds) - 1 - asked[-1],
            )
        )
    return lines
