"""The pacer's spacing, per channel and workspace-wide, and its pause on 429."""

from __future__ import annotations

import time

from bot.pacing import Pacer


async def test_workspace_rate_spaces_sends_after_a_one_second_burst() -> None:
    pacer = Pacer(50.0)
    started = time.monotonic()
    for i in range(50):
        await pacer.wait(f"D{i}")
    burst = time.monotonic() - started
    for i in range(50, 76):
        await pacer.wait(f"D{i}")
    # A second of unused budget (50 sends) may go at once; after that, 20 ms between sends.
    assert burst < 0.5
    assert time.monotonic() - started >= 0.49


async def test_one_channel_gets_at_most_one_message_per_interval() -> None:
    pacer = Pacer(1000.0, channel_interval=0.2)
    started = time.monotonic()
    for _ in range(3):
        await pacer.wait("D1")
    assert time.monotonic() - started >= 0.39


async def test_pause_holds_every_channel() -> None:
    pacer = Pacer(1000.0)
    pacer.pause(0.3)
    started = time.monotonic()
    await pacer.wait("D9")
    assert time.monotonic() - started >= 0.29
