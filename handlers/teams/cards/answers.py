"""What a tap on a pulse card carries: enough to record the answer with no lookup. Pure functions.

The keys are the ones the Slack button value carries (r, q, b, t, v, d, l), as an object instead
of a JSON string: Teams hands `Action.Execute` data back as it was sent, in the
`adaptiveCard/action` invoke's `value.action.data`.
"""

from __future__ import annotations

from typing import Any

from handlers.shared.answer_token import AnswerTap, answer_data, read_answer

ANSWER_VERB = "pulse.answer"
# The comment button opens a dialog (task/fetch), which only Action.Submit can do; its data names it.
COMMENT_ACTION = "pulse.comment"
COMMENT_SUBMIT = "pulse.comment.submit"
FEEDBACK_SUBMIT = "feedback.submit"


def encode_answer(
    round_id: str,
    question_id: str,
    ballot: str,
    tag: str,
    value: int | None = None,
    *,
    declined: bool = False,
    language: str | None = None,
) -> dict[str, Any]:
    """The data of an answer button (or, with no value, of the comment button): the token as an object."""
    return answer_data(round_id, question_id, ballot, tag, value, declined=declined, language=language)


def decode_answer(data: object) -> AnswerTap:
    """Read an answer button's data back; raise ValueError if it is not one of ours."""
    return read_answer(data)


__all__ = [
    "ANSWER_VERB",
    "COMMENT_ACTION",
    "COMMENT_SUBMIT",
    "FEEDBACK_SUBMIT",
    "AnswerTap",
    "decode_answer",
    "encode_answer",
]
