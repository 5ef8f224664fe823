"""Benchmark 5: a round for 2,000 people in one time zone; half answer every question within 5 minutes.

Slack's limits are on in the fake (tiers, chat.postMessage per channel and per workspace, response_url
five uses). Checks: every DM delivered, every answering person's DM shows their final progress, no
answer of 429 from the fake during the whole run, every click acked within Slack's 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from typing import Any

import _common as c
import aiohttp
from interaction_latency import Click, build_clicks, open_round_and_deliver, wait_for_final_progress

from handlers.slack.simulation.signing import sign_request

# chat.postMessage's workspace limit on the fake, and the app's WORKSPACE_RATE (as in the fan-out run).
POST_RATE = 170.0
ZONE = "Europe/Berlin"
GOAL_ACK_S = 3.0


async def answer_in_window(
    url: str, clicks: list[Click], *, window: float, seed: int
) -> tuple[list[float], list[Click], dict[str, int]]:
    """Each person starts at a random moment and clicks their questions a few seconds apart."""
    rng = random.Random(seed)
    per_person: dict[str, list[Click]] = {}
    for click in clicks:
        per_person.setdefault(click.user, []).append(click)
    events = url.rstrip("/") + "/slack/events"
    latencies: list[float] = []
    acked: list[Click] = []
    errors: dict[str, int] = {}
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=10)) as session:

        async def person(mine: list[Click]) -> None:
            gaps = [rng.uniform(1.0, 4.0) for _ in mine]
            start = rng.uniform(0.0, max(0.0, window - sum(gaps)))
            await asyncio.sleep(start)
            for click, gap in zip(mine, gaps, strict=True):
                headers = {"Content-Type": click.content_type, **sign_request(click.body, c.SIGNING_SECRET)}
                sent = time.perf_counter()
                try:
                    async with session.post(events, data=click.body, headers=headers) as response:
                        await response.read()
                        error = "" if response.status == 200 else f"HTTP {response.status}"
                except (aiohttp.ClientError, TimeoutError) as exc:
                    error = type(exc).__name__
                latencies.append(time.perf_counter() - sent)
                if error:
                    errors[error] = errors.get(error, 0) + 1
                else:
                    acked.append(click)
                await asyncio.sleep(gap)

        await asyncio.gather(*(person(mine) for mine in per_person.values()))
    return latencies, acked, errors


def main() -> int:
    """Run the scale round on each database; print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke-sized run (60 people, 10 s)")
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--answering", type=float, default=0.5, help="share of people who answer")
    parser.add_argument("--window", type=float, default=300.0, help="seconds in which they answer")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    if args.quick:
        args.employees, args.window = 60, 10.0
    rows: list[list[Any]] = []
    with c.workdir("scale_round") as root:
        for kind in c.db_kinds(args.db):
            work = root / kind
            work.mkdir()
            with (
                c.database(kind, work) as database_url,
                c.fake_slack(work, employees=args.employees, workspace_rate=POST_RATE, one_zone=ZONE) as fake,
            ):
                app, app_url = c.start_app(
                    workdir=work, database_url=database_url, slack_url=fake.url, workspace_rate=POST_RATE
                )
                try:
                    people = len(fake.info["humans"])
                    c.say(f"[{kind}] /pulse send to {people} people in {ZONE} …")
                    t0 = time.monotonic()
                    dms = open_round_and_deliver(fake, app_url, work)
                    delivered_s = time.monotonic() - t0
                    rng = random.Random(args.seed)
                    answering = rng.sample(sorted(dms), int(len(dms) * args.answering))
                    clicks = build_clicks({u: dms[u] for u in answering}, fake)
                    c.say(
                        f"[{kind}] {len(answering)} people answer {len(clicks)} questions within {args.window:g}s"
                    )
                    latencies, acked, errors = asyncio.run(
                        answer_in_window(app_url, clicks, window=args.window, seed=args.seed)
                    )
                    done = time.monotonic()
                    final_s = wait_for_final_progress(fake, acked, since=done)
                    limited = int(fake.request("ratelimited"))
                    latencies.sort()
                    ok = (
                        len(dms) == people
                        and not errors
                        and final_s is not None
                        and limited == 0
                        and (latencies[-1] if latencies else 0.0) < GOAL_ACK_S
                    )
                    rows.append(
                        [
                            kind,
                            people,
                            len(dms),
                            delivered_s,
                            len(answering),
                            len(acked),
                            sum(errors.values()),
                            c.percentile(latencies, 50) * 1000,
                            c.percentile(latencies, 99) * 1000,
                            (latencies[-1] if latencies else 0.0) * 1000,
                            f"{final_s:.2f}" if final_s is not None else "NOT SHOWN",
                            limited,
                            c.verdict(ok),
                        ]
                    )
                finally:
                    app.stop()
    c.print_table(
        f"Scale round — {args.employees} people in one time zone, {args.answering:.0%} answer every question "
        f"within {args.window:g} s, Slack's limits on, {c.today()}",
        [
            "db",
            "people",
            "DMs delivered",
            "all delivered s",
            "answering",
            "clicks acked",
            "errors",
            "ack p50 ms",
            "ack p99 ms",
            "ack max ms",
            "final progress s",
            "429s",
            "verdict",
        ],
        rows,
    )
    print(
        f"\nGoal: every DM delivered, every answering person's DM showing all their answers, 0 answers of 429 "
        f"from the fake (fan-out included), every click acked within {GOAL_ACK_S:g} s. chat.postMessage: "
        f"1/s per channel, {POST_RATE:g}/s per workspace; tiers per handlers/slack/simulation/slack_api.py."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
