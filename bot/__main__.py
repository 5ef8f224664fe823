"""Command line: run | check | demo | digest | migrate | export. The only place that reads .env."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from dotenv import load_dotenv
from sqlalchemy.exc import SQLAlchemyError

from bot import __version__
from bot.config import Settings, load_settings, platform_name
from bot.errors import ConfigError
from bot.logging_setup import install_redaction
from bot.platform import load_configuration

if TYPE_CHECKING:
    from bot.platform import Platform

log = logging.getLogger("bot")


def _configure_logging(default: str = "INFO") -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", default).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _raise_one_line(exc: Exception, settings: Settings, platform: Platform) -> NoReturn:
    """Re-raise a start-up failure we can name as a one-line ConfigError; anything else as it is."""
    from bot.checks import describe_startup_error

    line = describe_startup_error(exc, settings, platform=platform.describe_error)
    if line is None:
        raise exc
    raise ConfigError(line) from None


async def _run() -> None:
    settings = load_configuration(os.environ)
    # Before anything can log: a platform SDK's debug output carries request details.
    install_redaction(settings)
    from bot.runtime import Runtime  # imported after validation: a bad setting fails fast

    runtime = Runtime(settings)
    try:
        await runtime.start()
    except Exception as exc:
        _raise_one_line(exc, settings, runtime.platform)
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_requested.set)
    await stop_requested.wait()
    log.info(
        "stopping: finishing sends in flight (at most %.0fs), handing over leadership", runtime.shutdown_grace
    )
    # Awaited here, not in a signal callback: the event loop must outlive the shutdown.
    await runtime.stop()


async def _export_rows() -> list[dict[str, str]]:
    from bot.export import export_rows
    from bot.questions import load_question_bank
    from storage.db import Database

    settings = load_settings(os.environ, serving=False)
    db = Database(settings.database_url)
    try:
        return await export_rows(db, load_question_bank(), k=settings.min_group_size)
    finally:
        await db.dispose()


def _export(output: str) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.export import write_csv

    try:
        rows = asyncio.run(_export_rows())
    except SQLAlchemyError as exc:
        print(
            f"peerpulse: cannot read the database ({type(exc).__name__}); has `python -m bot migrate` run?",
            file=sys.stderr,
        )
        return 2
    if output == "-":
        write_csv(rows, sys.stdout)
    else:
        with open(output, "w", newline="", encoding="utf-8") as out:
            write_csv(rows, out)
    return 0


async def _digest_now() -> int:
    settings = load_configuration(os.environ)
    from bot.runtime import Runtime

    runtime = Runtime(settings, scheduler_enabled=False)
    try:
        delivered, line = await runtime.post_digest_now()
    except Exception as exc:
        _raise_one_line(exc, settings, runtime.platform)
    print(line, file=sys.stdout if delivered else sys.stderr)
    return 0 if delivered else 1


async def _check() -> int:
    settings = load_configuration(os.environ)
    from bot.checks import run_checks

    verdicts = await run_checks(settings)
    for verdict in verdicts:
        print(verdict.line())
    failed = [v for v in verdicts if not v.ok and not v.warning]
    print(f"{len(failed)} problem(s) to fix" if failed else "PeerPulse is ready to run")
    return 1 if failed else 0


def _load_dotenv() -> Path | None:
    """Read ./.env (the working directory's) under the environment; return the file used."""
    # Only the working directory: find_dotenv(usecwd=True) would also climb to parent folders and
    # could pick up an unrelated .env (say, in /tmp or a home directory).
    path = Path.cwd() / ".env"
    if not path.is_file():
        return None
    # override=False: a variable set in the environment wins over the file (documented order).
    load_dotenv(path, override=False)
    return path


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="PeerPulse")
    parser.add_argument("--version", action="version", version=f"peerpulse {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "run", help="serve the chat platform named by PLATFORM (default slack: HTTP on PORT, or Socket Mode)"
    )
    sub.add_parser(
        "check", help="check tokens, channels, the resources file and the database; say how to fix"
    )
    demo = sub.add_parser("demo", help="a simulated workspace, end to end, no credentials")
    demo.add_argument("--employees", type=int, default=40)
    demo.add_argument("--seed", type=int, default=7)
    digest = sub.add_parser("digest", help="post the coordinators' digest")
    digest.add_argument("--now", action="store_true", required=True, help="post it immediately")
    sub.add_parser("migrate", help="apply database migrations")
    export = sub.add_parser("export", help="aggregates per closed round and construct (k-anonymous)")
    export.add_argument("--format", choices=["csv"], default="csv")
    export.add_argument("--output", default="-", help="file to write (default: standard output)")
    args = parser.parse_args(argv)

    _load_dotenv()
    # The demo prints its own story; library chatter would drown it.
    _configure_logging("WARNING" if args.command == "demo" else "INFO")
    try:
        if args.command == "run":
            asyncio.run(_run())
        elif args.command == "demo":
            from bot.platform import load_demo

            run_demo = load_demo(platform_name(os.environ))
            asyncio.run(run_demo(employees=args.employees, seed=args.seed))
        elif args.command == "export":
            return _export(args.output)
        elif args.command == "migrate":
            from storage.db import migrate

            url = load_settings(os.environ, serving=False).database_url
            try:
                migrate(url)
            except SQLAlchemyError as exc:
                from bot.checks import describe_database_error

                raise ConfigError(describe_database_error(exc, url)) from None
            print("database is at the latest migration")
        elif args.command == "digest":
            return asyncio.run(_digest_now())
        elif args.command == "check":
            return asyncio.run(_check())
    except ConfigError as exc:
        print(f"peerpulse: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
