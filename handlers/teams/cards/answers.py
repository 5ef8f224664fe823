"""What a tap on a pulse card carries: enough to record the answer with no lookup. Pure functions.

The keys are the ones the Slack button value carries (r, q, b, t, v, d, l), as an object instead
of a JSON string: Teams hands `Action.Execute` data back as it was sent, in the
`adaptiveCard/action` invoke's `value.action.data`.
"""

from __future__ import annotations

from handlers.shared.answer_token import AnswerTap, answer_data, read_answer

ANSWER_VERB = "pulse.answer"
# The comment button opens a dialog (task/fetch), which only Action.Submit can do; its data names it.
COMMENT_ACTION = "pulse.comment"
COMMENT_SUBMIT = "pulse.comment.submit"
FEEDBACK_SUBMIT = "feedback.submit"


# On Teams the token travels as the Action.Execute data object itself, not as a JSON string.
encode_answer = answer_data
decode_answer = read_answer

__all__ = [
    "ANSWER_VERB",
    "COMMENT_ACTION",
    "COMMENT_SUBMIT",
    "FEEDBACK_SUBMIT",
    "AnswerTap",
    "decode_answer",
    "encode_answer",
]
