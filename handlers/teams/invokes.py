"""A tap on a pulse answer (an Action.Execute with verb `pulse.answer`): store it unlinkably, say so.

The answer goes through the same domain call as Slack's answer click (ballot, tag, question, value),
committed before the invoke is answered. Teams wants HTTP 200 with an AdaptiveCardInvokeResponse
body (Universal Action Model): a message to show (`application/vnd.microsoft.activity.message`), or
an error (`application/vnd.microsoft.error`) for a request that is not one of ours. Nothing about the
person is written here but the answer itself (no address, no time zone).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.errors import PeerPulseError
from bot.i18n import use_language
from bot.roles import begin_request
from handlers.shared.answer_token import read_answer
from handlers.teams.cards.answers import ANSWER_VERB
from handlers.teams.cards.markup import written_date
from handlers.teams.context import TeamsContext
from handlers.teams.ids import person_id
from handlers.teams.payloads import sender_of
from handlers.teams.replies import (
    database_down_text,
    not_our_button_text,
    progress_text,
    something_went_wrong_text,
)

log = logging.getLogger(__name__)
MESSAGE = "application/vnd.microsoft.activity.message"
ERROR = "application/vnd.microsoft.error"


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


async def handle_card_action(ctx: TeamsContext, activity: dict[str, Any]) -> dict[str, Any]:
    """Dispatch an `adaptiveCard/action` invoke by its verb."""
    action = (activity.get("value") or {}).get("action") or {}
    if action.get("verb") == ANSWER_VERB:
        return await handle_pulse_answer_invoke(ctx, activity, action.get("data"))
    return error_response(400, "BadRequest", not_our_button_text())


async def handle_pulse_answer_invoke(
    ctx: TeamsContext, activity: dict[str, Any], data: Any
) -> dict[str, Any]:
    """Record the tapped answer; answer with the ballot's progress, or why nothing was recorded."""
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
    required = [q for q in services.surveys.questions_of(progress.round) if q.kind != "text"]
    done = sum(1 for q in required if q.id in progress.answered)
    closes = written_date(progress.round.closes_at, zone=services.settings.default_timezone)
    return message_response(progress_text(done=done, required=len(required), closes=closes))
