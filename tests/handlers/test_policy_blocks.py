"""Block Kit for the policy register and "you said, we did": within Slack's limits, never injectable."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from bot.policies import policy_status
from bot.updates import TEXT_MAX
from handlers.slack.blocks.policies import (
    MAX_LISTED,
    REVIEW_POLICY_ACTION,
    build_policies_blocks,
    build_policy_reminder,
)
from handlers.slack.blocks.updates import build_update_message, build_update_preview_modal
from storage.policy_models import Policy

TODAY = date(2026, 6, 15)


def _policy(i: int, *, name: str | None = None) -> Policy:
    return Policy(
        id=f"{i:032x}",
        team_id="T1",
        name=name or f"Policy {i:02d}",
        link=f"https://intranet.example.com/p/{i}",
        owner_id="U1",
        review_interval_months=12,
        last_reviewed_on=date(2025, 7, 1),
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
    )


def test_a_long_register_fits_one_message_and_says_what_it_left_out() -> None:
    statuses = [policy_status(_policy(i), today=TODAY) for i in range(25)]
    blocks = build_policies_blocks(statuses)
    assert len(blocks) <= 50
    assert f"Showing the {MAX_LISTED} soonest due of 25." in str(blocks)
    reviewed = [
        e
        for b in blocks
        for e in b.get("elements", [])
        if str(e.get("action_id")).startswith(REVIEW_POLICY_ACTION)
    ]
    assert len(reviewed) == MAX_LISTED and len({e["action_id"] for e in reviewed}) == MAX_LISTED


def test_names_and_texts_cannot_ping_or_inject_links() -> None:
    status = policy_status(_policy(1, name="Policy <!channel> & <https://evil.example|click>"), today=TODAY)
    for blocks in (build_policies_blocks([status]), build_policy_reminder(status, kind="due")["blocks"]):
        text = json.dumps(blocks)
        assert "<!channel>" not in text and "<https://evil" not in text
        assert "&lt;!channel&gt; &amp;" in text
    message = build_update_message("Thanks <!here> for answering")
    assert "<!here>" not in json.dumps(message["blocks"])


def test_the_preview_keeps_a_full_length_update_within_slacks_metadata_limit() -> None:
    text = ('"\n' * (TEXT_MAX // 2))[:TEXT_MAX]
    view = build_update_preview_modal(
        action_id="a" * 32, text=text, destination="dm", audience_channel=None, update_id="b" * 32
    )
    assert len(view["private_metadata"]) <= 3000
    assert json.loads(view["private_metadata"])["t"] == text
