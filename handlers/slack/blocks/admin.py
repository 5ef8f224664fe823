"""Text for coordinators' `/pulse` subcommands (schedule and questions share their words with Teams). Pure."""

from __future__ import annotations

from bot.questions import QuestionBank
from bot.surveys import RoundStatus, Schedules
from handlers.shared.admin_words import questions_text, schedule_text
from handlers.shared.round_words import status_lines
from handlers.slack.blocks.pulse import slack_date


def build_schedule_text(schedules: Schedules) -> str:
    """When pulses and digests go out, the digest's channel linked."""
    return schedule_text(schedules, channel=f"<#{schedules.coordinator_channel}>")


def build_questions_text(bank: QuestionBank) -> str:
    """The question bank with constructs and sources."""
    return questions_text(bank)


def build_status_text(status: RoundStatus, *, k: int, zone: str = "UTC") -> str:
    """Participation in a round, plus delivery trouble; dates in each reader's own time zone (Slack)."""
    return status_lines(status, k=k, day=lambda moment: slack_date(moment, zone=zone))
