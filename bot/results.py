"""A round's per-question results: database histograms in, k-safe summaries out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.insights import (
    LIKERT_5,
    LikertSummary,
    RecommendSummary,
    Suppressed,
    summarize_likert,
    summarize_recommend,
)
from bot.questions import Question

Histogram = Mapping[int, int]


@dataclass(frozen=True)
class QuestionResult:
    """One question's outcome in one round, already suppressed where fewer than k answered."""

    question: Question
    respondents: int
    summary: LikertSummary | RecommendSummary | Suppressed


def favourable_histogram(question: Question, counts: Histogram) -> dict[int, int]:
    """Recode reverse-scored items so a higher value is always the better one."""
    if question.kind == "likert" and question.reverse:
        return {LIKERT_5.high + LIKERT_5.low - value: n for value, n in counts.items()}
    return dict(counts)


def summarize_question(question: Question, counts: Histogram, *, k: int) -> QuestionResult:
    """Summarize one numeric question (free-text items are counted, never summarized here)."""
    respondents = sum(counts.values())
    if question.kind == "scale_0_10":
        summary: LikertSummary | RecommendSummary | Suppressed = summarize_recommend(counts, k=k)
    elif question.kind == "likert":
        summary = summarize_likert(favourable_histogram(question, counts), k=k)
    else:
        summary = Suppressed("free text is reported as themes")
    return QuestionResult(question=question, respondents=respondents, summary=summary)


def summarize_round(
    questions: Sequence[Question], histograms: Mapping[str, Histogram], *, k: int
) -> list[QuestionResult]:
    """Every numeric question of a round, in the order asked."""
    return [summarize_question(q, histograms.get(q.id, {}), k=k) for q in questions if q.kind != "text"]
