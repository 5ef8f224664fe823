"""Runner: the fake Slack Web API in its own process, answering JSON-line commands on stdin."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any

from handlers.slack.simulation.people import People
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import build_workspace, dm_channel_id, tz_offset_now

# How the pulse DM marks an answered question (handlers/slack/blocks/pulse.py).
# Every answered question opens with this mark, whether or not the DM shows the choice itself.
ANSWERED_MARK = "✅ *"


def _is_pulse(message: Any) -> bool:
    return any(b.action_id.startswith("pulse_answer_") for b in People.buttons(message))


def main() -> None:
    """Serve until stdin closes or `quit` arrives."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workspace-rate", type=float, default=0.0, help="0 = no workspace limit")
    parser.add_argument("--per-channel-rate", type=float, default=1.0, help="0 = no per-channel limit")
    parser.add_argument("--one-zone", help="put every person in this time zone (e.g. Europe/Berlin)")
    args = parser.parse_args()

    workspace = build_workspace(employees=args.employees, seed=args.seed)
    if args.one_zone:
        for user in workspace.users.values():
            user.tz = args.one_zone
            user.tz_offset = tz_offset_now(args.one_zone)
    humans = [u.id for u in workspace.active_humans()]
    fake = FakeSlack(
        workspace, workspace_rate=args.workspace_rate or None, per_channel_rate=args.per_channel_rate
    )
    fake.start()

    def reply(result: Any = None, error: str | None = None) -> None:
        sys.stdout.write(json.dumps({"error": error} if error else {"result": result}) + "\n")
        sys.stdout.flush()

    def ok_posts() -> list[Any]:
        return [c for c in fake.calls if c.method == "chat.postMessage" and c.status == 200 and not c.error]

    def pulse_dms(path: str) -> int:
        found: dict[str, Any] = {}
        for user in humans:
            pulses = [m for m in fake.dm_messages(user) if _is_pulse(m)]
            if pulses:
                m = pulses[-1]
                found[user] = {"channel": m.channel, "ts": m.ts, "text": m.text, "blocks": m.blocks}
        with open(path, "w") as f:
            json.dump(found, f)
        return len(found)

    def delivery() -> dict[str, Any]:
        per_user = {user: sum(1 for m in fake.dm_messages(user) if _is_pulse(m)) for user in humans}
        times = sorted(c.at for c in ok_posts() if str(c.args.get("channel", "")).startswith(("U", "D")))
        return {"per_user": per_user, "post_times": times, "ratelimited": fake.ratelimited_count}

    def dm_answered() -> dict[str, int]:
        # What each person sees in their newest pulse DM: how many questions show as answered.
        found: dict[str, int] = {}
        for user in humans:
            pulses = [m for m in fake.dm_messages(user) if _is_pulse(m)]
            if pulses:
                found[user] = json.dumps(pulses[-1].blocks, ensure_ascii=False).count(ANSWERED_MARK)
        return found

    def calls_summary() -> list[list[Any]]:
        counts = Counter((c.method, c.status, c.error or "") for c in fake.calls)
        return [[m, s, e, n] for (m, s, e), n in sorted(counts.items())]

    commands = {
        "trigger": lambda a: fake.new_trigger_id(a.get("user")),
        "response_url": lambda a: fake.new_response_url(a.get("channel"), a.get("ts")),
        # One response_url per click, bound to the clicked DM, as Slack issues them.
        "response_urls": lambda a: [fake.new_response_url(ch, ts) for ch, ts in a["messages"]],
        "dm_answered": lambda a: dm_answered(),
        "ratelimited": lambda a: fake.ratelimited_count,
        "responses": lambda a: [r.body for r in fake.responses()],
        "progress": lambda a: {"posted": len(ok_posts()), "ratelimited": fake.ratelimited_count},
        "pulse_dms": lambda a: pulse_dms(a["path"]),
        "delivery": lambda a: delivery(),
        "calls_summary": lambda a: calls_summary(),
        "reset_calls": lambda a: fake.reset_calls(),
        "dm_channel": lambda a: dm_channel_id(a["user"]),
        "channel_count": lambda a: {
            "messages": len(fake.messages(a["channel"])),
            "files": len(fake.uploaded_files(a["channel"])),
            "responses": [r.body for r in fake.responses()],
        },
    }
    reply(
        {
            "url": fake.url,
            "humans": humans,
            "members": len(workspace.users),
            "coordinators": list(workspace.coordinators()),
            "supporters": list(workspace.supporters()),
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
