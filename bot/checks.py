"""Installation checks (`python -m bot check`, and `run` at start): one verdict per item, with the fix."""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
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


def first_line(exc: BaseException) -> str:
    """The first line of an error (a database driver's original one when wrapped)."""
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
    message = first_line(exc)
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


def describe_startup_error(
    exc: BaseException, settings: Settings, *, platform: Callable[[BaseException], str | None] | None = None
) -> str | None:
    """One line for a start-up failure we can name, or None for a genuine bug (keep the traceback)."""
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return f"port {settings.port} is already in use; stop the other program or set PORT"
    if isinstance(exc, OSError) and exc.errno == errno.EACCES:
        return f"not allowed to listen on port {settings.port}; use a port above 1023 (PORT)"
    if isinstance(exc, SQLAlchemyError):
        return describe_database_error(exc, settings.database_url)
    return platform(exc) if platform is not None else None


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


async def run_checks(settings: Settings) -> list[Verdict]:
    """Everything `python -m bot check` verifies, in the order a person would fix it."""
    import asyncio

    from bot.platform import load_platform

    verdicts = [await asyncio.to_thread(check_database, settings.database_url), check_resources(settings)]
    platform = load_platform(settings)
    try:
        verdicts.extend(await platform.preflight())
    finally:
        await platform.close()
    return verdicts
