"""Benchmark 4: peak RSS of `python -m bot run`, idle and while it builds and posts the digest."""

from __future__ import annotations

import argparse
import time
from typing import Any

import _common as c
import digest_scale

GOAL_IDLE_MB = 150.0
GOAL_DIGEST_MB = 400.0


def _mb(kb: int) -> float:
    return kb / 1024


def measure_idle(work: Any, *, wait: float) -> dict[str, float]:
    """Start the app against the fake, leave it alone for `wait` seconds, read VmHWM."""
    with (
        c.database("sqlite", work) as database_url,
        c.fake_slack(work, employees=40, workspace_rate=None, per_channel_rate=1.0) as fake,
    ):
        app, _url = c.start_app(
            workdir=work, database_url=database_url, slack_url=fake.url, workspace_rate=50
        )
        try:
            time.sleep(wait)
            return {
                "peak": _mb(c.proc_status_kb(app.pid, "VmHWM")),
                "now": _mb(c.proc_status_kb(app.pid, "VmRSS")),
            }
        finally:
            app.stop()


def measure_digest(kind: str, work: Any, scale: digest_scale.Scale) -> dict[str, Any]:
    """Load a year of data, start the app, ask for `/pulse digest`, read VmHWM once it is posted."""
    with (
        c.database(kind, work) as database_url,
        c.fake_slack(work, employees=60, workspace_rate=None, per_channel_rate=1.0) as fake,
    ):
        c.say(f"[{kind}] generating {scale.label} …")
        counts = digest_scale.generate(database_url, scale, supporters=fake.info["supporters"])
        app, url = c.start_app(workdir=work, database_url=database_url, slack_url=fake.url, workspace_rate=50)
        try:
            before = _mb(c.proc_status_kb(app.pid, "VmHWM"))
            body, content_type = c.slash_command_body(fake, fake.info["coordinators"][0], "digest")
            started = time.monotonic()
            status, _ = c.post_signed(url + "/slack/events", body, content_type)
            if status != 200:
                raise RuntimeError(f"/pulse digest answered HTTP {status}")

            def posted() -> dict[str, Any] | None:
                seen = fake.request("channel_count", channel=c.COORDINATOR_CHANNEL)
                if seen["responses"]:
                    raise RuntimeError(f"/pulse digest replied with an error: {seen['responses']}")
                return seen if seen["messages"] and seen["files"] else None

            c.wait_until(posted, timeout=300, interval=0.05, what="the digest in the coordinators' channel")
            took = time.monotonic() - started
            time.sleep(0.5)
            return {
                "answers": counts["answers"],
                "before": before,
                "peak": _mb(c.proc_status_kb(app.pid, "VmHWM")),
                "seconds": took,
            }
        finally:
            app.stop()


def main() -> int:
    """Measure idle and digest peak RSS; print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke-sized run (2 s idle, small data)")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds to leave the app idle")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    args = parser.parse_args()
    scale = digest_scale.QUICK if args.quick else digest_scale.Scale()
    if args.quick:
        args.idle = 2.0
        args.db = "sqlite"
    rows: list[list[Any]] = []
    with c.workdir("memory") as root:
        (root / "idle").mkdir()
        idle = measure_idle(root / "idle", wait=args.idle)
        rows.append(
            [
                f"idle {args.idle:g} s after start",
                "sqlite",
                "-",
                idle["peak"],
                f"{idle['peak'] / GOAL_IDLE_MB:.0%}",
                GOAL_IDLE_MB,
                c.verdict(idle["peak"] < GOAL_IDLE_MB),
            ]
        )
        for kind in c.db_kinds(args.db):
            work = root / f"digest-{kind}"
            work.mkdir()
            digest = measure_digest(kind, work, scale)
            c.say(f"[{kind}] {digest}")
            rows.append(
                [
                    f"`/pulse digest` over {digest['answers']:,} answers (posted in {digest['seconds']:.1f} s)",
                    kind,
                    digest["before"],
                    digest["peak"],
                    f"{digest['peak'] / GOAL_DIGEST_MB:.0%}",
                    GOAL_DIGEST_MB,
                    c.verdict(digest["peak"] < GOAL_DIGEST_MB),
                ]
            )
    c.print_table(
        f"Memory — peak RSS (VmHWM) of `python -m bot run`, {c.today()}",
        ["scenario", "db", "peak before MB", "peak MB", "of goal", "goal MB", "verdict"],
        rows,
    )
    print("\nPeak RSS is /proc/PID/status VmHWM of the app process (the whole process, since it started).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
