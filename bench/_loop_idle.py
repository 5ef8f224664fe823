"""Runner: `python -m bot run`, noting when its event loop sits idle and what it was waiting for.

Start it as the app of a benchmark (`BENCH_APP_SCRIPT=bench/_loop_idle.py`). From the first answer
batch it waits LOOP_IDLE_WARMUP seconds, then for LOOP_IDLE_SECONDS adds up the time the main thread
spent blocked in `select()` — split by whether an answer transaction (or a participation batch) was
in flight — and the size of every answer batch, and appends one report to LOOP_IDLE_REPORT. The
interaction benchmark's defaults (2 s warm-up, 20 s measured) match these.

Blocked while a commit is in flight means every click the app holds is waiting on the database:
the loop has nothing else to do. Time neither running nor blocked is time the process waited for a
CPU (the machine's other processes).
"""

from __future__ import annotations

import os
import runpy
import selectors
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

import bot.answers as answers

WARMUP = float(os.environ.get("LOOP_IDLE_WARMUP", "2"))
SECONDS = float(os.environ.get("LOOP_IDLE_SECONDS", "20"))
REPORT = os.environ.get("LOOP_IDLE_REPORT", "loop-idle.txt")

in_flight = {"commit": 0, "participation": 0}
blocked: dict[str, list[float]] = {}
batches: list[int] = []
window: dict[str, float] = {}
main = threading.main_thread()


def main_thread_cpu() -> float:
    """CPU seconds of the main thread (the event loop) so far, from /proc."""
    with open(f"/proc/self/task/{os.getpid()}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measuring() -> bool:
    start = window.get("start")
    if start is None:
        return False
    now = time.perf_counter()
    if now >= start + WARMUP and "cpu" not in window:
        window.update(cpu=main_thread_cpu(), process=time.process_time(), wall=now)
    if now > start + WARMUP + SECONDS:
        if "reported" not in window:
            window["reported"] = now
            report()
        return False
    return now >= start + WARMUP


def report() -> None:
    wall = time.perf_counter() - window["wall"]
    lines = [
        f"{os.environ.get('LOOP_IDLE_LABEL', 'app')}: {wall:.1f} s measured, main thread CPU "
        f"{main_thread_cpu() - window['cpu']:.2f} s, process CPU {time.process_time() - window['process']:.2f} s"
    ]
    for state, (seconds, calls) in sorted(blocked.items()):
        lines.append(f"  blocked in select() while {state}: {seconds:.2f} s ({calls:.0f} waits)")
    if batches:
        lines.append(
            f"  answer batches: {len(batches)}, mean {statistics.mean(batches):.1f}, "
            f"median {statistics.median(batches):g}, max {max(batches)}"
        )
    with open(REPORT, "a") as out:
        out.write("\n".join(lines) + "\n")


commit = answers.AnswerWriter._commit
flush = answers.AnswerWriter._flush_participation


async def counted_commit(self: answers.AnswerWriter, writes: Sequence[answers.AnswerWrite]) -> Any:
    window.setdefault("start", time.perf_counter())
    if measuring():
        batches.append(len(writes))
    in_flight["commit"] += 1
    try:
        return await commit(self, writes)
    finally:
        in_flight["commit"] -= 1


async def counted_flush(self: answers.AnswerWriter, *, force: bool) -> int:
    in_flight["participation"] += 1
    try:
        return await flush(self, force=force)
    finally:
        in_flight["participation"] -= 1


select = selectors.EpollSelector.select


def timed_select(self: selectors.EpollSelector, timeout: float | None = None) -> Any:
    if threading.current_thread() is not main:
        return select(self, timeout)
    began = time.perf_counter()
    ready = select(self, timeout)
    if measuring():
        state = (
            "a commit is in flight"
            if in_flight["commit"]
            else "a participation batch is in flight"
            if in_flight["participation"]
            else "nothing of the answer writer is in flight"
        )
        entry = blocked.setdefault(state, [0.0, 0.0])
        entry[0] += time.perf_counter() - began
        entry[1] += 1
    return ready


answers.AnswerWriter._commit = counted_commit  # type: ignore[method-assign]
answers.AnswerWriter._flush_participation = counted_flush  # type: ignore[method-assign]
selectors.EpollSelector.select = timed_select  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.argv = ["bot", "run"]
    runpy.run_module("bot", run_name="__main__")
