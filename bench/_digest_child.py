"""Runner: build the whole digest (report, blocks, chart; no posting) and print timings as JSON."""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import json
import os
import sys
import time
from collections.abc import Iterator

import _common as c


@contextlib.contextmanager
def _profiled(path: str | None) -> Iterator[None]:
    """cProfile the block into `path` (the last repeat's profile wins); nothing when no path."""
    if not path:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        profiler.dump_stats(path)


async def build_digest(database_url: str, repeats: int) -> dict[str, object]:
    """Wire the services as the app does, then time DigestService.build + rendering."""
    from bot.clock import SystemClock
    from bot.config import Settings
    from bot.roles import SYSTEM
    from bot.runtime import build_services
    from handlers.slack.blocks.digest import build_digest_messages
    from handlers.slack.platform import SlackPlatform
    from handlers.slack.settings import SlackSettings
    from handlers.slack.simulation.slack_api import FakeSlack
    from handlers.slack.simulation.workspace import build_workspace
    from storage.db import Database

    # The digest reads the supporters channel from Slack; a small fake answers those calls.
    with FakeSlack(build_workspace(employees=60)) as fake:
        settings = Settings(
            peerpulse_secret=c.PEERPULSE_SECRET,
            coordinator_channel=c.COORDINATOR_CHANNEL,
            supporters_channel=c.SUPPORTERS_CHANNEL,
            platform_settings=SlackSettings(
                bot_token=c.TOKEN, signing_secret=c.SIGNING_SECRET, api_url=fake.url
            ),
            database_url=database_url,
        )
        db = Database(settings.database_url)
        services = build_services(settings, db=db, clock=SystemClock(), platform=SlackPlatform(settings))
        digests = services.digests
        seconds: list[float] = []
        detail = ""
        try:
            for _ in range(repeats):
                started = time.perf_counter()
                with _profiled(os.environ.get("BENCH_DIGEST_PROFILE")):
                    report = await digests.build(team_id="T0PEERPULSE", by=SYSTEM)
                built = time.perf_counter()
                messages = build_digest_messages(report)
                done = time.perf_counter()
                seconds.append(done - started)
                detail = (
                    f"build {built - started:.2f}s + blocks {done - built:.3f}s; "
                    f"{len(messages)} msg(s), chart {len(report.chart_png or b'') // 1024} KB"
                )
        finally:
            await db.dispose()
    # VmHWM, not ru_maxrss: the latter can carry the parent's peak across fork and exec.
    peak_kb = c.proc_status_kb(os.getpid(), "VmHWM")
    return {"seconds": seconds, "peak_rss_mb": round(peak_kb / 1024, 1), "detail": detail}


def main() -> None:
    """argv: DATABASE_URL REPEATS."""
    result = asyncio.run(build_digest(sys.argv[1], int(sys.argv[2])))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
