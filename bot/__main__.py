"""Command line: run | demo | digest | migrate | export. The only place that reads .env."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

from dotenv import load_dotenv

from bot.config import load_settings
from bot.errors import ConfigError
from bot.logging_setup import install_redaction


def _configure_logging(default: str = "INFO") -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", default).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


async def _run() -> None:
    settings = load_settings(os.environ)
    # Before anything can log: slack_sdk's and Bolt's debug output carries request details.
    install_redaction(settings)
    from bot.runtime import Runtime  # imported after validation: a bad setting fails fast

    runtime = Runtime(settings)
    await runtime.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(runtime.stop()))
    await runtime.serve_forever()
    await runtime.stop()


async def _export_rows() -> list[dict[str, str]]:
    from bot.export import export_rows
    from bot.questions import load_question_bank
    from storage.db import Database

    settings = load_settings(os.environ, require_slack=False)
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
    settings = load_settings(os.environ)
    from bot.runtime import Runtime

    posted = await Runtime(settings, scheduler_enabled=False).post_digest_now()
    print("digest posted to the coordinators' channel" if posted else "digest was already posted")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="PeerPulse")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="serve Slack (HTTP on PORT, or Socket Mode with SLACK_APP_TOKEN)")
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

    load_dotenv(override=False)
    # The demo prints its own story; library chatter would drown it.
    _configure_logging("WARNING" if args.command == "demo" else "INFO")
    try:
        if args.command == "run":
            asyncio.run(_run())
        elif args.command == "demo":
            from bot.demo import run_demo

            asyncio.run(run_demo(employees=args.employees, seed=args.seed))
        elif args.command == "export":
            return _export(args.output)
        elif args.command == "migrate":
            from storage.db import migrate

            migrate(load_settings(os.environ, require_slack=False).database_url)
            print("database is at the latest migration")
        elif args.command == "digest":
            return asyncio.run(_digest_now())
    except ConfigError as exc:
        print(f"peerpulse: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
