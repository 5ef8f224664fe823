"""Installation checks (`python -m bot check`, and `run` at start): one verdict per item, with the fix."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from slack_sdk.errors import SlackApiError
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.privacy import support_resources_problem
from storage.db import alembic_config, sync_url


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one item; `fix` says what to do when it failed."""

    item: str
    ok: bool
    detail: str
    fix: str = ""
    # A warning is reported but does not fail `check` (the built-in fallback covers it).
    warning: bool = False

    def line(self) -> str:
        """One line for a person: the verdict, the item, what was found and the fix."""
        mark = "ok  " if self.ok else ("WARN" if self.warning else "FAIL")
        return f"{mark} {self.item}: {self.detail}" + (f" -> {self.fix}" if self.fix else "")


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0].strip() if lines else type(orig).__name__


def _sqlite_path(database: str | None) -> Path:
    """The file behind a SQLite URL's database part (plain path or `file:` URI)."""
    raw = database or ""
    if raw.startswith("file:"):
        raw = raw[len("file:") :].split("?", 1)[0]
    return Path(raw)


def describe_database_error(exc: BaseException, url: str) -> str:
    """One line naming why the database cannot be used, and what to do."""
    message = _first_line(exc)
    lowered = message.lower()
    parsed = make_url(url)
    if "readonly" in lowered or "read-only" in lowered or "permission denied" in lowered:
        return f"the database is read-only for PeerPulse ({message}); give its user write access"
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed.database)
        if not path.parent.is_dir():
            return f"the database folder {path.parent} does not exist; create it or fix DATABASE_URL"
        return f"cannot open the SQLite database {path} ({message}); check the path and its permissions"
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    if "password authentication failed" in lowered or ("role" in lowered and "does not exist" in lowered):
        return f"PostgreSQL at {where} refused the login ({message}); check the user and password in DATABASE_URL"
    if "database" in lowered and "does not exist" in lowered:
        return f"PostgreSQL at {where} has no such database ({message}); create it or fix DATABASE_URL"
    return f"cannot reach PostgreSQL at {where} ({message}); is it running and reachable from here?"


def describe_slack_error(exc: BaseException, settings: Settings) -> str:
    """One line naming why Slack could not be reached or refused us."""
    if isinstance(exc, SlackApiError):
        return f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}); check the token"
    where = settings.slack_api_url or "https://slack.com/api/"
    return f"cannot reach Slack at {where} ({type(exc).__name__}: {_first_line(exc)}); check the network or proxy"


def describe_startup_error(exc: BaseException, settings: Settings) -> str | None:
    """One line for a start-up failure we can name, or None for a genuine bug (keep the traceback)."""
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return f"port {settings.port} is already in use; stop the other program or set PORT"
    if isinstance(exc, OSError) and exc.errno == errno.EACCES:
        return f"not allowed to listen on port {settings.port}; use a port above 1023 (PORT)"
    if isinstance(exc, SQLAlchemyError):
        return describe_database_error(exc, settings.database_url)
    if isinstance(exc, SlackApiError | aiohttp.ClientError | TimeoutError):
        return describe_slack_error(exc, settings)
    return None


def check_database(url: str) -> Verdict:
    """Reachable, migrated to the latest revision, and writable (nothing is changed)."""
    item = "DATABASE_URL"
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = _sqlite_path(parsed.database)
        if not path.parent.is_dir():
            return Verdict(
                item, False, f"the folder {path.parent} does not exist", "create it or fix DATABASE_URL"
            )
        if not path.exists():
            return Verdict(
                item, False, f"{path} does not exist yet", "run `python -m bot migrate` to create it"
            )
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": 5}
    engine = create_engine(sync_url(url), **kwargs)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
            head = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
            if current != head:
                found = ", ".join(sorted(current)) or "empty"
                return Verdict(
                    item,
                    False,
                    f"schema is at {found}, this release needs {', '.join(sorted(head))}",
                    "run `python -m bot migrate` (`run` also migrates at start)",
                )
            conn.rollback()  # end the reads' implicit transaction
            # A no-op write, rolled back: proves the database accepts writes without changing it.
            with conn.begin() as transaction:
                conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
                transaction.rollback()
    except SQLAlchemyError as exc:
        return Verdict(item, False, describe_database_error(exc, url))
    finally:
        engine.dispose()
    return Verdict(item, True, f"{parsed.get_backend_name()} reachable, writable, at the latest migration")


def check_resources(settings: Settings) -> Verdict:
    """The custom support resources file, if any, is readable and complete."""
    path = settings.support_resources_path
    if path is None:
        return Verdict("SUPPORT_RESOURCES_FILE", True, "not set; the built-in resources are used")
    problem = support_resources_problem(path)
    if problem is None:
        return Verdict("SUPPORT_RESOURCES_FILE", True, f"{path} is valid")
    return Verdict(
        "SUPPORT_RESOURCES_FILE",
        False,
        f"{problem}; the safety net uses the built-in resources instead",
        "fix the file (see bot/data/support_resources.yml) or unset SUPPORT_RESOURCES_FILE",
        warning=True,
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
    base_url = (settings.slack_api_url or AsyncWebClient.BASE_URL).rstrip("/") + "/"
    client = AsyncWebClient(base_url=base_url, session=session)
    try:
        # Tier 1 (about one a minute): the check asks once; the ticket it gets is never used.
        await client.apps_connections_open(app_token=settings.slack_app_token or "")
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


async def run_checks(settings: Settings) -> list[Verdict]:
    """Everything `python -m bot check` verifies, in the order a person would fix it."""
    import asyncio

    from handlers.slack.app import build_client

    verdicts = [await asyncio.to_thread(check_database, settings.database_url), check_resources(settings)]
    client = build_client(settings)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout)) as session:
        client.session = session
        token, _auth = await check_token(client, settings)
        verdicts.append(token)
        if settings.slack_app_token:
            verdicts.append(await check_app_token(session, settings))
        if token.ok:
            verdicts.extend(await check_channels(client, settings))
    return verdicts
