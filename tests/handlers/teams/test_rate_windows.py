"""The fake connector's sliding windows hold each documented Teams limit (steps through an hour)."""

from __future__ import annotations

from handlers.teams.simulation.limits import PER_CONVERSATION, SlidingWindows


def _fill(windows: SlidingWindows, count: int, *, start: float, spacing: float) -> float:
    now = start
    for _ in range(count):
        assert windows.admit(now) is None
        now += spacing
    return now


def test_sixty_sends_in_thirty_seconds_then_a_wait() -> None:
    windows = SlidingWindows(PER_CONVERSATION)
    now = _fill(windows, 60, start=0.0, spacing=0.25)  # 4 a second: under 7/s, over 60/30 s
    assert now == 15.0
    assert windows.admit(now) == 15.0  # the first send ages out at 30 s
    assert windows.admit(30.0) is None


def test_eighteen_hundred_sends_an_hour_then_a_wait() -> None:
    windows = SlidingWindows(PER_CONVERSATION)
    now = _fill(windows, 1800, start=0.0, spacing=1.5)  # 20 in 30 s: under 60/30 s, over 1,800/h
    assert now == 2700.0
    assert windows.admit(now) == 900.0
    assert windows.admit(3600.0) is None


def test_a_refused_request_does_not_count() -> None:
    windows = SlidingWindows(((2, 1.0),))
    assert windows.admit(0.0) is None and windows.admit(0.1) is None
    assert windows.admit(0.2) == 1.0
    assert windows.admit(1.05) is None  # only the two admitted ones were counted


def test_the_pacer_is_never_looser_than_the_fake_teams() -> None:
    from handlers.teams import pacing
    from handlers.teams.simulation import limits

    assert pacing.HEADROOM <= 1.0
    assert pacing.PER_CONVERSATION == limits.PER_CONVERSATION
    assert pacing.PER_TENANT == limits.PER_TENANT
