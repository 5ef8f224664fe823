"""Rows an older version queued as rendered Block Kit (the digest, its chart, an update) still go out,
exactly as they were stored, after the upgrade to view-models."""

from __future__ import annotations

import base64
from datetime import timedelta

from bot.clock import ManualClock
from bot.delivery import Envelope
from bot.runtime import Runtime
from handlers.slack.simulation.people_policies import settle_outbox
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, Workspace

DIGEST_BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "PeerPulse weekly digest · 23 Nov 2026"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Participation* — no closed pulse round yet"}},
]
UPDATE = {
    "text": "You said, we did: We moved the drop-in sessions.",
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": ":loudspeaker: *You said, we did*"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "We moved the drop-in sessions."}},
    ],
}
CHART = b"\x89PNG queued by the previous version"


async def test_rows_queued_as_block_kit_send_as_stored(
    runtime: Runtime, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    person = workspace.active_humans()[0].id
    now = clock.now()
    # Exactly the rows the previous version's DigestService and UpdateService wrote.
    await runtime.services.outbox.enqueue(
        [
            Envelope(
                "text",
                COORDINATOR_CHANNEL_ID,
                "weekly:2026-11-23:part0",
                now,
                payload={"text": "PeerPulse weekly digest · 23 Nov 2026", "blocks": DIGEST_BLOCKS},
            ),
            Envelope(
                "file",
                COORDINATOR_CHANNEL_ID,
                "weekly:2026-11-23:chart",
                now + timedelta(milliseconds=1),
                payload={
                    "filename": "peerpulse-2026-11-23.png",
                    "title": "PeerPulse constructs · 23 Nov 2026",
                    "text": "Favourable share by construct over the last rounds (95% CI).",
                    "content_b64": base64.b64encode(CHART).decode("ascii"),
                },
            ),
            Envelope("text", person, f"update:{'0' * 32}:{person}", now, payload=UPDATE),
        ]
    )
    clock.advance(timedelta(seconds=1))
    await settle_outbox(runtime, clock)
    digest = [m for m in slack.messages(COORDINATOR_CHANNEL_ID) if "weekly digest" in (m.text or "")]
    assert [(m.text, m.blocks) for m in digest] == [("PeerPulse weekly digest · 23 Nov 2026", DIGEST_BLOCKS)]
    [chart] = slack.uploaded_files(COORDINATOR_CHANNEL_ID)
    assert chart.content == CHART and chart.title == "PeerPulse constructs · 23 Nov 2026"
    [update] = slack.dm_messages(person)
    assert (update.text, update.blocks) == (UPDATE["text"], UPDATE["blocks"])
    assert (await runtime.services.outbox.backlog()).get("failed", 0) == 0
