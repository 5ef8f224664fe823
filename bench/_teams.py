"""Teams plumbing for the benchmarks: the fake Teams process, the app with PLATFORM=teams, signed activities."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _common as c
import aiohttp
from _fake_teams import SUPPORTERS_TEAM_ID, bench_tenant

from handlers.teams.cards.rounds import ROUND_KEY, SEND
from handlers.teams.simulation.activities import installation_update, personal_message
from handlers.teams.simulation.tenant import APP_PASSWORD, COORDINATORS_TEAM_ID, EVERYONE_TEAM_ID, Tenant

SEED = 7
MESSAGES = "/api/messages"


class FakeTeamsProcess(c.FakeSlackProcess):
    """The fake Teams in its own process (bench/_fake_teams.py), driven over the same JSON-lines pipe."""

    tenant: Tenant

    @classmethod
    def start_teams(cls, workdir: Path, *, employees: int) -> FakeTeamsProcess:
        """Start the runner (Teams' limits on); return once it listens."""
        args = [c.PYTHON, str(c.BENCH / "_fake_teams.py"), "--employees", str(employees), "--seed", str(SEED)]
        log = open(workdir / "fake-teams.log", "ab")  # noqa: SIM115 - owned by the child
        popen = subprocess.Popen(
            args,
            env=c.base_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            bufsize=1,
        )
        log.close()
        assert popen.stdout is not None
        first = popen.stdout.readline()
        if not first:
            raise RuntimeError(f"fake Teams failed to start; see {workdir / 'fake-teams.log'}")
        info = json.loads(first)["result"]
        fake = cls(popen, info["origin"], info)
        # The same tenant as the runner's (deterministic), to build the activities Teams would send.
        fake.tenant = bench_tenant(employees, SEED)
        return fake

    @property
    def service_url(self) -> str:
        """The regional connector the people's chats are served by."""
        return str(self.info["regional_service_url"])

    def chat(self, user: str) -> str:
        """A person's 1:1 chat with the bot (as FakeTeams.personal_conversation names it)."""
        return "a:1" + user.removeprefix("29:1")


@contextlib.contextmanager
def fake_teams(workdir: Path, *, employees: int) -> Iterator[FakeTeamsProcess]:
    """Run the fake Teams process for the duration of a block."""
    fake = FakeTeamsProcess.start_teams(workdir, employees=employees)
    try:
        yield fake
    finally:
        fake.stop()


def app_env(fake: FakeTeamsProcess, *, database_url: str, port: int) -> dict[str, str]:
    """Environment for `PLATFORM=teams python -m bot run` against the fake Teams."""
    env = c.base_env()
    env = {k: v for k, v in env.items() if not k.startswith("TEAMS_")}
    env.update(
        PLATFORM="teams",
        TEAMS_APP_ID=fake.info["app_id"],
        TEAMS_APP_PASSWORD=APP_PASSWORD,
        TEAMS_TENANT_ID=fake.info["tenant_id"],
        TEAMS_PEOPLE_TEAM=EVERYONE_TEAM_ID,
        TEAMS_SERVICE_URL=fake.info["service_url"],
        TEAMS_OPENID_METADATA_URL=fake.info["openid_metadata_url"],
        TEAMS_TOKEN_URL=fake.info["token_url"],
        PEERPULSE_SECRET=c.PEERPULSE_SECRET,
        COORDINATOR_CHANNEL=COORDINATORS_TEAM_ID,
        SUPPORTERS_CHANNEL=SUPPORTERS_TEAM_ID,
        DATABASE_URL=database_url,
        PORT=str(port),
        PULSE_SCHEDULE=c.NEVER,
        DIGEST_SCHEDULE=c.NEVER,
        LOG_LEVEL="INFO",
    )
    return env


def start_app(
    fake: FakeTeamsProcess, *, workdir: Path, database_url: str, name: str = "app"
) -> tuple[c.Proc, str]:
    """Start the app with PLATFORM=teams in its own process; return it and its base URL once healthy."""
    port = c.free_port()
    env = app_env(fake, database_url=database_url, port=port)
    target = [os.environ["BENCH_APP_SCRIPT"]] if os.environ.get("BENCH_APP_SCRIPT") else ["-m", "bot", "run"]
    proc = c.Proc([c.PYTHON, *target], env=env, cwd=workdir, log=workdir / f"{name}.log")
    url = f"http://127.0.0.1:{port}"
    c.wait_healthy(proc, url)
    return proc, url


async def post_all(
    app_url: str, activities: list[dict[str, Any]], authorization: str, *, connections: int = 20
) -> list[int]:
    """Deliver activities signed as the Bot Connector signs them; return each HTTP status."""
    connector = aiohttp.TCPConnector(limit=connections)
    gate = asyncio.Semaphore(connections)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def one(activity: dict[str, Any]) -> int:
            async with (
                gate,
                session.post(
                    app_url + MESSAGES, json=activity, headers={"Authorization": authorization}
                ) as response,
            ):
                await response.read()
                return response.status

        return list(await asyncio.gather(*(one(a) for a in activities)))


def install_everyone(fake: FakeTeamsProcess, app_url: str) -> None:
    """Everyone gets the app (the org-wide setup policy): Teams tells the bot each person's chat."""
    tenant = fake.tenant
    activities = [
        installation_update(
            tenant, user, action="add", service_url=fake.service_url, conversation_id=fake.chat(user.id)
        )
        for user in tenant.users.values()
    ]
    t0 = time.monotonic()
    statuses = asyncio.run(post_all(app_url, activities, fake.request("authorization")))
    bad = [s for s in statuses if s != 200]
    if bad:
        raise RuntimeError(f"{len(bad)} installs answered non-200, e.g. HTTP {bad[0]}")
    c.say(f"  {len(activities)} installs delivered in {time.monotonic() - t0:.1f}s")


def pulse_send(fake: FakeTeamsProcess, app_url: str, *, before_click: Any = None) -> None:
    """A coordinator types `pulse send`, then taps "Send it" on the question: the round opens on the tap."""
    tenant = fake.tenant
    coordinator = tenant.users[fake.info["coordinators"][0]]
    typed = personal_message(
        tenant,
        coordinator,
        text="pulse send",
        service_url=fake.service_url,
        conversation_id=fake.chat(coordinator.id),
    )
    authorization = fake.request("authorization")
    (status,) = asyncio.run(post_all(app_url, [typed], authorization))
    if status != 200:
        raise RuntimeError(f"`pulse send` answered HTTP {status}")

    def send_button() -> dict[str, Any] | None:
        found = [d for d in fake.request("submit_data", user=coordinator.id) if d.get(ROUND_KEY) == SEND]
        return found[-1] if found else None

    data = c.wait_until(send_button, timeout=300, interval=0.25, what="the `pulse send` question")
    if before_click is not None:
        before_click()
    # Teams sends an Action.Submit's data back as a message activity's `value`.
    tap = personal_message(
        tenant, coordinator, text="", service_url=fake.service_url, conversation_id=fake.chat(coordinator.id)
    )
    tap["value"] = data
    (status,) = asyncio.run(post_all(app_url, [tap], authorization))
    if status != 200:
        raise RuntimeError(f"'Send it' answered HTTP {status}")
