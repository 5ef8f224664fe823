"""Command line: run | demo | digest | migrate. The only place that reads .env."""

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


def _configure_logging(default: str = "INFO") -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", default).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


async def _run() -> None:
    settings = load_settings(os.environ)
    from bot.runtime import Runtime  # imported after validation: a bad setting fails fast

    runtime = Runtime(settings)
    await runtime.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(runtime.stop()))
    await runtime.serve_forever()
    await runtime.stop()


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
        elif args.command == "migrate":
            from storage.db import migrate

            migrate(load_settings(os.environ, require_slack=False).database_url)
            print("database is at the latest migration")
        elif args.command == "digest":
            print("the digest arrives with the digest issue", file=sys.stderr)
            return 2
    except ConfigError as exc:
        print(f"peerpulse: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
