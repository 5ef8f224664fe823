"""Benchmark 6: list a 20,000-member workspace and a 20,000-member channel under Slack's real limits.

users.list is Tier 2 (20/min) and conversations.members Tier 4 (100/min) on the fake, at real speed;
the app's directory (handlers/slack/adapter.py) pages through both via the one pacer (handlers/slack/pacing.py).
"""

from __future__ import annotations

import argparse
import asyncio
import time

import _common as c

from handlers.slack.adapter import SlackDirectory
from handlers.slack.pacing import PacedWebClient, Pacer
from handlers.slack.simulation.slack_api import DEFAULT_TOKEN, FakeSlack
from handlers.slack.simulation.workspace import AUDIENCE_CHANNEL_ID, build_workspace


async def list_everyone(url: str) -> tuple[int, float, int, float]:
    """Members listed and seconds taken, for the workspace and for the all-hands channel."""
    client = PacedWebClient(token=DEFAULT_TOKEN, base_url=url, pacer=Pacer(10.0))
    directory = SlackDirectory(client)
    t0 = time.monotonic()
    members = await directory.list_members()
    t1 = time.monotonic()
    in_channel = await directory.channel_members(AUDIENCE_CHANNEL_ID)
    t2 = time.monotonic()
    return len(members), t1 - t0, len(in_channel), t2 - t1


def main() -> int:
    """Build the workspace, list it, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke-sized run (2,000 members)")
    parser.add_argument("--employees", type=int, default=20_000)
    args = parser.parse_args()
    if args.quick:
        args.employees = 2_000
    c.say(f"large workspace: {args.employees} employees, Slack's limits on at real speed …")
    with FakeSlack(build_workspace(employees=args.employees)) as fake:
        listed, listed_s, in_channel, channel_s = asyncio.run(list_everyone(fake.url))
        pages = len(fake.calls_to("users.list"))
        member_pages = len(fake.calls_to("conversations.members"))
        limited = fake.ratelimited_count
        ok = listed == len(fake.workspace.users) and in_channel == args.employees and limited == 0
    c.print_table(
        f"Large workspace — {args.employees:,} members, Slack's limits on, {c.today()}",
        [
            "users.list pages",
            "members listed",
            "users.list s",
            "conversations.members pages",
            "channel members",
            "members s",
            "429s",
            "verdict",
        ],
        [[pages, listed, listed_s, member_pages, in_channel, channel_s, limited, c.verdict(ok)]],
    )
    print(
        "\nGoal: every member listed, 0 answers of 429. users.list is Tier 2 (20/min, paced at 90%), pages of "
        "1,000; conversations.members Tier 4 (100/min), pages of 1,000."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
