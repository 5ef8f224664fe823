"""What an answer button carries: enough to record the answer with no lookup, on any platform.

The keys are short because Slack sends every button's value back with each click: round `r`,
question `q`, ballot `b`, the tag binding the ballot to its recipient `t`, the value `v`, a decline
`d`, and the language the pulse was drawn in `l` (absent for English, so the redraw after a click
keeps the language without asking the platform who clicked).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.i18n import SOURCE_LANGUAGE

_KEYS = ("r", "q", "b", "t")


@dataclass(frozen=True)
class AnswerTap:
    """One tap on a pulse answer button, read back: which round, question and ballot, and what was chosen."""

    round_id: str
    question_id: str
    ballot: str
    tag: str
    value: int | None = None
    declined: bool = False
    # The language the pulse was drawn in, so the redraw keeps it without asking the platform (None: English).
    language: str | None = None


def answer_data(
    round_id: str,
    question_id: str,
    ballot: str,
    tag: str,
    value: int | None = None,
    *,
    declined: bool = False,
    language: str | None = None,
) -> dict[str, Any]:
    """The data of an answer button (or, with no value, of the comment button)."""
    data: dict[str, Any] = {"r": round_id, "q": question_id, "b": ballot, "t": tag}
    if language and language != SOURCE_LANGUAGE:
        data["l"] = language
    if value is not None:
        data["v"] = value
    if declined:
        data["d"] = 1
    return data


def read_answer(data: object) -> AnswerTap:
    """An answer button's data read back; raise ValueError if it is not one of ours."""
    # The data comes back from the client: everything is checked, nothing is trusted.
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) and data[k] for k in _KEYS):
        raise ValueError("not a pulse answer")
    value = data.get("v")
    if "v" in data and (not isinstance(value, int) or isinstance(value, bool)):
        raise ValueError("not a pulse answer")
    language = data.get("l")
    if "l" in data and not (isinstance(language, str) and 0 < len(language) <= 16):
        raise ValueError("not a pulse answer")
    declined = "d" in data
    # A decline carries no value: data claiming both is not one of ours.
    if declined and (data["d"] != 1 or isinstance(data["d"], bool) or value is not None):
        raise ValueError("not a pulse answer")
    return AnswerTap(
        round_id=data["r"],
        question_id=data["q"],
        ballot=data["b"],
        tag=data["t"],
        value=value,
        declined=declined,
        language=language,
    )
