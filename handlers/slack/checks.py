"""What `python -m bot check` verifies on Slack: the tokens, and each configured channel."""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.checks import Verdict, first_line
from bot.config import Settings
from handlers.slack.settings import slack_settings


def describe_slack_error(exc: BaseException, settings: Settings) -> str:
    """One line naming why Slack could not be reached or refused us."""
    if isinstance(exc, SlackApiError):
        return f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}); check the token"
    where = slack_settings(settings).api_url or "https://slack.com/api/"
    return (
        f"cannot reach Slack at {where} ({type(exc).__name__}: {first_line(exc)}); check the network or proxy"
    )


async def check_token(client: Any, settings: Settings) -> tuple[Verdict, dict[str, Any] | None]:
    """auth.test: the token is accepted; returns the answer for the caller's use."""
    try:
        auth = await client.auth_test()
    except SlackApiError as exc:
        return Verdict(
            "SLACK_BOT_TOKEN",
            False,
            f"Slack refused it ({exc.response.get('error')})",
            "copy the Bot User OAuth Token (xoxb-...) from your Slack app's OAuth & Permissions page",
        ), None
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return Verdict("SLACK_BOT_TOKEN", False, describe_slack_error(exc, settings)), None
    return Verdict(
        "SLACK_BOT_TOKEN", True, f"valid for team {auth.get('team_id')} as {auth.get('user')}"
    ), dict(auth.data)


async def check_app_token(session: aiohttp.ClientSession, settings: Settings) -> Verdict:
    """apps.connections.open with SLACK_APP_TOKEN: Socket Mode will be able to connect."""
    from slack_sdk.web.async_client import AsyncWebClient

    item = "SLACK_APP_TOKEN"
    fix = (
        "create an App-Level Token with the connections:write scope (your Slack app's Basic Information"
        " page), enable Socket Mode, and set it; or unset SLACK_APP_TOKEN to serve HTTP"
    )
    slack = slack_settings(settings)
    base_url = (slack.api_url or AsyncWebClient.BASE_URL).rstrip("/") + "/"
    client = AsyncWebClient(base_url=base_url, session=session)
    try:
        # Tier 1 (about one a minute): the check asks once; the ticket it gets is never used.
        await client.apps_connections_open(app_token=slack.app_token or "")
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "not_allowed_token_type":
            return Verdict(item, False, "it is not an app-level token (xapp-...)", fix)
        if error == "missing_scope":
            return Verdict(item, False, "it lacks the connections:write scope", fix)
        if error == "ratelimited":
            return Verdict(
                item, False, "Slack rate-limited the check", "run `python -m bot check` again in a minute"
            )
        return Verdict(item, False, f"Slack refused it ({error})", fix)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return Verdict(item, False, describe_slack_error(exc, settings))
    return Verdict(item, True, "accepted for Socket Mode (apps.connections.open)")


async def check_channel(client: Any, item: str, channel: str, *, private: bool) -> Verdict:
    """The channel exists, is of the right kind and PeerPulse is a member."""
    invite = f"in Slack, open the channel and type `/invite @PeerPulse`, or fix {item}"
    try:
        info = (await client.conversations_info(channel=channel))["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "channel_not_found":
            return Verdict(
                item,
                False,
                f"{channel} not found (or it is private and PeerPulse is not in it)",
                f"set {item} to the channel's id (channel details, at the bottom) and invite PeerPulse",
            )
        return Verdict(item, False, f"Slack refused to describe {channel} ({error})", invite)
    if private and not info.get("is_private"):
        return Verdict(
            item,
            False,
            f"#{info.get('name')} is public: anyone could join and gain this role",
            "create a private channel, invite the right people and PeerPulse, and set its id",
        )
    if info.get("is_archived"):
        return Verdict(item, False, f"#{info.get('name')} is archived", "unarchive it or use another channel")
    if not info.get("is_member"):
        # Roles are read from private channels PeerPulse must be in; the audience's members can be
        # read without joining, only posting an update there needs it.
        detail = f"PeerPulse is not a member of #{info.get('name')}"
        if not private:
            detail += "; 'you said, we did' updates cannot be posted there"
        return Verdict(item, False, detail, invite, warning=not private)
    kind = "private" if info.get("is_private") else "public"
    return Verdict(item, True, f"#{info.get('name')} ({kind}), PeerPulse is a member")


async def check_channels(client: Any, settings: Settings) -> list[Verdict]:
    """Every configured channel."""
    verdicts = [
        await check_channel(client, "COORDINATOR_CHANNEL", settings.coordinator_channel, private=True),
        await check_channel(client, "SUPPORTERS_CHANNEL", settings.supporters_channel, private=True),
    ]
    if settings.pulse_audience_channel:
        verdicts.append(
            await check_channel(
                client, "PULSE_AUDIENCE_CHANNEL", settings.pulse_audience_channel, private=False
            )
        )
    return verdicts


async def slack_checks(client: Any, session: aiohttp.ClientSession, settings: Settings) -> list[Verdict]:
    """The token, the app-level token when Socket Mode is on, then the channels."""
    token, _auth = await check_token(client, settings)
    verdicts = [token]
    if slack_settings(settings).app_token:
        verdicts.append(await check_app_token(session, settings))
    if token.ok:
        verdicts.extend(await check_channels(client, settings))
    return verdicts
