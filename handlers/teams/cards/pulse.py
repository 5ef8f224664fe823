"""Adaptive Cards for the pulse DM, its reminder and its close, from the same view-models and
catalogue strings as Slack's Block Kit. Pure builders."""

from __future__ import annotations

import functools
import json
import re
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.ballots import PulseBallot, PulsePromise, PulseReminder
from bot.i18n import N_, _, current_language, ngettext
from bot.questions import Question
from handlers.shared.pulse_words import progress_line, reminder_line
from handlers.teams.cards.answers import ANSWER_VERB, COMMENT_ACTION, encode_answer
from handlers.teams.cards.card import card, lines, note, opens_dialog, text
from handlers.teams.cards.markup import card_date, inert, to_markdown, written_date

DECLINE_LABEL = N_("Prefer not to say")
PULSE_CLOSED_TEXT = N_(
    "This pulse has closed. Thank you. Answers are kept without names and shared only as group figures."
)
# Adaptive Card hosts cap the actions shown in a row (the host config's maxActions) and fold the rest
# into an overflow menu, where an answer would hide: longer scales (0-10) are split over rows of six
# (the cap we understand Teams to use; not yet checked in a real Teams client).
MAX_ACTIONS_PER_ROW = 6


def retention_words(days: int) -> str:
    """A retention period in plain words: "a year", "2 years", "90 days"."""
    if days % 365 == 0:
        years = days // 365
        return _("a year") if years == 1 else ngettext("{n} year", "{n} years", years).format(n=years)
    return ngettext("{n} day", "{n} days", days).format(n=days)


def _label(question: Question, value: int) -> str:
    if question.kind == "likert" and question.labels:
        return _(question.labels[value - 1])
    return str(value)


def _head(since_last_time: str | None, promise: PulsePromise) -> list[dict[str, Any]]:
    body = [
        text(_("This week's pulse · under a minute"), size="medium", weight="bolder", style="heading"),
        text(
            _(
                "Hi :wave: Your workplace's peer-support program asks everyone the same few questions, "
                "to see how people are doing and where the program can do better. It's run by the "
                "program's coordinators."
            )
        ),
        note(
            _(
                ":lock: *Anonymous.* Your answers are saved without your name. Results are only "
                "shown for groups of {k} or more people, so nobody can see how you "
                "answered. Comments are deleted after {kept}; only group figures are kept."
            ).format(k=promise.min_group_size, kept=retention_words(promise.retention_days))
        ),
        note(
            _(
                "One tap per question; tap again to change. Would rather not get these? "
                "`/pulse optout` stops them, and `/pulse optin` brings them back."
            )
        ),
    ]
    if since_last_time:
        # A coordinator's own words: shown as typed, never as our markup.
        body.append(
            note(_(":loudspeaker: *Since last time:* {update}").format(update=inert(since_last_time)))
        )
    return body


def _hint(question: Question, *, answered: bool, chosen: int | None, declined: bool) -> str:
    yours = N_("_(your answer: {choice} — tap another to change)_")
    if chosen is not None and chosen in question.values:
        # In words as well as colour: a button's style alone is lost on some screens and to readers.
        return "  " + _(yours).format(choice=_label(question, chosen))
    if declined and question.sensitive and question.kind != "text":
        return "  " + _(yours).format(choice=_(DECLINE_LABEL))
    if answered and question.kind != "text":
        return "  " + _("_(answered — tap to change)_")
    return ""


def _question(
    index: int,
    question: Question,
    *,
    round_id: str,
    ballot: str,
    tag: str,
    answered: bool,
    chosen: int | None,
    declined: bool,
) -> dict[str, Any]:
    language = current_language()
    mark = "✅ " if answered else ""
    hint = _hint(question, answered=answered, chosen=chosen, declined=declined)
    items: list[dict[str, Any]] = [text(f"{mark}*{index}. {_(question.text)}*{hint}")]
    shared = (round_id, question.id, ballot, tag)
    if question.kind == "text":
        data = encode_answer(*shared, language=language)
        # A dialog opens only from Action.Submit with Teams' task/fetch marker.
        comment = opens_dialog(
            _("Edit your comment") if answered else _("Add a comment"), COMMENT_ACTION, **data
        )
        items.append({"type": "ActionSet", "actions": [comment]})
        return {"type": "Container", "id": f"q_{question.id}", "items": items, "separator": True}
    actions: list[dict[str, Any]] = []
    for value in question.values:
        action: dict[str, Any] = {
            "type": "Action.Execute",
            "title": _label(question, value),
            "verb": ANSWER_VERB,
            "data": encode_answer(*shared, value, language=language),
        }
        if value == chosen:
            action["style"] = "positive"
        actions.append(action)
    if question.sensitive:
        # Beside the scale, never part of it: a decline is counted apart, not as an answer.
        decline: dict[str, Any] = {
            "type": "Action.Execute",
            "title": _(DECLINE_LABEL),
            "verb": ANSWER_VERB,
            "data": encode_answer(*shared, declined=True, language=language),
        }
        if declined and chosen not in question.values:
            decline["style"] = "positive"
        actions.append(decline)
    for start in range(0, len(actions), MAX_ACTIONS_PER_ROW):
        items.append({"type": "ActionSet", "actions": actions[start : start + MAX_ACTIONS_PER_ROW]})
    if question.kind == "scale_0_10" and question.labels:
        items.append(note(" · ".join(_(x) for x in question.labels)))
    return {"type": "Container", "id": f"q_{question.id}", "items": items, "separator": True}


def _harm_noted(questions: list[Question], chosen: Mapping[str, int]) -> str | None:
    """The first question whose stored answer signals harm (the note goes under it), if any."""
    return next((q.id for q in questions if chosen.get(q.id) in q.harmful_values), None)


def _tail(done: int, required: int, closes_at: datetime) -> dict[str, Any]:
    progress = progress_line(done, required, closes=card_date(closes_at))
    return {**note(progress), "separator": True}


def pulse_fallback_text(answered: int, total: int) -> str:
    """What a notification (and a client that cannot draw the card) shows."""
    if total and answered >= total:
        return _("Thanks — your pulse answers are in.")
    return _("This week's pulse: a few one-tap questions, anonymous.")


def build_pulse_card(
    ballot: PulseBallot,
    *,
    answered: frozenset[str] = frozenset(),
    chosen: Mapping[str, int] | None = None,
    declined: frozenset[str] = frozenset(),
    harm_note: str | None = None,
) -> dict[str, Any]:
    """The pulse DM: why it came and the promise, one row of buttons per question, progress.

    `chosen` (question id -> the ballot's stored value) and `declined` mark the person's own answers
    on their own card; `harm_note` goes once, under the first sensitive question answered at its
    unfavourable end (never after a decline).
    """
    chosen = chosen or {}
    required = [q for q in ballot.questions if q.kind != "text"]
    done = sum(1 for q in required if q.id in answered)
    noted = _harm_noted(ballot.questions, chosen) if harm_note else None
    body = _head(ballot.since_last_time, ballot.promise)
    for index, question in enumerate(ballot.questions, start=1):
        body.append(
            _question(
                index,
                question,
                round_id=ballot.round_id,
                ballot=ballot.ballot,
                tag=ballot.tag,
                answered=question.id in answered,
                chosen=chosen.get(question.id),
                declined=question.id in declined,
            )
        )
        if harm_note and question.id == noted:
            body.append(_harm_block(harm_note))
    body.append(_tail(done, len(required), ballot.closes_at))
    return card(body, fallback=pulse_fallback_text(done, len(required)))


def _harm_block(harm_note: str) -> dict[str, Any]:
    return {"type": "Container", "style": "emphasis", "items": lines(harm_note)}


# Stand-ins for the only per-person parts of a pulse card (the ballot and its tag in every button), so
# its JSON can be cached per round, question, answer state and language and shared by everyone.
# Letters and digits are never escaped in JSON, and a random token cannot occur in a question's text.
_BALLOT, _TAG = f"ballot{secrets.token_hex(12)}", f"tag{secrets.token_hex(12)}"
# Ballots and tags the stand-ins can be swapped for as they are (anything else is drawn afresh).
_PLAIN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_BODY = '"body":[]'


def _json(value: Any) -> str:
    # ASCII-only JSON (the default): the cached pieces stay one byte a character, quick to join and send.
    return json.dumps(value, separators=(",", ":"))


# Every piece is cached by language too (the last argument): a round is drawn in each reader's language.
@functools.lru_cache(maxsize=64)
def _head_json(since_last_time: str | None, promise: PulsePromise, language: str) -> str:
    return ",".join(_json(item) for item in _head(since_last_time, promise))


@functools.lru_cache(maxsize=4096)
def _question_json(
    index: int,
    question: Question,
    round_id: str,
    answered: bool,
    chosen: int | None,
    declined: bool,
    language: str,
) -> str:
    # One piece per state of a question (answered, which option, declined): never per person.
    return _json(
        _question(
            index,
            question,
            round_id=round_id,
            ballot=_BALLOT,
            tag=_TAG,
            answered=answered,
            chosen=chosen,
            declined=declined,
        )
    )


@functools.lru_cache(maxsize=64)
def _harm_json(harm_note: str, language: str) -> str:
    return _json(_harm_block(harm_note))


@functools.lru_cache(maxsize=1024)
def _tail_json(done: int, required: int, closes_at: datetime, language: str) -> str:
    return _json(_tail(done, required, closes_at))


@functools.lru_cache(maxsize=64)
def _card_json(finished: bool, language: str) -> tuple[str, str]:
    """The card around its body, as the JSON before and after the body's items."""
    envelope = _json(card([], fallback=pulse_fallback_text(int(finished), 1)))
    before, found, after = envelope.partition(_BODY)
    if not found:
        raise AssertionError("a card's JSON always has its body")
    return before + _BODY[:-1], _BODY[-1] + after


def pulse_card_summary(ballot: PulseBallot, *, answered: frozenset[str] = frozenset()) -> str:
    """The card's fallback text, which a message carrying it shows as its summary."""
    required = [q for q in ballot.questions if q.kind != "text"]
    return to_markdown(pulse_fallback_text(sum(1 for q in required if q.id in answered), len(required)))


def pulse_card_json(
    ballot: PulseBallot,
    *,
    answered: frozenset[str] = frozenset(),
    chosen: Mapping[str, int] | None = None,
    declined: frozenset[str] = frozenset(),
    harm_note: str | None = None,
) -> str:
    """`build_pulse_card` as compact JSON text, assembled from pieces shared by everyone in the round."""
    # A tap redraws the whole card: building and encoding ~40 buttons for every tap was the largest
    # part of a tap's CPU, and only the ballot and its tag differ from one person to the next.
    if not (_PLAIN_ID.match(ballot.ballot) and _PLAIN_ID.match(ballot.tag)):
        return _json(
            build_pulse_card(ballot, answered=answered, chosen=chosen, declined=declined, harm_note=harm_note)
        )
    chosen = chosen or {}
    language = current_language()
    questions = ballot.questions
    required = sum(1 for q in questions if q.kind != "text")
    done = sum(1 for q in questions if q.kind != "text" and q.id in answered)
    noted = _harm_noted(questions, chosen) if harm_note else None
    parts = [_head_json(ballot.since_last_time, ballot.promise, language)]
    for index, question in enumerate(questions, start=1):
        parts.append(
            _question_json(
                index,
                question,
                ballot.round_id,
                question.id in answered,
                chosen.get(question.id),
                question.id in declined,
                language,
            )
        )
        if harm_note and question.id == noted:
            parts.append(_harm_json(harm_note, language))
    parts.append(_tail_json(done, required, ballot.closes_at, language))
    before, after = _card_json(bool(required) and done >= required, language)
    body = ",".join(parts).replace(_BALLOT, ballot.ballot).replace(_TAG, ballot.tag)
    return f"{before}{body}{after}"


def build_pulse_closed_card() -> dict[str, Any]:
    """What every pulse card becomes at close: the same words for everyone, and no buttons."""
    return card([text(_(PULSE_CLOSED_TEXT))], fallback=_(PULSE_CLOSED_TEXT))


def build_reminder_text(
    reminder: PulseReminder, *, pulse_link: str | None = None, written: bool = False
) -> str:
    """The reminder's words, the same for everyone invited (`written`: the deadline spelled out in the
    program's zone, for where Teams cannot format it in the reader's own)."""
    closes_at = reminder.closes_at
    closes = written_date(closes_at, zone=reminder.promise.timezone) if written else card_date(closes_at)
    return reminder_line(closes=closes, pulse_link=pulse_link)


def build_reminder_card(reminder: PulseReminder, *, pulse_link: str | None = None) -> dict[str, Any]:
    """The single reminder, linking to the person's own pulse card where the platform knows its link.

    The link is the platform's to make (a Teams deep link needs the chat's Graph id, which the Bot
    Connector's conversation id is not); without one the reminder says where the card is.
    """
    words = build_reminder_text(reminder, pulse_link=pulse_link)
    return card([text(words)], fallback=build_reminder_text(reminder, pulse_link=pulse_link, written=True))
