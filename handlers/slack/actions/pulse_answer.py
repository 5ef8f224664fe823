"""A click on a pulse answer button: store it unlinkably, then show progress in the DM.

The redraw goes to the click's own response_url: Slack gives every block_actions payload a fresh one
(five uses within 30 minutes), so each click spends one use of its own URL and no per-workspace Web
API budget. chat.update (Tier 3, ~50/min for the whole workspace) is only the fallback, paced.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.answers import AnswerProgress
from bot.errors import InvalidInput
from bot.i18n import SOURCE_LANGUAGE, _, use_language
from bot.roles import begin_request
from bot.services import Services
from handlers.slack.blocks.help import build_harm_note
from handlers.slack.blocks.mrkdwn import escape
from handlers.slack.blocks.pulse import decode_answer, pulse_blocks_json, pulse_fallback_text
from handlers.slack.dedupe import request_identity
from handlers.slack.payloads import team_of
from handlers.slack.replies import answers_privately

log = logging.getLogger(__name__)

ACK_WITHIN_SECONDS = 2.0
RESPONSE_URL_TIMEOUT = 10
# DMs whose last drawn progress is remembered (clicks come in bursts per person; older ones fall out).
REMEMBERED_DMS = 20_000


class _Redraws:
    """Per DM message: one redraw at a time, never one older than what was drawn before."""

    def __init__(self) -> None:
        # Only the commit sequence last drawn, never what was chosen: this outlives the click.
        self.drawn: OrderedDict[tuple[str, str], int] = OrderedDict()
        self.locks: OrderedDict[tuple[str, str], asyncio.Lock] = OrderedDict()

    def lock(self, key: tuple[str, str]) -> asyncio.Lock:
        found = self.locks.pop(key, None) or asyncio.Lock()
        self.locks[key] = found
        while len(self.locks) > REMEMBERED_DMS:
            self.locks.popitem(last=False)
        return found

    def is_current(self, key: tuple[str, str], sequence: int) -> bool:
        # Progress is read as its commit left it, and commits are numbered in order: a click whose
        # redraw runs late behind a later click's would roll the DM (its choices too) back, so it
        # draws nothing; the later redraw already shows everything it stored.
        last = self.drawn.pop(key, -1)
        self.drawn[key] = max(last, sequence)
        while len(self.drawn) > REMEMBERED_DMS:
            self.drawn.popitem(last=False)
        return sequence >= last


# Keyed by event loop: asyncio locks belong to one loop (tests run one app per loop).
_REDRAWS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Redraws] = weakref.WeakKeyDictionary()


def _redraws() -> _Redraws:
    loop = asyncio.get_running_loop()
    found = _REDRAWS.get(loop)
    if found is None:
        found = _REDRAWS[loop] = _Redraws()
    return found


@answers_privately
async def handle_pulse_answer_action(
    ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: Any, context: dict[str, Any]
) -> None:
    """Record the answer carried by the clicked button, ack, then refresh the DM."""
    services: Services = context["services"]
    try:
        answer = decode_answer(body["actions"][0]["value"])
    except (ValueError, KeyError, IndexError, TypeError):
        await ack()
        raise InvalidInput(_("That button isn't one of PeerPulse's; nothing was recorded.")) from None
    # The redraw and any reply speak the language the DM was drawn in (the button says, if not English).
    use_language(answer.get("l") or SOURCE_LANGUAGE)
    recording = asyncio.ensure_future(
        services.surveys.record_answer(
            team_id=team_of(body, services),
            user_id=body["user"]["id"],
            round_id=answer["r"],
            question_id=answer["q"],
            ballot=answer["b"],
            tag=answer["t"],
            value=answer.get("v"),
            request_key=context.get("request_identity"),
            declined=answer.get("d") == 1,
        )
    )
    # Normally the answer is stored (a few ms) before the ack, so a click Slack shows as done is
    # durable and quick clicks apply in order. Under load the ack goes at 2 s regardless: past
    # Slack's 3 s the click would fail for the person although the answer is still being saved.
    await asyncio.wait({recording}, timeout=ACK_WITHIN_SECONDS)
    await ack()
    progress = await recording
    if progress.repeated:
        return
    await refresh_pulse_message(
        client,
        services,
        body=body,
        ballot=answer["b"],
        tag=answer["t"],
        progress=progress,
    )


AnswerClick = Callable[[dict[str, Any]], Awaitable[None]]


def answer_clicks(services: Services, *, client: Any) -> AnswerClick:
    """Handle an answer click received over HTTP as Bolt would, without Bolt's per-request dispatch.

    The busiest request PeerPulse gets. Bolt would build a Web API client and a context for it, run
    each middleware and listener matcher with its own keyword injection, then poll every 10 ms for
    the ack: about a fifth of a click's CPU. Here the same listener runs with what the app's
    middleware would give it (the services, the paced client, the delivery identity: see
    handlers/slack/app.py and dedupe.py), and the returned awaitable ends at its ack, so the HTTP
    answer still goes only once the answer is committed. What follows the ack (the redraw, or a
    private error reply) runs as background work of the services, as Bolt runs it after its ack.
    """

    async def handle(body: dict[str, Any]) -> None:
        begin_request()
        # An answer click records its own identity in the answer's transaction (dedupe.py).
        context: dict[str, Any] = {"services": services, "request_identity": request_identity(body)}
        acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def ack(*_args: Any, **_kwargs: Any) -> None:
            if not acked.done():
                acked.set_result(None)

        async def listen() -> None:
            try:
                await handle_pulse_answer_action(ack=ack, body=body, client=client, context=context)
            finally:
                # answers_privately acks on every path; this only keeps an HTTP answer from hanging.
                await ack()

        services.spawn(listen())
        await acked

    return handle


async def refresh_pulse_message(
    client: Any,
    services: Services,
    *,
    body: dict[str, Any],
    ballot: str,
    tag: str,
    progress: AnswerProgress,
) -> None:
    """Redraw the pulse DM with the ballot's progress and its own stored choices (never logged)."""
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if not channel or not ts:
        return
    redraws = _redraws()
    key = (str(channel), str(ts))
    response_url = body.get("response_url")
    async with redraws.lock(key):
        if redraws.is_current(key, progress.sequence):
            text, blocks = await _pulse_message(services, progress=progress, ballot=ballot, tag=tag)
            if not (response_url and await _respond(client, str(response_url), text=text, blocks=blocks)):
                # No usable response_url (an old form, or Slack refused it): the paced Tier 3 path.
                await client.chat_update(channel=channel, ts=ts, text=text, blocks=json.loads(blocks))
    if response_url and not services.settings.pulse_shows_choices:
        await _point_to_support(client, services, str(response_url), progress=progress, body=body)


async def _pulse_message(
    services: Services, *, progress: AnswerProgress, ballot: str, tag: str
) -> tuple[str, str]:
    """The DM's fallback text and its blocks as JSON text."""
    round_ = progress.round
    answered = progress.answered
    questions = services.surveys.questions_of(round_)
    required = [q for q in questions if q.kind != "text"]
    # The same line as when the DM was first sent: both read as of the round's opening.
    since = await services.updates.since_last_time(team_id=round_.team_id, as_of=round_.opened_at)
    blocks = pulse_blocks_json(
        round_id=round_.id,
        questions=questions,
        ballot=ballot,
        tag=tag,
        answered=answered,
        closes_at=round_.closes_at,
        promise=services.ballots.promise,
        since_last_time=escape(since) if since else None,
        # Where the DM must not hold answers (PULSE_SHOWS_CHOICES off), it shows progress only.
        chosen=progress.chosen if services.settings.pulse_shows_choices else {},
        declined=progress.declined if services.settings.pulse_shows_choices else frozenset(),
        harm_note=build_harm_note(services.settings) if services.settings.pulse_shows_choices else None,
    )
    done = sum(1 for q in required if q.id in answered)
    return pulse_fallback_text(done, len(required)), blocks


async def _point_to_support(
    client: Any, services: Services, url: str, *, progress: AnswerProgress, body: dict[str, Any]
) -> None:
    """With choices kept out of the DM, a hard answer's support pointer goes as an ephemeral reply."""
    # Ephemeral: shown once, to the person only, and kept in no message history or export.
    clicked = _clicked_answer(body)
    if clicked is None or progress.chosen.get(clicked[0]) != clicked[1]:
        return
    questions = {q.id: q for q in services.surveys.questions_of(progress.round)}
    question = questions.get(clicked[0])
    if question is None or clicked[1] not in question.harmful_values:
        return
    note = build_harm_note(services.settings, ephemeral=True)
    reply = {"response_type": "ephemeral", "replace_original": False, "text": note}
    await _post_json(client, url, json.dumps(reply))


def _clicked_answer(body: dict[str, Any]) -> tuple[str, int] | None:
    """The question and value this click chose, if it was an answer button."""
    try:
        answer = decode_answer(str((body.get("actions") or [{}])[0].get("value", "")))
    except ValueError:
        return None
    value = answer.get("v")
    return (str(answer["q"]), value) if isinstance(value, int) else None


async def _respond(client: Any, url: str, *, text: str, blocks: str) -> bool:
    """Replace the clicked message through its response_url; False if Slack did not take it."""
    return await _post_json(
        client, url, f'{{"replace_original":true,"text":{json.dumps(text)},"blocks":{blocks}}}'
    )


async def _post_json(client: Any, url: str, body: str) -> bool:
    """Post an encoded JSON body to a response_url; False if Slack did not take it."""
    session: aiohttp.ClientSession | None = getattr(client, "session", None)
    try:
        if session is None:
            # No pooled session to borrow: slack_sdk's webhook client opens its own.
            webhook = AsyncWebhookClient(url, timeout=RESPONSE_URL_TIMEOUT)
            response = await webhook.send_dict(json.loads(body))
            status, answer = response.status_code, response.body
        else:
            # The Web API client's pooled session, and a body already encoded: a click is the hot path.
            async with session.post(
                url,
                data=body.encode(),
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=aiohttp.ClientTimeout(total=RESPONSE_URL_TIMEOUT),
                # The same proxy as the Web API calls (slack_sdk reads HTTPS_PROXY for those).
                proxy=getattr(client, "proxy", None),
            ) as reply:
                status, answer = reply.status, await reply.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("response_url post failed (%s)", type(exc).__name__)
        return False
    if status != 200:
        log.warning("response_url refused the post (%s %s)", status, answer[:40])
        return False
    return True
