"""`python -m bot digest --now` posts the digest from a real subprocess, against the fake Slack."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from handlers.slack.simulation.slack_api import DEFAULT_TOKEN, FakeSlack
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, SUPPORTERS_CHANNEL_ID
from tests.conftest import PEERPULSE_SECRET, SIGNING_SECRET

REPO = Path(__file__).resolve().parents[2]


async def test_digest_now_posts_to_the_coordinators_channel(
    slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "SLACK_BOT_TOKEN": DEFAULT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PEERPULSE_SECRET": PEERPULSE_SECRET,
        "COORDINATOR_CHANNEL": COORDINATOR_CHANNEL_ID,
        "SUPPORTERS_CHANNEL": SUPPORTERS_CHANNEL_ID,
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": database_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "digest",
        "--now",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()
    assert "digest posted" in stdout.decode()
    posted = [m for m in slack.messages(COORDINATOR_CHANNEL_ID) if "weekly digest" in (m.text or "")]
    assert posted, "no digest message reached the coordinators' channel"
    assert "no closed pulse round yet" in str(posted[0].blocks)
