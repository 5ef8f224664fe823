"""Benchmark 1: signed answer clicks against the real app vs. a bare ack-only AsyncApp."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _common as c
import aiohttp

from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import block_actions, sign_request
from handlers.slack.simulation.slack_api import Message

# Goals (issue 12): >= 90% of the reference's throughput (ack + the one response_url redraw), p99 < 100 ms
# at 50 clicks/s, every DM showing its final progress within 2 s of the last click, no 429.
GOAL_RATIO = 0.90
GOAL_P99_MS = 100.0
GOAL_FINAL_S = 2.0
# chat.postMessage's workspace limit on the fake and the app's WORKSPACE_RATE (the fan-out before the load).
POST_RATE = 300.0


@dataclass(frozen=True)
class Click:
    """One prepared answer click: the body to sign and what it should store."""

    body: bytes
    content_type: str
    question_id: str
    ballot: str
    round_id: str
    user: str
    # Ready-made headers (a Teams tap's Authorization); None: sign the body as Slack does.
    headers: dict[str, str] | None = None

    def request_headers(self) -> dict[str, str]:
        """The headers this click is sent with."""
        if self.headers is not None:
            return self.headers
        return {"Content-Type": self.content_type, **sign_request(self.body, c.SIGNING_SECRET)}


@dataclass
class LoadResult:
    """What the load generator saw in the measured window."""

    latencies: list[float] = field(default_factory=list)
    ok: list[Click] = field(default_factory=list)
    failed: list[Click] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    exhausted: bool = False
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        """Requests completed in the window."""
        return len(self.latencies)

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        """Latency percentile in milliseconds."""
        return c.percentile(sorted(self.latencies), q) * 1000


Judge = Callable[[int, bytes], str]


def http_ok(status: int, _body: bytes) -> str:
    """A Slack click succeeded when answered 200 (its ack); else the error to count."""
    return "" if status == 200 else f"HTTP {status}"


def build_clicks(dms: dict[str, Any], fake: c.FakeSlackProcess, *, seed: int = 11) -> list[Click]:
    """One click per (person, numeric question), each with its own response_url for the clicked DM."""
    rng = random.Random(seed)
    per_user: list[tuple[str, Message, list[list[Any]]]] = []
    for user, raw in dms.items():
        message = Message(channel=raw["channel"], ts=raw["ts"], text=raw["text"], blocks=raw["blocks"])
        by_question: dict[str, list[Any]] = {}
        for button in People.buttons(message):
            if button.action_id.startswith("pulse_answer_") and "d" not in button.answer:
                by_question.setdefault(button.answer["q"], []).append(button)
        grouped = list(by_question.values())
        per_user.append((user, message, grouped))
    chosen: list[tuple[str, Message, Any]] = []
    # Question-major order: everyone's first question, then everyone's second, like a wave of people.
    depth = max((len(g) for _u, _m, g in per_user), default=0)
    for index in range(depth):
        for user, message, grouped in per_user:
            if index < len(grouped):
                chosen.append((user, message, rng.choice(grouped[index])))
    urls: list[str] = []
    for start in range(0, len(chosen), 2000):
        batch = [[m.channel, m.ts] for _u, m, _b in chosen[start : start + 2000]]
        urls += fake.request("response_urls", messages=batch)
    clicks: list[Click] = []
    for (user, message, button), url in zip(chosen, urls, strict=True):
        body, content_type = block_actions(
            user_id=user,
            action_id=button.action_id,
            block_id=button.block_id,
            value=button.value,
            channel_id=message.channel,
            message_ts=message.ts,
            response_url=url,
            message={"ts": message.ts, "text": message.text, "blocks": message.blocks or []},
        )
        answer = button.answer
        clicks.append(Click(body, content_type, answer["q"], answer["b"], answer["r"], user))
    return clicks


async def run_load(
    url: str,
    clicks: Iterator[Click],
    *,
    connections: int,
    duration: float,
    warmup: float,
    pids: dict[str, int],
    path: str = "/slack/events",
    judge: Judge = http_ok,
) -> tuple[LoadResult, LoadResult]:
    """Closed-loop load from `connections` keep-alive connections; return (warm-up, measured)."""
    events = url.rstrip("/") + path
    warm, measured = LoadResult(), LoadResult()
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections)
    timeout = aiohttp.ClientTimeout(total=10)
    start = time.monotonic()
    measure_from = start + warmup
    deadline = measure_from + duration
    cpu_start: dict[str, float] = {}
    exhausted = False

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal exhausted
        while True:
            now = time.monotonic()
            if now >= deadline:
                return
            if now >= measure_from and not cpu_start:
                cpu_start.update({name: c.cpu_seconds(pid) for name, pid in pids.items()})
            click = next(clicks, None)
            if click is None:
                exhausted = True
                return
            result = measured if now >= measure_from else warm
            headers = click.request_headers()
            sent = time.perf_counter()
            try:
                async with session.post(events, data=click.body, headers=headers) as response:
                    error = judge(response.status, await response.read())
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = type(exc).__name__
            result.latencies.append(time.perf_counter() - sent)
            if error:
                result.errors[error] = result.errors.get(error, 0) + 1
                result.failed.append(click)
            else:
                result.ok.append(click)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    end = time.monotonic()
    cpu_end = {name: c.cpu_seconds(pid) for name, pid in pids.items()}
    measured.seconds = max(1e-9, min(end, deadline) - measure_from) if not exhausted else end - measure_from
    measured.exhausted = exhausted
    measured.cpu = {name: cpu_end[name] - cpu_start.get(name, cpu_end[name]) for name in pids}
    return warm, measured


async def run_paced(
    url: str,
    clicks: Iterator[Click],
    *,
    rate: float,
    duration: float,
    connections: int,
    pids: dict[str, int] | None = None,
    path: str = "/slack/events",
    judge: Judge = http_ok,
) -> LoadResult:
    """Open-loop load at a fixed arrival rate; latency counts from each click's scheduled time.

    With `pids`, each process's CPU seconds over the phase go into the result: at a fixed rate the
    server's CPU per click hardly depends on how fast the machine's other work lets it answer, so
    it compares servers fairly even on a shared machine, where req/s in a closed loop does not.
    """
    events = url.rstrip("/") + path
    result = LoadResult()
    cpu_start = {name: c.cpu_seconds(pid) for name, pid in (pids or {}).items()}
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=10)) as session:

        async def one(click: Click, due: float) -> None:
            headers = click.request_headers()
            try:
                async with session.post(events, data=click.body, headers=headers) as response:
                    error = judge(response.status, await response.read())
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = type(exc).__name__
            # From the scheduled instant, so a slow server cannot hide its queue (no coordinated omission).
            result.latencies.append(time.perf_counter() - due)
            if error:
                result.errors[error] = result.errors.get(error, 0) + 1
                result.failed.append(click)
            else:
                result.ok.append(click)

        start = time.perf_counter()
        tasks = []
        for i in range(int(rate * duration)):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            click = next(clicks, None)
            if click is None:
                result.exhausted = True
                break
            tasks.append(asyncio.create_task(one(click, due)))
        await asyncio.gather(*tasks)
        result.seconds = time.perf_counter() - start
    result.cpu = {name: c.cpu_seconds(pid) - cpu_start[name] for name, pid in (pids or {}).items()}
    return result


def open_round_and_deliver(fake: c.FakeSlackProcess, app_url: str, workdir: Path) -> dict[str, Any]:
    """A coordinator's `/pulse send`, then wait for every DM; return each person's pulse DM."""
    humans: list[str] = fake.info["humans"]
    coordinator = fake.info["coordinators"][0]
    c.pulse_send(fake, app_url, coordinator)
    t0 = time.monotonic()
    c.wait_until(
        lambda: fake.request("progress")["posted"] >= len(humans),
        timeout=60 + len(humans) / 50,
        interval=0.25,
        what="every pulse DM",
    )
    c.say(f"  {len(humans)} pulse DMs delivered in {time.monotonic() - t0:.1f}s")
    path = workdir / "dms.json"
    fake.request("pulse_dms", path=str(path))
    dms: dict[str, Any] = json.loads(path.read_text())
    return dms


def count_stored(database_url: str, round_id: str) -> tuple[int, set[tuple[str, str]]]:
    """Rows stored for the round and their distinct (question, ballot) pairs."""
    from sqlalchemy import text

    engine = c.sync_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT question_id, ballot FROM survey_answer WHERE round_id = :r"), {"r": round_id}
            ).all()
    finally:
        engine.dispose()
    return len(rows), {(q, b) for q, b in rows}


def wait_for_updates(fake: c.FakeSlackProcess, *, timeout: float = 60.0) -> dict[str, int]:
    """Wait until the app's post-ack chat.update calls stop arriving; return calls by outcome."""
    last, stable_since = -1, time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        summary = fake.request("calls_summary")
        total = sum(n for _m, _s, _e, n in summary)
        if total != last:
            last, stable_since = total, time.monotonic()
        elif time.monotonic() - stable_since > 1.0:
            break
        time.sleep(0.2)
    out: dict[str, int] = {}
    for method, status, error, n in summary:
        key = method if status == 200 and not error else f"{method} {status} {error}".strip()
        out[key] = out.get(key, 0) + n
    return out


def main() -> int:
    """Run the ceiling and the app on each database; print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke-sized run (2 s, 5 connections)")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--paced-rate", type=float, default=50.0, help="open-loop phase: clicks per second")
    parser.add_argument("--paced-duration", type=float, default=10.0)
    parser.add_argument("--employees", type=int, default=6000, help="people with a pulse DM (clicks = 5x)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--profile", action="store_true", help="run the app under cProfile (slower)")
    parser.add_argument("--py-spy", metavar="PY_SPY", help="path to py-spy: sample the app under load")
    parser.add_argument("--skip-ceiling", action="store_true", help="diagnostics only: no ceiling run")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.warmup, args.connections, args.employees = 2.0, 0.5, 5, 200
        args.paced_rate, args.paced_duration = 20.0, 1.0
        args.db = "sqlite" if args.db == "both" else args.db
    kinds = c.db_kinds(args.db)

    c.say(
        f"interaction latency: {args.connections} connections, {args.duration:g}s (+{args.warmup:g}s warm-up), "
        f"{args.employees} people; fake Slack rate limits ON (tiers, response_url 5 uses)"
    )
    closed_rows: list[list[Any]] = []
    paced_rows: list[list[Any]] = []
    ceiling: LoadResult | None = None
    reference: LoadResult | None = None
    with c.workdir("interaction") as root:
        for kind in kinds:
            work = root / kind
            work.mkdir()
            with (
                c.database(kind, work) as database_url,
                c.fake_slack(work, employees=args.employees, workspace_rate=POST_RATE) as fake,
            ):
                app, app_url = c.start_app(
                    workdir=work,
                    database_url=database_url,
                    slack_url=fake.url,
                    workspace_rate=POST_RATE,
                    profile=work / "app.prof" if args.profile else None,
                )
                try:
                    c.say(f"[{kind}] opening a round for {len(fake.info['humans'])} people …")
                    clicks = build_clicks(open_round_and_deliver(fake, app_url, work), fake)
                    c.say(f"[{kind}] {len(clicks)} distinct answer clicks prepared")
                    if ceiling is None:
                        if args.skip_ceiling:
                            ceiling, reference = LoadResult(), LoadResult()
                        else:
                            ceiling, paced = measure_ceiling(work, fake, clicks, args)
                            closed_rows.append(
                                row("bare AsyncApp (ceiling)", "-", ceiling, ceiling, None, None)
                            )
                            paced_rows.append(
                                paced_row("bare AsyncApp (ceiling)", "-", paced, args.paced_rate)
                            )
                            fake.request("reset_calls")
                            reference, paced = measure_ceiling(work, fake, clicks, args, redraw=True)
                            closed_rows.append(row(REDRAW_ROW, "-", reference, ceiling, reference, None))
                            paced_rows.append(paced_row(REDRAW_ROW, "-", paced, args.paced_rate))
                    fake.request("reset_calls")
                    c.say(f"[{kind}] loading the app …")
                    spy = start_py_spy(args, app.pid, work)
                    pool = iter(clicks)
                    pids = {"app": app.pid, "fake": fake.pid, "loadgen": os.getpid()}
                    warm, result = asyncio.run(
                        run_load(
                            app_url,
                            pool,
                            connections=args.connections,
                            duration=args.duration,
                            warmup=args.warmup,
                            pids=pids,
                        )
                    )
                    if spy is not None:
                        spy.wait()
                    c.say(f"[{kind}] CPU ms/click by process: {cpu_split(result)}")
                    # Let the post-ack redraws drain (on a busy machine they can lag the acks by
                    # seconds), so the paced phase's CPU is its own.
                    wait_until_idle(app.pid)
                    c.say(f"[{kind}] pacing {args.paced_rate:g} clicks/s at the app …")
                    paced = asyncio.run(
                        run_paced(
                            app_url,
                            pool,
                            rate=args.paced_rate,
                            duration=args.paced_duration,
                            connections=args.connections,
                            pids={"app": app.pid},
                        )
                    )
                    last_click = time.monotonic()
                    final_s = wait_for_final_progress(
                        fake, [k for p in (warm, result, paced) for k in p.ok], since=last_click
                    )
                    calls = wait_for_updates(fake)
                    check = verify(database_url, clicks[0].round_id, [warm, result, paced], calls)
                    check["final_s_x1000"] = int(final_s * 1000) if final_s is not None else -1
                    check["ratelimited"] = int(fake.request("ratelimited"))
                    c.say(f"[{kind}] fake Slack calls after the run: {calls}")
                    c.say(f"[{kind}] storage check: {check}; HTTP errors: {result.errors or 'none'}")
                    assert reference is not None
                    closed_rows.append(row("PeerPulse app", kind, result, ceiling, reference, check))
                    paced_rows.append(paced_row("PeerPulse app", kind, paced, args.paced_rate))
                finally:
                    app.stop()
    c.print_table(
        f"Interaction throughput — {args.connections} connections, closed loop, {args.duration:g} s, {c.today()}",
        [
            "server",
            "db",
            "requests",
            "req/s",
            "vs ceiling",
            "vs reference",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "errors",
            "server CPU ms/req",
            "stored exactly once",
            "final progress s",
            "429s",
            "verdict",
        ],
        closed_rows,
    )
    print(
        f"\nGoal: >= {GOAL_RATIO:.0%} of the reference's req/s (ack + the one response_url redraw), zero "
        f"errors, every acked click stored exactly once, every DM showing its final progress within "
        f"{GOAL_FINAL_S:g} s of the last click, 0 answers of 429 (all phases). Fake Slack rate limits: on."
    )
    c.print_table(
        f"Interaction latency at a fixed {args.paced_rate:g} clicks/s (open loop, {args.paced_duration:g} s)",
        [
            "server",
            "db",
            "requests",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "errors",
            "server CPU ms/req",
            "verdict",
        ],
        paced_rows,
    )
    print(
        "\nLatency counts from each click's scheduled send time, so queueing inside a slow server shows. "
        f"Verdict: p99 < {GOAL_P99_MS:g} ms and zero errors. Server CPU per request at this fixed rate "
        "compares the servers even on a shared machine (closed-loop req/s does not)."
    )
    return 0


def wait_until_idle(pid: int, *, busy_share: float = 0.05, timeout: float = 20.0) -> None:
    """Wait until the process uses under `busy_share` of a core over half a second (or `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = c.cpu_seconds(pid)
        time.sleep(0.5)
        if c.cpu_seconds(pid) - before < busy_share * 0.5:
            return


def start_py_spy(args: Any, pid: int, work: Path) -> subprocess.Popen[bytes] | None:
    """Sample the app with py-spy while it is loaded (raw collapsed stacks in the work dir)."""
    if not args.py_spy:
        return None
    command = [args.py_spy, "record", "--pid", str(pid), "--duration", str(int(args.warmup + args.duration))]
    # BENCH_PY_SPY_GIL=1 keeps only samples holding the GIL: pure Python CPU, no waiting.
    command += ["--rate", "250", "--format", "raw", "--nonblocking"]
    command += ["--gil"] if os.environ.get("BENCH_PY_SPY_GIL") else ["--threads"]
    command += ["--output", str(work / "app-pyspy.txt")]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def cpu_split(result: LoadResult) -> str:
    """Each process's CPU time per measured request: where the machine's two cores went."""
    if not result.requests:
        return "-"
    return ", ".join(f"{name} {seconds / result.requests * 1000:.2f}" for name, seconds in result.cpu.items())


def verify(
    database_url: str, round_id: str, phases: list[LoadResult], calls: dict[str, int]
) -> dict[str, int]:
    """Compare what was acked with what the database holds, and count app-side errors."""
    stored, pairs = count_stored(database_url, round_id)
    sent_ok = {(k.question_id, k.ballot) for p in phases for k in p.ok}
    sent_failed = {(k.question_id, k.ballot) for p in phases for k in p.failed}
    return {
        "stored": stored,
        "acked": len(sent_ok),
        "missing": len(sent_ok - pairs),
        "unexpected": len(pairs - sent_ok - sent_failed),
        "duplicates": stored - len(pairs),
        "updates": calls.get("response_url", 0),
        # Anything but the response_url redraws (and auth.test at start) is unexpected: a chat.update
        # fallback, a private error reply, a refused call.
        "app_errors": sum(n for k, n in calls.items() if k not in ("response_url", "auth.test")),
    }


REDRAW_ROW = "bare AsyncApp + response_url redraw (reference)"


def measure_ceiling(
    work: Path, fake: c.FakeSlackProcess, clicks: list[Click], args: Any, *, redraw: bool = False
) -> tuple[LoadResult, LoadResult]:
    """Load the bare ack-only app with the same clicks, client and concurrency (closed, then paced).

    With `redraw` the bare app also sends the one redraw every answer needs (a POST to the click's
    response_url replacing the DM with the blocks the click carried): a reference, not the ceiling.
    """
    port = c.free_port()
    env = c.base_env()
    env.update(
        SLACK_BOT_TOKEN=c.TOKEN,
        SLACK_SIGNING_SECRET=c.SIGNING_SECRET,
        SLACK_API_URL=fake.url,
        PORT=str(port),
        LOG_LEVEL="INFO",
        BARE_REDRAW="1" if redraw else "",
    )
    bare = c.Proc([c.PYTHON, str(c.BENCH / "_bare_app.py")], env=env, cwd=work, log=work / "bare.log")
    try:
        url = f"http://127.0.0.1:{port}"
        c.wait_healthy(bare, url)
        c.say("[ceiling] loading the bare AsyncApp …")
        pool = itertools.cycle(clicks)
        _warm, result = asyncio.run(
            run_load(
                url,
                pool,
                connections=args.connections,
                duration=args.duration,
                warmup=args.warmup,
                pids={"app": bare.pid, "fake": fake.pid, "loadgen": os.getpid()},
            )
        )
        c.say(f"[ceiling] CPU ms/click by process: {cpu_split(result)}")
        wait_until_idle(bare.pid)
        paced = asyncio.run(
            run_paced(
                url,
                pool,
                rate=args.paced_rate,
                duration=args.paced_duration,
                connections=args.connections,
                pids={"app": bare.pid},
            )
        )
    finally:
        bare.stop()
    return result, paced


def _not_judged(name: str) -> str:
    return "n/a (reference)" if name == REDRAW_ROW else "n/a (ceiling)"


def paced_row(name: str, kind: str, result: LoadResult, rate: float) -> list[Any]:
    """One row of the fixed-rate table (the ceiling's row carries no verdict)."""
    errors = sum(result.errors.values())
    ok = result.pct(99) < GOAL_P99_MS and errors == 0 and not result.exhausted
    return [
        name,
        kind,
        result.requests,
        result.pct(50),
        result.pct(95),
        result.pct(99),
        result.pct(100),
        errors,
        result.cpu.get("app", 0.0) / result.requests * 1000 if result.requests else 0.0,
        (_not_judged(name) if name.startswith("bare") else c.verdict(ok))
        + (" (click pool ran out)" if result.exhausted else ""),
    ]


def row(
    name: str,
    kind: str,
    result: LoadResult,
    ceiling: LoadResult,
    reference: LoadResult | None,
    check: dict[str, int] | None,
) -> list[Any]:
    """One table row, with the verdict against the goal."""
    ratio = result.rate / ceiling.rate if ceiling.rate else 0.0
    vs_reference = result.rate / reference.rate if reference is not None and reference.rate else 0.0
    errors = sum(result.errors.values())
    p99 = result.pct(99)
    cpu_per_req = result.cpu.get("app", 0.0) / result.requests * 1000 if result.requests else 0.0
    if check is None:
        once, ok, final, limited = "-", None, "-", "-"
    else:
        exact = check["missing"] == 0 and check["duplicates"] == 0 and check["unexpected"] == 0
        once = f"{'yes' if exact else 'NO'} ({check['stored']:,} rows)"
        errors += check["app_errors"]
        final_s = check["final_s_x1000"] / 1000 if check["final_s_x1000"] >= 0 else None
        final = f"{final_s:.2f}" if final_s is not None else "NOT SHOWN"
        limited = check["ratelimited"]
        ok = (
            vs_reference >= GOAL_RATIO
            and errors == 0
            and exact
            and final_s is not None
            and final_s <= GOAL_FINAL_S
            and limited == 0
        )
    note = " (click pool ran out)" if result.exhausted else ""
    return [
        name,
        kind,
        result.requests,
        result.rate,
        f"{ratio:.0%}",
        f"{vs_reference:.0%}" if reference is not None else "-",
        result.pct(50),
        result.pct(95),
        p99,
        errors,
        cpu_per_req,
        once,
        final,
        limited,
        (_not_judged(name) if ok is None else c.verdict(ok)) + note,
    ]


def wait_for_final_progress(
    fake: c.FakeSlackProcess, acked: list[Click], *, since: float, timeout: float = 30.0
) -> float | None:
    """Seconds from the last click until every DM shows all its acked answers; None if never."""
    expected: dict[str, set[str]] = {}
    for click in acked:
        expected.setdefault(click.user, set()).add(click.question_id)
    while True:
        shown = fake.request("dm_answered")
        behind = [u for u, qs in expected.items() if shown.get(u, 0) < len(qs)]
        if not behind:
            return time.monotonic() - since
        if time.monotonic() - since > timeout:
            c.say(f"  {len(behind)} DM(s) still behind after {timeout:g}s, e.g. {behind[:3]}")
            return None
        time.sleep(0.1)


if __name__ == "__main__":
    raise SystemExit(main())
