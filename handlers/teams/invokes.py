"""A tap on a pulse answer (an Action.Execute with verb `pulse.answer`): store it unlinkably, redraw the card.

The answer goes through the same domain call as Slack's answer click (ballot, tag, question, value),
committed before the invoke is answered. Teams wants HTTP 200 with an AdaptiveCardInvokeResponse
body (Universal Action Model): the tapped card redrawn with the ballot's progress (and, where
PULSE_SHOWS_CHOICES allows, its choices), a message for a refusal the person can read, or an error
(`application/vnd.microsoft.error`) for a request that is not one of ours. Teams keeps an invoke's
card only in the tapper's view until the chat reloads, so the same card also replaces the tapped
message through the connector's update, after the answer and never rolled back by a late one.
Nothing about the person is written here but the answer itself (no address, no time zone).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from collections import OrderedDict
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.answers import AnswerProgress
from bot.ballots import PulseBallot, pulse_promise
from bot.errors import DeliveryError, PeerPulseError
from bot.i18n import use_language
from bot.roles import begin_request
from bot.services import Services
from handlers.shared.answer_token import read_answer
from handlers.teams import improvement
from handlers.teams.cards.answers import ANSWER_VERB
from handlers.teams.cards.card import (
    EncodedCard,
    EncodedJSON,
    action_response,
    action_response_json,
    message,
    message_json,
)
from handlers.teams.cards.help import build_harm_note
from handlers.teams.cards.markup import written_date
from handlers.teams.cards.pulse import pulse_card_json, pulse_card_summary
from handlers.teams.connector import conversation_path
from handlers.teams.context import TeamsContext
from handlers.teams.ids import person_id
from handlers.teams.names import MENTION_MARK
from handlers.teams.payloads import conversation_of, sender_of
from handlers.teams.replies import (
    database_down_text,
    not_our_button_text,
    progress_text,
    something_went_wrong_text,
)

log = logging.getLogger(__name__)
MESSAGE = "application/vnd.microsoft.activity.message"
ERROR = "application/vnd.microsoft.error"
# Cards whose last drawn progress is remembered (taps come in bursts per person; older ones fall out).
REMEMBERED_CARDS = 20_000
# A redrawn card that Teams rate-limits or fails to take is tried this often before it is given up.
UPDATE_ATTEMPTS = 3


def message_response(text: str) -> dict[str, Any]:
    """The invoke's answer: done, show this text."""
    return {"statusCode": 200, "type": MESSAGE, "value": text}


def error_response(status: int, code: str, message: str) -> dict[str, Any]:
    """The invoke's answer: not done, for this reason."""
    return {"statusCode": status, "type": ERROR, "value": {"code": code, "message": message}}


def invoke_identity(activity: dict[str, Any]) -> str | None:
    """What makes a redelivered invoke 'the same one': the activity id Teams keeps across retries."""
    activity_id = activity.get("id")
    if not isinstance(activity_id, str) or not activity_id:
        return None
    digest = hashlib.sha256(f"{sender_of(activity)}\n{activity_id}".encode()).hexdigest()
    return f"teams-invoke:{digest}"


async def handle_card_action(ctx: TeamsContext, activity: dict[str, Any]) -> dict[str, Any] | EncodedJSON:
    """Dispatch an `adaptiveCard/action` invoke by its verb."""
    action = (activity.get("value") or {}).get("action") or {}
    if action.get("verb") == ANSWER_VERB:
        return await handle_pulse_answer_invoke(ctx, activity, action.get("data"))
    if isinstance(action.get("verb"), str) and action["verb"] in improvement.VERBS:
        return await improvement.handle_page_invoke(ctx, activity, action.get("data"))
    return error_response(400, "BadRequest", not_our_button_text())


async def handle_pulse_answer_invoke(
    ctx: TeamsContext, activity: dict[str, Any], data: Any
) -> dict[str, Any] | EncodedJSON:
    """Record the tapped answer; answer with the card redrawn, or why nothing was recorded."""
    begin_request()
    try:
        answer = read_answer(data)
    except ValueError:
        return error_response(400, "BadRequest", not_our_button_text())
    use_language(answer.language)
    services = ctx.services
    try:
        progress = await services.surveys.record_answer(
            team_id=services.team_id,
            user_id=person_id(sender_of(activity)),
            round_id=answer.round_id,
            question_id=answer.question_id,
            ballot=answer.ballot,
            tag=answer.tag,
            value=answer.value,
            request_key=invoke_identity(activity),
            declined=answer.declined,
        )
    except PeerPulseError as refused:
        # Said to the person as it is (a forwarded card, a closed round): their words, not internals.
        return message_response(str(refused))
    except (DBAPIError, PoolTimeout, ConnectionError):
        log.warning("an answer could not be stored: the database is unreachable")
        return error_response(500, "DatabaseUnavailable", database_down_text())
    except Exception:
        log.exception("recording an answer from Teams failed")
        return error_response(500, "InternalError", something_went_wrong_text())
    try:
        content = await redrawn_pulse_card(services, progress=progress, ballot=answer.ballot, tag=answer.tag)
    except Exception:
        # The answer is stored: say so in words rather than report a failure that did not happen.
        log.exception("redrawing a pulse card after a tap failed")
        return message_response(_progress_words(services, progress))
    if not progress.repeated:
        # Teams shows an invoke's card to the tapper only until the chat reloads: the update keeps it.
        persist_redraw(ctx, activity, content, sequence=progress.sequence)
    return card_answer(content)


async def redrawn_pulse_card(
    services: Services, *, progress: AnswerProgress, ballot: str, tag: str
) -> EncodedCard:
    """The person's pulse card as their ballot now stands, encoded (choices only where the settings allow)."""
    round_ = progress.round
    # The same line as when the card was first sent: both read as of the round's opening.
    since = await services.updates.since_last_time(team_id=round_.team_id, as_of=round_.opened_at)
    pulse = PulseBallot(
        round_id=round_.id,
        questions=services.surveys.questions_of(round_),
        ballot=ballot,
        tag=tag,
        closes_at=round_.closes_at,
        since_last_time=since,
        promise=pulse_promise(services.settings),
    )
    shows = services.settings.pulse_shows_choices
    # Where the card must not hold answers (PULSE_SHOWS_CHOICES off), it shows progress only.
    text = pulse_card_json(
        pulse,
        answered=progress.answered,
        chosen=progress.chosen if shows else {},
        declined=progress.declined if shows else frozenset(),
        harm_note=build_harm_note(services.settings) if shows else None,
    )
    return EncodedCard(text, summary=pulse_card_summary(pulse, answered=progress.answered))


def card_answer(content: EncodedCard) -> dict[str, Any] | EncodedJSON:
    """The invoke's answer replacing the tapped card with `content`."""
    if names_anyone(content):
        # Someone is named (a support contact in the harm note): the answer goes through the naming.
        return action_response(content.decoded())
    # Nobody to name: the card's text goes out as it was assembled, with no re-encoding.
    return EncodedJSON(action_response_json(content))


def names_anyone(content: EncodedCard) -> bool:
    """Whether the card may name someone (who becomes a Teams mention only once it is decoded)."""
    return MENTION_MARK in content.text or MENTION_MARK in content.summary


def _progress_words(services: Services, progress: AnswerProgress) -> str:
    """The ballot's progress as a line of text, for when the card cannot be drawn."""
    required = [q for q in services.surveys.questions_of(progress.round) if q.kind != "text"]
    done = sum(1 for q in required if q.id in progress.answered)
    closes = written_date(progress.round.closes_at, zone=services.settings.default_timezone)
    return progress_text(done=done, required=len(required), closes=closes)


class _Drawn:
    """The commit sequence last drawn per card, so a late update never rolls a card back."""

    def __init__(self) -> None:
        # Only the sequence, never what was chosen: this outlives the tap.
        self.sequences: OrderedDict[tuple[str, str], int] = OrderedDict()
        self.wanted: OrderedDict[tuple[str, str], int] = OrderedDict()
        self.locks: OrderedDict[tuple[str, str], asyncio.Lock] = OrderedDict()

    def lock(self, key: tuple[str, str]) -> asyncio.Lock:
        found = self.locks.pop(key, None) or asyncio.Lock()
        self.locks[key] = found
        while len(self.locks) > REMEMBERED_CARDS:
            self.locks.popitem(last=False)
        return found

    def want(self, key: tuple[str, str], sequence: int) -> None:
        """A redraw of this card at `sequence` is on its way (a newer one makes older ones moot)."""
        self.wanted[key] = max(self.wanted.pop(key, -1), sequence)
        while len(self.wanted) > REMEMBERED_CARDS:
            self.wanted.popitem(last=False)

    def superseded(self, key: tuple[str, str], sequence: int) -> bool:
        """Whether a later redraw of this card is on its way."""
        return sequence < self.wanted.get(key, -1)

    def is_current(self, key: tuple[str, str], sequence: int) -> bool:
        if self.superseded(key, sequence):
            # A later tap's redraw is queued behind this one: only the newest needs to go.
            return False
        last = self.sequences.pop(key, -1)
        self.sequences[key] = max(last, sequence)
        while len(self.sequences) > REMEMBERED_CARDS:
            self.sequences.popitem(last=False)
        return sequence >= last


# Keyed by event loop: asyncio locks belong to one loop (tests run one app per loop).
_DRAWN: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Drawn] = weakref.WeakKeyDictionary()


def _drawn() -> _Drawn:
    loop = asyncio.get_running_loop()
    found = _DRAWN.get(loop)
    if found is None:
        found = _DRAWN[loop] = _Drawn()
    return found


def persist_redraw(
    ctx: TeamsContext, activity: dict[str, Any], content: EncodedCard, *, sequence: int
) -> None:
    """Replace the tapped message with the redrawn card, after the invoke is answered."""
    conversation = conversation_of(activity)
    ref = activity.get("replyToId")
    if not conversation or not isinstance(ref, str) or not ref:
        return
    _drawn().want((conversation, ref), sequence)
    ctx.services.spawn(_update_card(ctx, activity, conversation, ref, content, sequence))


async def _update_card(
    ctx: TeamsContext,
    activity: dict[str, Any],
    conversation: str,
    ref: str,
    content: EncodedCard,
    sequence: int,
) -> None:
    drawn = _drawn()
    key = (conversation, ref)
    async with drawn.lock(key):
        if not drawn.is_current(key, sequence):
            # A later tap's update already shows everything this one stored.
            return
        update: dict[str, Any] | None = None
        encoded: str | None = None
        if names_anyone(content):
            # Decoded so that the connector client's naming makes the marks Teams mentions.
            update = {**message(content.decoded(), summary=content.summary), "id": ref}
        else:
            # Sent as it was assembled: decoding a whole card and walking it for names cost more than drawing it.
            encoded = message_json(content, id=ref)
        for attempt in range(1, UPDATE_ATTEMPTS + 1):
            try:
                await ctx.client.request(
                    "PUT",
                    conversation_path(conversation, "activities", ref),
                    json=update,
                    encoded=encoded,
                    operation="update",
                    conversation=conversation,
                    service_url=str(activity.get("serviceUrl") or "") or None,
                )
                return
            except DeliveryError as exc:
                if not exc.retryable or attempt == UPDATE_ATTEMPTS:
                    # The tapper still sees the card the invoke returned; logged without who or what was chosen.
                    log.warning("a redrawn pulse card could not be kept in Teams (%s)", exc)
                    return
                # Rate-limited or a passing outage: the pacer holds every call for Retry-After already.
                await asyncio.sleep(exc.retry_after or 1.0)
                if drawn.superseded(key, sequence):
                    return  # a later tap's redraw, queued meanwhile, shows all this one would
