"""After close, Slack holds no lasting sign of who answered or commented: every pulse DM is the same."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.surveys import CLOSED_REWRITE_SPACING
from handlers.slack.blocks.pulse import PULSE_CLOSED_TEXT
from handlers.slack.simulation.people import People
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace, build_workspace
from tests.privacy.rounds import answer, open_round, outbox_of
from tests.support import eventually


@pytest.fixture
def workspace() -> Workspace:
    """Nine employees: some answer, some comment too, some stay silent."""
    return build_workspace(employees=9)


async def test_every_pulse_dm_becomes_one_identical_message_without_buttons_and_its_row_goes(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    round_ = await open_round(runtime, people, workspace)
    users = [u.id for u in workspace.active_humans()]
    answered = await answer(people, slack, round_, users[:5], comment_every=2)
    dms = {u: people.pulse_message(u) for u in users}
    assert all(dms.values())
    shown = {u: json.dumps(m.blocks, sort_keys=True) for u, m in dms.items() if m is not None}
    # The probe: while open, a commenter's DM differs from a silent member's.
    assert shown[next(iter(answered.comments))] != shown[users[-1]]
    # And someone's DM shows their own choices and the pointer to support after a harmful answer.
    assert any('"style": "primary"' in shown[u] for u in answered.respondents)
    assert any("deal with this alone" in shown[u] for u in answered.respondents)

    await runtime.services.surveys.close_round(round_.id)
    rewrites = [r for r in await outbox_of(runtime, round_.id) if r.kind == "pulse_closed"]
    # The first is due at once and may be done already (its row can still be there for a moment
    # after the call); the rest wait their turn (Tier 3). Every DM is covered, each row once.
    done = [c for c in slack.calls_to("chat.update") if c.args.get("text") == PULSE_CLOSED_TEXT]
    covered = {r.conversation for r in rewrites} | {c.args["channel"] for c in done}
    assert covered == {m.channel for m in dms.values() if m is not None}
    assert len({r.recipient for r in rewrites}) == len(rewrites)
    times = sorted(r.next_attempt_at for r in rewrites)
    assert len(times) >= len(users) - 1
    assert all(b - a >= CLOSED_REWRITE_SPACING for a, b in itertools.pairwise(times))

    clock.advance(CLOSED_REWRITE_SPACING * len(users) + timedelta(seconds=1))
    runtime.services.outbox.wakeup.set()

    def rewritten() -> bool:
        messages = [m for u in users for m in slack.dm_messages(u) if m.ts == dms[u].ts]  # type: ignore[union-attr]
        return len(messages) == len(users) and all(m.text == PULSE_CLOSED_TEXT for m in messages)

    await eventually(rewritten, timeout=30)
    finals = {json.dumps([m.text, m.blocks], sort_keys=True) for u in users for m in slack.dm_messages(u)}
    assert len(finals) == 1, "answerers' and others' DMs still differ after close"
    assert all(people.pulse_message(u) is None for u in users), "a button survived close"
    assert "Edit your comment" not in next(iter(finals))

    for _ in range(100):
        if not [r for r in await outbox_of(runtime, round_.id) if r.kind == "pulse_closed"]:
            break
        await asyncio.sleep(0.1)
    rows = await outbox_of(runtime, round_.id)
    assert {r.kind for r in rows} == {"pulse"}
    assert {(r.conversation, r.message_ref) for r in rows} == {(None, None)}, (
        "a DM's (channel, ts) outlived close"
    )
