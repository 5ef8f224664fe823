"""The Teams pacer keeps every call under Teams' limits: on a virtual clock, and against the fake."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.errors import DeliveryError
from bot.ports import OutgoingMessage
from handlers.teams.adapter import TeamsMessenger
from handlers.teams.connector import ConnectorClient
from handlers.teams.pacing import TeamsPacer
from handlers.teams.simulation.connector import FakeTeams
from handlers.teams.simulation.tenant import build_tenant


class VirtualTime:
    """A clock that moves only when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def _most_in_any(times: list[float], period: float) -> int:
    """The most calls that fall within any window of `period` seconds."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - period:
            start += 1
        best = max(best, end - start + 1)
    return best


async def _calls(pacer: TeamsPacer, clock: VirtualTime, keys: list[str | None]) -> list[float]:
    times = []
    for conversation in keys:
        await pacer.acquire("send", conversation)
        times.append(clock.now)
    return times


@pytest.fixture
def virtual() -> tuple[TeamsPacer, VirtualTime]:
    clock = VirtualTime()
    return TeamsPacer(monotonic=clock.monotonic, sleep=clock.sleep), clock


async def test_one_conversation_stays_under_seven_a_second_and_sixty_in_thirty(
    virtual: tuple[TeamsPacer, VirtualTime],
) -> None:
    pacer, clock = virtual
    times = await _calls(pacer, clock, ["a:1"] * 200)
    assert _most_in_any(times, 1.0) == 6  # 90% of 7
    assert _most_in_any(times, 30.0) == 54  # 90% of 60
    # Close to the binding limit, not far under it: three full windows of 54, then 38 more at 6/s.
    assert 90.0 < times[-1] < 97.0


async def test_one_conversation_stays_under_eighteen_hundred_an_hour(
    virtual: tuple[TeamsPacer, VirtualTime],
) -> None:
    pacer, clock = virtual
    times = await _calls(pacer, clock, ["a:1"] * 1700)
    assert _most_in_any(times, 3600.0) == 1620  # 90% of 1,800
    assert times[1620] >= times[0] + 3600.0


async def test_a_fan_out_stays_under_fifty_a_second_for_the_tenant(
    virtual: tuple[TeamsPacer, VirtualTime],
) -> None:
    pacer, clock = virtual
    times = await _calls(pacer, clock, [f"a:{n}" for n in range(450)] + [None] * 50)
    assert _most_in_any(times, 1.0) == 47  # 95% of 50, counting tenant-wide calls too
    assert times[-1] < 500 / 47 + 0.5  # and no slower than that


async def test_a_pause_holds_every_call(virtual: tuple[TeamsPacer, VirtualTime]) -> None:
    pacer, clock = virtual
    await pacer.acquire("send", "a:1")
    pacer.pause(5.0)
    await pacer.wait("a:2")
    assert clock.now >= 5.0


async def test_concurrent_callers_share_the_budget(virtual: tuple[TeamsPacer, VirtualTime]) -> None:
    pacer, clock = virtual
    times: list[float] = []

    async def send(conversation: str) -> None:
        await pacer.wait(conversation)
        times.append(clock.now)

    await asyncio.gather(*(send("a:1") for _ in range(30)))
    assert _most_in_any(times, 1.0) <= 6


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def _paced(fake: FakeTeams, session: aiohttp.ClientSession, pacer: TeamsPacer) -> TeamsMessenger:
    client = ConnectorClient(
        session=session,
        service_url=fake.service_url,
        token_url=fake.token_url,
        app_id=fake.tenant.app_id,
        app_password=fake.app_password,
        pacer=pacer,
    )
    return TeamsMessenger(client, tenant_id=fake.tenant.id)


async def test_a_paced_fan_out_is_never_refused_by_the_fake(session: aiohttp.ClientSession) -> None:
    with FakeTeams(build_tenant(employees=40, guests=0)) as fake:
        messenger = _paced(fake, session, TeamsPacer())
        assert messenger.paced
        started = time.monotonic()
        await asyncio.gather(
            *(messenger.post(u.id, OutgoingMessage(text="pulse")) for u in fake.tenant.people())
        )
        dm = await messenger.open_dm(fake.tenant.people()[0].id)
        for n in range(8):
            await messenger.post(dm, OutgoingMessage(text=f"more {n}"))
        assert fake.rate_limited == 0
        assert sum(len(fake.sent_to(c)) for c in fake.personal) == 48
        # 80 tenant calls at 47/s, and 8 sends to one chat at 6/s: paced, not stalled.
        assert 1.5 < time.monotonic() - started < 6.0


async def test_a_429_holds_the_next_calls_for_its_retry_after(session: aiohttp.ClientSession) -> None:
    with FakeTeams(build_tenant()) as fake:
        messenger = _paced(fake, session, TeamsPacer())
        dm = await messenger.open_dm(fake.tenant.people()[0].id)
        fake.fail("send", status=429, retry_after=1)
        with pytest.raises(DeliveryError):
            await messenger.post(dm, OutgoingMessage(text="refused"))
        started = time.monotonic()
        await messenger.post(dm, OutgoingMessage(text="after the pause"))
        assert time.monotonic() - started >= 0.9


async def test_calls_that_wake_late_together_still_leave_under_the_tenants_limit() -> None:
    """A busy loop wakes sleepers late and at once; what reaches Teams must still fit each second."""
    clock = VirtualTime()
    woken: list[asyncio.Future[None]] = []

    async def late_sleep(seconds: float) -> None:
        # Nobody wakes until the test releases everyone: the loop was busy for a while.
        waiting = asyncio.get_running_loop().create_future()
        woken.append(waiting)
        clock.slept += seconds
        await waiting

    pacer = TeamsPacer(monotonic=clock.monotonic, sleep=late_sleep)
    left: list[float] = []

    async def call(n: int) -> None:
        await pacer.acquire("send", f"a:{n}")
        left.append(clock.now)

    calls = [asyncio.create_task(call(n)) for n in range(120)]
    for _ in range(400):
        await asyncio.sleep(0)
        if len(left) == len(calls):
            break
        # Time jumps 3 s, then every sleeper wakes at the same instant.
        clock.now += 3.0
        for waiting in woken:
            if not waiting.done():
                waiting.set_result(None)
        woken.clear()
        for _ in range(5):
            await asyncio.sleep(0)
    await asyncio.gather(*calls)
    assert len(left) == 120
    assert _most_in_any(left, 1.0) <= 47
