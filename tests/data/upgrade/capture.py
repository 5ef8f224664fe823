"""Capture a release's open pulse round: its database and the pulse DMs it sent, as upgrade fixtures.

Run with the *released* sources first on the path, e.g. for 0.1.0:
    git archive v0.1.0 | tar -x -C /tmp/pp010
    PYTHONPATH=/tmp/pp010 .venv/bin/python tests/data/upgrade/capture.py tests/data/upgrade/0.1.0
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import ManualClock
from bot.config import Settings
from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import SlackSender
from handlers.slack.simulation.slack_api import DEFAULT_TOKEN, FakeSlack
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, SUPPORTERS_CHANNEL_ID, build_workspace
from tests.conftest import PEERPULSE_SECRET, SIGNING_SECRET

EMPLOYEES = 8
# A fixed moment, so the test can stand at the same point of the round after the upgrade.
OPENED_AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def capture(work: Path) -> tuple[list[dict[str, object]], str]:
    """Open a round in the release under test and answer one question; return the DMs and who answered."""
    workspace = build_workspace(employees=EMPLOYEES)
    with FakeSlack(workspace, workspace_rate=200.0) as slack:
        settings = Settings(
            slack_bot_token=DEFAULT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            peerpulse_secret=PEERPULSE_SECRET,
            coordinator_channel=COORDINATOR_CHANNEL_ID,
            supporters_channel=SUPPORTERS_CHANNEL_ID,
            slack_api_url=slack.url,
            database_url=f"sqlite+aiosqlite:///{work}",
            workspace_rate=200.0,
            port=0,
        )
        runtime = Runtime(settings, clock=ManualClock(OPENED_AT), scheduler_enabled=False)
        await runtime.start(host="127.0.0.1", port=0)
        await runtime.wait_until_leader()
        humans = [u.id for u in workspace.active_humans()]
        async with SlackSender() as sender:
            people = People(slack, sender, app_url=runtime.url, signing_secret=SIGNING_SECRET)
            status, _ = await people.command(workspace.coordinators()[0], "/pulse", "send")
            assert status == 200
            for _ in range(600):
                if all(people.pulse_message(u) for u in humans):
                    break
                await asyncio.sleep(0.05)
            # Someone answered one question before the upgrade.
            first = humans[0]
            message = people.pulse_message(first)
            assert message is not None
            [options, *_] = people.answer_buttons(message).values()
            status, _ = await people.click(first, message, options[0])
            assert status == 200
            await asyncio.sleep(1.0)
        await runtime.stop()
        dms: list[dict[str, object]] = []
        for user in humans:
            message = people.pulse_message(user)
            assert message is not None
            dms.append({"user": user, "text": message.text, "blocks": message.blocks})
    return dms, humans[0]


def main(out: Path) -> None:
    """Capture into `out`: pulse_dms.json, database.sql, meta.json."""
    out.mkdir(parents=True, exist_ok=True)
    work = out / "capture.db"
    work.unlink(missing_ok=True)
    dms, answered_by = asyncio.run(capture(work))
    (out / "pulse_dms.json").write_text(
        json.dumps(dms, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    with sqlite3.connect(work) as conn:
        dump = "\n".join(conn.iterdump())
    (out / "database.sql").write_text(dump + "\n", encoding="utf-8")
    (out / "meta.json").write_text(
        json.dumps({"opened_at": OPENED_AT.isoformat(), "employees": EMPLOYEES, "answered_by": answered_by})
        + "\n",
        encoding="utf-8",
    )
    work.unlink()
    for extra in ("-wal", "-shm"):
        Path(f"{work}{extra}").unlink(missing_ok=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
