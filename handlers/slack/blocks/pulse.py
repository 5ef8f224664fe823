"""Block Kit for the pulse DM, its reminder and the comment modal. Pure builders."""

from __future__ import annotations

import functools
import json
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.ballots import PulsePromise
from bot.i18n import N_, _, current_language, format_day, ngettext
from bot.questions import Question
from handlers.shared.answer_token import answer_data, read_answer
from handlers.shared.pulse_words import progress_line, reminder_line

ANSWER_ACTION_PREFIX = "pulse_answer"
# The action ids of answer buttons: pulse_answer_<question number>_<value>, and on a sensitive item
# pulse_answer_<question number>_decline for "Prefer not to say" (the same listener records both).
DECLINE_SUFFIX = "decline"
ANSWER_ACTION_PATTERN = re.compile(rf"^{ANSWER_ACTION_PREFIX}_\d+_(\d+|{DECLINE_SUFFIX})$")
DECLINE_LABEL = N_("Prefer not to say")
COMMENT_ACTION = "pulse_comment"
COMMENT_VIEW = "pulse_comment_view"
COMMENT_BLOCK = "comment_block"
COMMENT_INPUT = "comment_input"


def encode_answer(
    round_id: str,
    question_id: str,
    ballot: str,
    tag: str,
    value: int | None = None,
    *,
    declined: bool = False,
    language: str | None = None,
) -> str:
    """The compact button value carrying what a click answers (and the tag binding it to its recipient)."""
    data = answer_data(round_id, question_id, ballot, tag, value, declined=declined, language=language)
    return json.dumps(data, separators=(",", ":"))


def encode_answers(
    round_id: str, question_id: str, ballot: str, tag: str, values: list[int], *, language: str | None = None
) -> list[str]:
    """`encode_answer` for each value of one question, serialising the shared part once."""
    # Every click redraws about thirty buttons; one json.dumps per question instead of per button.
    shared = encode_answer(round_id, question_id, ballot, tag, language=language)[:-1]
    return [f'{shared},"v":{int(value)}}}' for value in values]


def decode_answer(raw: str) -> dict[str, Any]:
    """Parse a button value; raise ValueError if it is not one of ours."""
    data = json.loads(raw)
    read_answer(data)  # checks every field; the dict itself is what the click handlers read
    return data  # type: ignore[no-any-return]


def _button_label(question: Question, value: int) -> str:
    if question.kind == "likert" and question.labels:
        return _(question.labels[value - 1])
    return str(value)


def _question_blocks(
    index: int,
    question: Question,
    *,
    round_id: str,
    ballot: str,
    tag: str,
    answered: bool,
    chosen: int | None = None,
    declined: bool = False,
) -> list[dict[str, Any]]:
    mark = "✅ " if answered else ""
    language = current_language()
    offers_decline = question.sensitive and question.kind != "text"
    yours = N_("_(your answer: {choice} — tap another to change)_")
    if chosen is not None and chosen in question.values:
        # In words as well as colour: the button's style alone is lost on some screens and readers.
        hint = "  " + _(yours).format(choice=_button_label(question, chosen))
    elif declined and offers_decline:
        hint = "  " + _(yours).format(choice=_(DECLINE_LABEL))
    elif answered and question.kind != "text":
        hint = "  " + _("_(answered — tap to change)_")
    else:
        hint = ""
    section = {
        "type": "section",
        "block_id": f"q_{question.id}",
        "text": {"type": "mrkdwn", "text": f"{mark}*{index}. {_(question.text)}*{hint}"},
    }
    if question.kind == "text":
        label = _("Edit your comment") if answered else _("Add a comment")
        return [
            section,
            {
                "type": "actions",
                "block_id": f"a_{question.id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": COMMENT_ACTION,
                        "text": {"type": "plain_text", "text": label},
                        "value": encode_answer(round_id, question.id, ballot, tag, language=language),
                    }
                ],
            },
        ]
    values = list(question.values)
    elements: list[dict[str, Any]] = [
        {
            "type": "button",
            "action_id": f"{ANSWER_ACTION_PREFIX}_{index}_{value}",
            "text": {"type": "plain_text", "text": _button_label(question, value)},
            "value": encoded,
        }
        for value, encoded in zip(
            values, encode_answers(round_id, question.id, ballot, tag, values, language=language), strict=True
        )
    ]
    if chosen in values:
        elements[values.index(chosen)]["style"] = "primary"
    if offers_decline:
        # Beside the scale, never part of it: a decline is counted apart, not as an answer.
        decline: dict[str, Any] = {
            "type": "button",
            "action_id": f"{ANSWER_ACTION_PREFIX}_{index}_{DECLINE_SUFFIX}",
            "text": {"type": "plain_text", "text": _(DECLINE_LABEL)},
            "value": encode_answer(round_id, question.id, ballot, tag, declined=True, language=language),
        }
        if declined and chosen not in values:
            decline["style"] = "primary"
        elements.append(decline)
    blocks: list[dict[str, Any]] = [
        section,
        {"type": "actions", "block_id": f"a_{question.id}", "elements": elements},
    ]
    if question.kind == "scale_0_10" and question.labels:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": " · ".join(_(x) for x in question.labels)}],
            }
        )
    return blocks


def _harm_noted(questions: list[Question], chosen: Mapping[str, int]) -> str | None:
    """The first question whose stored answer signals harm (the note goes under it), if any."""
    # Derived from the ballot's own answers at every redraw: nothing records that the note was shown.
    return next((q.id for q in questions if chosen.get(q.id) in q.harmful_values), None)


def _harm_note_block(note: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": note[:3000]}}


def retention_words(days: int) -> str:
    """A retention period in plain words: "a year", "2 years", "90 days"."""
    if days % 365 == 0:
        years = days // 365
        return _("a year") if years == 1 else ngettext("{n} year", "{n} years", years).format(n=years)
    return ngettext("{n} day", "{n} days", days).format(n=days)


def slack_date(moment: datetime, *, zone: str) -> str:
    """A date Slack shows in each reader's own time zone, written out in `zone` where it cannot."""
    # Slack's date token: the reader's client formats the timestamp in their own zone and
    # clock preference; the text after | is what surfaces that cannot format it show instead.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(zone))
    fallback = f"{format_day(local.date())}, {local:%H:%M} {local:%Z}"
    # Slack fills in the date and the time in the reader's language; the word between them is ours.
    at = _("at")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {at} {{time}}|{fallback}>"


def _head_blocks(since_last_time: str | None, promise: PulsePromise) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _("This week's pulse · under a minute")}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": _(
                    "Hi :wave: Your workplace's peer-support program asks everyone the same few questions, "
                    "to see how people are doing and where the program can do better. It's run by the "
                    "program's coordinators."
                ),
            },
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": _(
                        ":lock: *Anonymous.* Your answers are saved without your name. Results are only "
                        "shown for groups of {k} or more people, so nobody can see how you "
                        "answered. Comments are deleted after {kept}; only group figures are kept."
                    ).format(k=promise.min_group_size, kept=retention_words(promise.retention_days)),
                },
                {
                    "type": "mrkdwn",
                    "text": _(
                        "One tap per question; tap again to change. Would rather not get these? "
                        "`/pulse optout` stops them, and `/pulse optin` brings them back."
                    ),
                },
            ],
        },
    ]
    if since_last_time:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": _(":loudspeaker: *Since last time:* {update}").format(update=since_last_time),
                    }
                ],
            }
        )
    return blocks


def _tail_blocks(
    done: int, required: int, closes_at: datetime, promise: PulsePromise
) -> list[dict[str, Any]]:
    progress = progress_line(done, required, closes=slack_date(closes_at, zone=promise.timezone))
    return [{"type": "divider"}, {"type": "context", "elements": [{"type": "mrkdwn", "text": progress}]}]


def build_pulse_blocks(
    *,
    round_id: str,
    questions: list[Question],
    ballot: str,
    tag: str,
    answered: frozenset[str],
    closes_at: datetime,
    promise: PulsePromise,
    since_last_time: str | None = None,
    chosen: Mapping[str, int] | None = None,
    harm_note: str | None = None,
    declined: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """The pulse DM: why it came and the anonymity promise, one row of buttons per question, progress.

    `chosen` (question id -> the ballot's stored value) and `declined` (questions it said "prefer not
    to say" to) mark the person's own answers in their own DM; `harm_note` goes once, under the first
    sensitive question answered at its unfavourable end (never after a decline).
    """
    chosen = chosen or {}
    required = [q for q in questions if q.kind != "text"]
    done = sum(1 for q in required if q.id in answered)
    blocks = _head_blocks(since_last_time, promise)
    noted = _harm_noted(questions, chosen) if harm_note else None
    for index, question in enumerate(questions, start=1):
        blocks.extend(
            _question_blocks(
                index,
                question,
                round_id=round_id,
                ballot=ballot,
                tag=tag,
                answered=question.id in answered,
                chosen=chosen.get(question.id),
                declined=question.id in declined,
            )
        )
        if harm_note and question.id == noted:
            blocks.append(_harm_note_block(harm_note))
    return blocks + _tail_blocks(done, len(required), closes_at, promise)


# Stand-ins for the per-person parts of a DM, so its JSON can be cached once per round and question.
# Letters and digits are never escaped, however often a value is JSON-encoded (button values are
# JSON inside JSON), and a random token cannot occur in a question's text.
_BALLOT, _TAG = f"ballot{secrets.token_hex(12)}", f"tag{secrets.token_hex(12)}"
_PLAIN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _json_items(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, separators=(",", ":"))[1:-1]


# Cached by language too (the last argument): the same round is drawn in each reader's language.
@functools.lru_cache(maxsize=64)
def _head_json(since_last_time: str | None, promise: PulsePromise, language: str) -> str:
    return _json_items(_head_blocks(since_last_time, promise))


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
    return _json_items(
        _question_blocks(
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


def pulse_blocks_json(
    *,
    round_id: str,
    questions: list[Question],
    ballot: str,
    tag: str,
    answered: frozenset[str],
    closes_at: datetime,
    promise: PulsePromise,
    since_last_time: str | None = None,
    chosen: Mapping[str, int] | None = None,
    harm_note: str | None = None,
    declined: frozenset[str] = frozenset(),
) -> str:
    """`build_pulse_blocks` as JSON text, assembled from pieces shared by everyone in the round."""
    # A click redraws the whole DM; building and encoding ~30 buttons per click was the app's largest
    # cost beyond Slack's own, and only the ballot and its tag differ from one person to the next.
    if not (_PLAIN_ID.match(ballot) and _PLAIN_ID.match(tag)):
        return json.dumps(
            build_pulse_blocks(
                round_id=round_id,
                questions=questions,
                ballot=ballot,
                tag=tag,
                answered=answered,
                closes_at=closes_at,
                promise=promise,
                since_last_time=since_last_time,
                chosen=chosen,
                harm_note=harm_note,
                declined=declined,
            ),
            separators=(",", ":"),
        )
    chosen = chosen or {}
    required = [q for q in questions if q.kind != "text"]
    done = sum(1 for q in required if q.id in answered)
    noted = _harm_noted(questions, chosen) if harm_note else None
    language = current_language()
    parts = [_head_json(since_last_time, promise, language)]
    for index, question in enumerate(questions, start=1):
        parts.append(
            _question_json(
                index,
                question,
                round_id,
                question.id in answered,
                chosen.get(question.id),
                question.id in declined,
                language,
            )
        )
        if harm_note and question.id == noted:
            parts.append(_json_items([_harm_note_block(harm_note)]))
    parts.append(_json_items(_tail_blocks(done, len(required), closes_at, promise)))
    body = ",".join(parts).replace(_BALLOT, ballot).replace(_TAG, tag)
    return f"[{body}]"


def pulse_fallback_text(answered: int, total: int) -> str:
    """Notification text for the pulse DM."""
    if total and answered >= total:
        return _("Thanks — your pulse answers are in.")
    return _("This week's pulse: a few one-tap questions, anonymous.")


def pulse_permalink(workspace_url: str, *, channel: str, ts: str) -> str:
    """The link to one message, in the form Slack's chat.getPermalink answers with."""
    # Built, not asked for: chat.getPermalink has its own, unpublished limit, and a reminder
    # fan-out must make no per-person call to a throttled method (DESIGN.md).
    return f"{workspace_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"


def build_reminder_text(closes_at: datetime, promise: PulsePromise, *, pulse_link: str | None = None) -> str:
    """The single reminder, the same words for everyone invited (so it says nothing about who answered)."""
    closes = slack_date(closes_at, zone=promise.timezone)
    return reminder_line(closes=closes, pulse_link=pulse_link)


PULSE_CLOSED_TEXT = N_(
    "This pulse has closed. Thank you. Answers are kept without names and shared only as group figures."
)


def build_pulse_closed_blocks() -> list[dict[str, Any]]:
    """What every pulse DM becomes at close: the same words for everyone, and no buttons."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": _(PULSE_CLOSED_TEXT)}}]


def build_comment_modal(
    *, private_metadata: str, question: Question, min_group_size: int, support_line: str, initial: str = ""
) -> dict[str, Any]:
    """The modal for the optional free-text question: the promise, and where to find a person to talk to."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": COMMENT_INPUT,
        "multiline": True,
        "max_length": 1000,
        "placeholder": {
            "type": "plain_text",
            "text": _("Names, emails and phone numbers are removed automatically."),
        },
    }
    if initial:
        element["initial_value"] = initial
    return {
        "type": "modal",
        "callback_id": COMMENT_VIEW,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": _("Anonymous comment")},
        "submit": {"type": "plain_text", "text": _("Send")},
        "close": {"type": "plain_text", "text": _("Cancel")},
        "blocks": [
            {
                "type": "input",
                "block_id": COMMENT_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": _(question.text)[:150]},
                "element": element,
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": _(
                            "Stored without your name. Coordinators only ever see comments grouped by theme, "
                            "and quotes only when {k} or more people raised the same theme."
                        ).format(k=min_group_size),
                    }
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": support_line}]},
        ],
    }
