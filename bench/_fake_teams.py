"""Runner: the fake Teams (Bot Connector, token and OpenID/JWKS endpoints) in its own process, on JSON lines.

Teams' documented limits are on (handlers/teams/simulation/limits.py). Every connector call the bot
makes is noted with its time and status, so a driver can time a fan-out and count what each chat got.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web

from handlers.teams.cards.answers import ANSWER_VERB
from handlers.teams.simulation.connector import FakeTeams, SentActivity
from handlers.teams.simulation.people import answer_buttons, submit_buttons
from handlers.teams.simulation.tenant import COORDINATORS_TEAM_ID, Team, Tenant, build_tenant

SUPPORTERS_TEAM_ID = "19:supporters00000000000000000000@thread.tacv2"
REGION = "emea"


def bench_tenant(employees: int, seed: int) -> Tenant:
    """The benchmark's tenant (deterministic: the driver rebuilds the same one to build activities)."""
    tenant = build_tenant(employees=employees, coordinators=2, guests=1, seed=seed)
    people = [u.id for u in tenant.people()]
    tenant.teams[SUPPORTERS_TEAM_ID] = Team(SUPPORTERS_TEAM_ID, "Peer supporters", members=people[2:4])
    return tenant


class TimedFakeTeams(FakeTeams):
    """The fake Teams, noting when each send and update was answered and how."""

    def __init__(self, tenant: Tenant) -> None:
        super().__init__(tenant)
        # (operation, status, monotonic time, conversation)
        self.log: list[tuple[str, int, float, str]] = []

    async def _send(self, request: web.Request) -> web.Response:
        response = await super()._send(request)
        self.log.append(("send", response.status, time.monotonic(), request.match_info["conversation"]))
        return response

    async def _update(self, request: web.Request) -> web.Response:
        response = await super()._update(request)
        self.log.append(("update", response.status, time.monotonic(), request.match_info["conversation"]))
        return response


def _is_pulse(activity: SentActivity) -> bool:
    buttons = answer_buttons(activity)
    return bool(buttons) and all(b.get("verb") == ANSWER_VERB for b in buttons)


def main() -> None:
    """Serve until stdin closes or `quit` arrives."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    tenant = bench_tenant(args.employees, args.seed)
    people = [u.id for u in tenant.people()]
    fake = TimedFakeTeams(tenant).start()
    # Everyone has the app (the org-wide setup policy): their 1:1 chats exist.
    chats = {user: fake.personal_conversation(user) for user in tenant.users}
    service_url = fake.regional_service_url(REGION)

    def reply(result: Any = None, error: str | None = None) -> None:
        sys.stdout.write(json.dumps({"error": error} if error else {"result": result}) + "\n")
        sys.stdout.flush()

    def pulses(user: str) -> list[SentActivity]:
        return [a for a in fake.sent_to(chats[user]) if _is_pulse(a)]

    def pulse_cards(path: str) -> int:
        # Each person's newest pulse: its id and its answer buttons' data (what a tap sends back).
        found: dict[str, Any] = {}
        for user in people:
            mine = pulses(user)
            if mine:
                found[user] = {"id": mine[-1].id, "buttons": [b["data"] for b in answer_buttons(mine[-1])]}
        with open(path, "w") as f:
            json.dump(found, f)
        return len(found)

    def progress() -> dict[str, int]:
        sent = sum(1 for op, status, _t, _c in list(fake.log) if op == "send" and status == 201)
        return {"sent": sent, "rate_limited": fake.rate_limited}

    def delivery() -> dict[str, Any]:
        # Pulse cards per person, and when each send was accepted (for the fan-out's rate).
        per_user = {user: len(pulses(user)) for user in people}
        times = sorted(
            t for op, status, t, c in list(fake.log) if op == "send" and status == 201 and c.startswith("a:")
        )
        return {"per_user": per_user, "send_times": times, "rate_limited": fake.rate_limited}

    def calls() -> list[list[Any]]:
        counts = Counter((op, status) for op, status, _t, _c in list(fake.log))
        return [[op, status, n] for (op, status), n in sorted(counts.items())]

    def updates_done() -> dict[str, Any]:
        # Each card's update count, keyed by person (for "the chat shows the final card").
        return {user: [a.updates for a in pulses(user)] for user in people}

    def submit_data(user: str) -> list[Any]:
        # The Action.Submit data of the cards in a person's chat, newest last (a coordinator's question).
        return [b["data"] for a in fake.sent_to(chats[user]) for b in submit_buttons(a)]

    def reset() -> None:
        fake.log.clear()
        fake.rate_limited = 0

    commands: dict[str, Callable[[dict[str, Any]], Any]] = {
        "authorization": lambda a: fake.authorization({"serviceUrl": a.get("service_url") or service_url}),
        "progress": lambda a: progress(),
        "delivery": lambda a: delivery(),
        "calls": lambda a: calls(),
        "pulse_cards": lambda a: pulse_cards(a["path"]),
        "updates_done": lambda a: updates_done(),
        "submit_data": lambda a: submit_data(a["user"]),
        "reset_log": lambda a: reset(),
    }
    reply(
        {
            "origin": fake.origin,
            "service_url": fake.service_url,
            "regional_service_url": service_url,
            "openid_metadata_url": fake.openid_metadata_url,
            "token_url": fake.token_url,
            "app_id": tenant.app_id,
            "tenant_id": tenant.id,
            "people": people,
            "coordinators": list(tenant.teams[COORDINATORS_TEAM_ID].members),
        }
    )
    try:
        for line in sys.stdin:
            request = json.loads(line)
            cmd = request.pop("cmd")
            if cmd == "quit":
                reply("bye")
                break
            try:
                reply(commands[cmd](request))
            except Exception as exc:
                # The driver shows the error; the runner keeps serving.
                reply(error=f"{cmd}: {type(exc).__name__}: {exc}")
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
