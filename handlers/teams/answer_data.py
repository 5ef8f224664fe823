"""What a pulse answer button carries on Teams: the `data` of its Action.Execute (verb `pulse.answer`).

One encoder for whatever draws the buttons (the fallback today, the Adaptive Cards later) and one
decoder for the `adaptiveCard/action` invoke, so the two cannot drift apart. The fields are those of
Slack's button value (round, question, ballot, tag, value or decline, language): the tag binds the
ballot to the person it was sent to, so a forwarded card cannot answer for someone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.i18n import SOURCE_LANGUAGE

PULSE_ANSWER_VERB = "pulse.answer"
_TEXT_FIELDS = ("round", "question", "ballot", "tag")


@dataclass(frozen=True)
class PulseAnswer:
    """One tap: which round and question, the ballot and its tag, and the value (or a decline)."""

    round_id: str
    question_id: str
    ballot: str
    tag: str
    value: int | None = None
    declined: bool = False
    language: str = SOURCE_LANGUAGE


def encode_answer_data(answer: PulseAnswer) -> dict[str, Any]:
    """The Action.Execute `data` for one answer button."""
    data: dict[str, Any] = {
        "round": answer.round_id,
        "question": answer.question_id,
        "ballot": answer.ballot,
        "tag": answer.tag,
    }
    if answer.value is not None:
        data["value"] = answer.value
    if answer.declined:
        data["declined"] = True
    if answer.language != SOURCE_LANGUAGE:
        data["language"] = answer.language
    return data


def decode_answer_data(data: Any) -> PulseAnswer:
    """The answer an invoke's `data` carries; raise ValueError if it is not one of ours."""
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) and data[k] for k in _TEXT_FIELDS):
        raise ValueError("not a pulse answer")
    value = data.get("value")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise ValueError("not a pulse answer")
    declined = data.get("declined", False)
    if declined not in (True, False) or (declined and value is not None):
        # A decline carries no value: a button claiming both is not one of ours.
        raise ValueError("not a pulse answer")
    language = data.get("language", SOURCE_LANGUAGE)
    if not isinstance(language, str) or not 0 < len(language) <= 16:
        raise ValueError("not a pulse answer")
    return PulseAnswer(
        round_id=data["round"],
        question_id=data["question"],
        ballot=data["ballot"],
        tag=data["tag"],
        value=value,
        declined=bool(declined),
        language=language,
    )


@dataclass(frozen=True)
class AnswerButtons:
    """The answer buttons of one pulse message, as data (what a card's Action.Execute buttons carry).

    Until the Adaptive Card renderers draw them, the message is sent as text with these in the
    activity's `value` (clients show nothing of it); the invoke path is the same either way.
    """

    options: tuple[dict[str, Any], ...]

    def as_value(self) -> dict[str, Any]:
        """The activity `value` carrying them."""
        return {"verb": PULSE_ANSWER_VERB, "options": list(self.options)}
