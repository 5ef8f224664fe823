"""Turning errors into words a person can act on, and getting them to the right place."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.errors import NextStep, PeerPulseError
from bot.i18n import N_, _

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = N_(
    "Something went wrong on our side and nothing was saved. Please try again in a moment."
)
DATABASE_DOWN = N_(
    "PeerPulse can't reach its database right now, so nothing was saved. Please try again in a minute."
)
EXPIRED_TRIGGER = N_(
    "Slack gives PeerPulse three seconds to open a form and that passed, so nothing opened. "
    "Please tap the button again."
)
# The domain names a person's next step; on Slack it is a slash command.
NEXT_STEPS: dict[NextStep, str] = {
    "round_status": N_("`/pulse status` shows how it is going."),
    "session_list": N_("`/peer-log list` shows your latest ones."),
    "opt_in": N_("`/pulse optin` to take part again."),
}
# Slack's answers when a configured channel is wrong or PeerPulse was never invited to it.
_SETUP_ERRORS = {"channel_not_found", "not_in_channel", "is_archived"}


def _setup_problem(error: str) -> str:
    return _(
        "PeerPulse can't use one of its channels (Slack said `{error}`), so nothing was done. Ask whoever"
        " runs PeerPulse to run `python -m bot check`: it names the channel and the fix."
    ).format(error=error)


def user_message_for(exc: BaseException) -> str:
    """What to tell the user about an error (never a stack trace, never internals)."""
    if isinstance(exc, PeerPulseError):
        step = NEXT_STEPS.get(exc.next_step) if exc.next_step else None
        return f"{exc} {_(step)}" if step else str(exc)
    if isinstance(exc, DBAPIError | PoolTimeout | ConnectionError):
        return _(DATABASE_DOWN)
    if isinstance(exc, SlackApiError) and exc.response.get("error") in _SETUP_ERRORS:
        return _setup_problem(str(exc.response.get("error")))
    if isinstance(exc, SlackApiError) and exc.response.get("error") == "expired_trigger_id":
        return _(EXPIRED_TRIGGER)
    return _(SOMETHING_WENT_WRONG)


CommandHandler = Callable[..., Awaitable[str | dict[str, Any] | None]]


def replies_to_command(handler: CommandHandler) -> Callable[..., Awaitable[None]]:
    """Run a slash-command body and ack with its reply, or with a clear error message."""

    @functools.wraps(handler)
    async def wrapper(ack: Callable[..., Awaitable[None]], **kwargs: Any) -> None:
        try:
            reply = await handler(ack=ack, **kwargs)
        except PeerPulseError as exc:
            await ack(text=user_message_for(exc))
            return
        except Exception as exc:
            log.exception("command %s failed", handler.__name__)
            await ack(text=user_message_for(exc))
            return
        if reply is None:
            return  # the handler acked on its own (e.g. opened a modal)
        if isinstance(reply, str):
            await ack(text=reply)
        else:
            await ack(**reply)

    return wrapper


def answers_privately(listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """Run an action/view/event listener; any error becomes a private reply, never a crash.

    Errors are handled here rather than in Bolt's global handler because Bolt discards an
    earlier ack() when a listener raises afterwards, and Slack would then see no answer at all.
    """

    @functools.wraps(listener)
    async def wrapper(
        ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, **kwargs: Any
    ) -> None:
        acked = False

        async def tracked_ack(*args: Any, **ack_kwargs: Any) -> None:
            nonlocal acked
            acked = True
            await ack(*args, **ack_kwargs)

        try:
            await listener(ack=tracked_ack, body=body, client=client, **kwargs)
        except Exception as exc:
            if isinstance(exc, PeerPulseError):
                log.info("refused %s: %s", listener.__name__, type(exc).__name__)
            else:
                log.exception("listener %s failed", listener.__name__)
            if not acked:
                await ack()
            try:
                await tell_user(client, body, user_message_for(exc))
            except Exception as exc:
                # Slack itself may be what failed; the log above already holds the cause.
                log.warning("could not tell the user about an error (%s)", type(exc).__name__, exc_info=True)

    return wrapper


def channel_of(body: dict[str, Any]) -> str | None:
    """The channel an interaction happened in, if any."""
    container = body.get("container") or {}
    channel = body.get("channel") or {}
    return container.get("channel_id") or channel.get("id") or body.get("channel_id")


async def tell_user(client: Any, body: dict[str, Any], text: str) -> None:
    """Privately tell the user who sent this request something (ephemeral, or DM as fallback)."""
    user = (body.get("user") or {}).get("id") or body.get("user_id")
    if not user:
        return
    channel = channel_of(body)
    if channel:
        try:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
            return
        except SlackApiError as exc:
            # e.g. a click on a message in a channel the user isn't in: say it in a DM instead.
            log.info("ephemeral reply refused (%s); sending a DM", exc.response.get("error"))
    await client.chat_postMessage(channel=user, text=text)
