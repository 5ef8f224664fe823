"""“You said, we did” end to end: a closed action's update drafted, refused when it is not k-safe,
previewed, published to the audience channel or as DMs, and echoed in the next pulse DM."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.runtime import Runtime
from bot.updates import TEXT, shown_quote_rows
from handlers.slack.blocks.updates import build_closed_action_blocks, build_update_message
from handlers.slack.simulation.people import People
from handlers.slack.simulation.people_policies import (
    close_action,
    draft_text_of,
    open_update_draft,
    publish_preview,
    settle_outbox,
    submit_draft,
    until,
)
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import AUDIENCE_CHANNEL_ID, COORDINATOR_CHANNEL_ID, Workspace
from storage.digest_models import ImprovementAction, ShownQuoteGram
from storage.models import SurveyAnswer, SurveyRound
from storage.policy_models import PublishedUpdate
from tests.e2e.test_digest import bad, good, run_round

FEEDBACK = "Please explain what happens to what we tell supporters because confidentiality is unclear to me."
PULSE_COMMENT = "Nobody told me that the peer supporters exist or how to contact one of them."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """An audience channel is configured, so an update can go there or as DMs to its members."""
    return dataclasses.replace(settings, pulse_audience_channel=AUDIENCE_CHANNEL_ID)


async def _closed_action(runtime: Runtime, coordinator: str) -> ImprovementAction:
    """A closed action whose before (42%) and after (71%) were each measured from k or more people."""
    now = runtime.services.clock.now()
    action = ImprovementAction(
        team_id=runtime.services.team_id,
        practice_id="awareness-campaign",
        title="Awareness campaign for the peer-support program",
        owner_id=coordinator,
        adopted_by=coordinator,
        due_on=now.date(),
        construct_id="awareness",
        success_measure="awareness favourable share rises",
        status="closed",
        outcome_note="Supporters visited every team meeting and the intranet page went live",
        created_at=now - timedelta(days=40),
        closed_at=now,
        before_round_id="r-before",
        before_value=0.42,
        before_low=0.3,
        before_high=0.55,
        after_round_id="r-after",
        after_value=0.71,
        after_low=0.6,
        after_high=0.8,
    )
    async with runtime.db.session() as session:
        session.add(action)
    return action


def _confirmation(action: ImprovementAction) -> Message:
    """The coordinators' channel note of a closed action, with its share button."""
    blocks = build_closed_action_blocks(f"Closed *{action.title}*.", action_id=action.id)
    return Message(channel=COORDINATOR_CHANNEL_ID, ts="1.0", text="Closed", blocks=blocks)


async def _digest_showed(runtime: Runtime, key: str, quotes: list[str]) -> None:
    """Record, as a posted digest does, that a digest showed these quotes."""
    services = runtime.services
    async with runtime.db.session() as session:
        for row in shown_quote_rows(
            runtime.settings.peerpulse_secret,
            team_id=services.team_id,
            digest_key=key,
            quotes=quotes,
            shown_on=services.clock.now().date(),
        ):
            session.add(ShownQuoteGram(**row))


async def _updates(runtime: Runtime) -> list[PublishedUpdate]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(PublishedUpdate)))


def _update_dms(slack: FakeSlack, user_id: str) -> list[Message]:
    return [m for m in slack.dm_messages(user_id) if (m.text or "").startswith("You said, we did")]


async def test_a_measured_action_is_previewed_then_published_to_the_channel_once(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    coordinator = workspace.coordinators()[0]
    services = runtime.services
    await run_round(runtime, people, workspace, bad, respondents=25)
    action = await services.actions.adopt(
        team_id=services.team_id,
        practice_id="psych-safety-leaders",
        title="Leaders invite challenge in every team meeting",
        owner_id=coordinator,
        by=coordinator,
        due_on=services.clock.now().date() + timedelta(days=30),
        construct="psych_safety",
        success_measure="",
    )
    confirmation = await close_action(
        people, coordinator, action.id, note="Every team lead ran it for a month."
    )
    # Its "after" is the first round that closes after the action did.
    clock.advance(timedelta(hours=1))
    await run_round(runtime, people, workspace, good, respondents=25)
    closed = await services.actions.get(team_id=services.team_id, action_id=action.id, by=coordinator)
    assert closed.before_value is not None and closed.after_value is not None

    draft_view = await open_update_draft(people, coordinator, confirmation)
    draft = draft_text_of(draft_view)
    assert draft.startswith("You told us it didn't always feel safe to speak up")
    assert f"from {closed.before_value:.0%} to {closed.after_value:.0%}" in draft
    assert "Every team lead ran it for a month." in draft

    answer = await submit_draft(people, coordinator, draft_view, text=draft, destination="channel")
    assert answer["response_action"] == "update", answer
    preview = answer["view"]
    assert f"<#{AUDIENCE_CHANNEL_ID}>" in str(preview["blocks"][0])
    assert slack.messages(AUDIENCE_CHANNEL_ID) == [], "nothing is sent before Publish"

    await publish_preview(people, coordinator, preview)
    await publish_preview(people, coordinator, preview)  # a double submission publishes once
    await settle_outbox(runtime, clock)
    [posted] = await until(lambda: slack.messages(AUDIENCE_CHANNEL_ID))
    # The preview showed exactly what was sent.
    assert posted.blocks == build_update_message(draft)["blocks"]
    assert preview["blocks"][2:-2] == posted.blocks
    [update] = await _updates(runtime)
    assert (update.destination, update.action_id, update.text, update.published_by) == (
        "channel",
        action.id,
        draft,
        coordinator,
    )
    notes = await until(
        lambda: [m for m in slack.messages(COORDINATOR_CHANNEL_ID) if "published" in (m.text or "")]
    )
    assert len(notes) == 1 and f"<#{AUDIENCE_CHANNEL_ID}>" in notes[0].text
    await settle_outbox(runtime, clock)
    assert len(slack.messages(AUDIENCE_CHANNEL_ID)) == 1
    assert not any(_update_dms(slack, u.id) for u in workspace.active_humans())


async def test_the_preview_refuses_small_counts_unmeasured_figures_and_quotes(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    services = runtime.services
    today = services.clock.now().date()
    await services.feedback.submit(team_id=services.team_id, category="concern", text=FEEDBACK)
    async with runtime.db.session() as session:
        round_ = SurveyRound(
            team_id=services.team_id,
            schedule_key="manual:test",
            question_ids=["open_comment"],
            opened_at=services.clock.now() - timedelta(days=3),
            closes_at=services.clock.now() - timedelta(days=1),
            closed_at=services.clock.now() - timedelta(days=1),
        )
        session.add(round_)
        await session.flush()
        session.add(
            SurveyAnswer(
                round_id=round_.id,
                question_id="open_comment",
                construct_id="open_feedback",
                text=PULSE_COMMENT,
                answered_on=today - timedelta(days=2),
            )
        )
    # A digest showed both as quotes; only what a digest showed is what the check knows.
    await _digest_showed(runtime, "weekly:2026-01-05", [FEEDBACK, PULSE_COMMENT])
    action = await _closed_action(runtime, coordinator)
    draft_view = await open_update_draft(people, coordinator, _confirmation(action))
    draft = draft_text_of(draft_view)
    assert "from 42% to 71%" in draft
    # A comment no digest quoted is never compared with: a refusal would confirm a guess about it.
    unshown = "I was told in confidence that nothing would change about the night shift rota"
    await services.feedback.submit(team_id=services.team_id, category="concern", text=unshown)
    answer = await submit_draft(people, coordinator, draft_view, text=f"{draft} {unshown}.", destination="dm")
    assert answer.get("response_action") == "update", answer

    refusals = [
        (f"{draft} 3 colleagues asked for it.", "fewer than 5 people"),
        (f"{draft} Two anonymous comments raised it.", "fewer than 5 people"),
        (draft.replace("71%", "75%"), "75% isn't a figure this action measured"),
        (f"{draft} Trust is now at 64 percent.", "64 percent isn't a figure"),
        (f'{draft} As one of you put it, "nobody knows who they are".', "quotation marks"),
        (
            "You asked us to explain what happens to what we tell supporters, so the intranet now does.",
            "word for word",
        ),
        (
            "Some said that the peer supporters exist or how to contact one of them was unclear; "
            "now every team knows.",
            "word for word",
        ),
    ]
    for text, reason in refusals:
        answer = await submit_draft(people, coordinator, draft_view, text=text, destination="dm")
        assert answer.get("response_action") == "errors", (text, answer)
        assert set(answer["errors"]) == {TEXT}
        assert reason in answer["errors"][TEXT], (reason, answer["errors"][TEXT])
    # The measured figures, a count of k or more and plain words pass.
    fine = f"{draft} Over 25 people answered each pulse."
    answer = await submit_draft(people, coordinator, draft_view, text=fine, destination="dm")
    assert answer["response_action"] == "update", answer
    # A digest quoting it between the preview and Publish sends the update back to the draft,
    # saying why, instead of publishing it.
    await _digest_showed(
        runtime, "manual:later", ["Thank you for answering, please keep telling us what happens next."]
    )
    status, body = await people.submit_view(
        coordinator,
        callback_id="update_preview_view",
        private_metadata=answer["view"]["private_metadata"],
        state_values={},
    )
    assert status == 200 and body["response_action"] == "update", body
    assert body["view"]["callback_id"] == "update_draft_view"
    assert "word for word" in str(body["view"]["blocks"])
    assert await _updates(runtime) == []
    assert slack.messages(AUDIENCE_CHANNEL_ID) == []


async def test_published_as_dms_each_person_gets_one_and_the_next_pulse_says_so(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    coordinator = workspace.coordinators()[0]
    services = runtime.services
    opted_out = workspace.active_humans()[-1].id
    await people.command(opted_out, "/pulse", "optout")
    audience = [m.id for m in await services.surveys.audience(services.team_id)]
    assert opted_out not in audience and len(audience) >= services.settings.min_group_size

    action = await _closed_action(runtime, coordinator)
    draft_view = await open_update_draft(people, coordinator, _confirmation(action))
    draft = draft_text_of(draft_view)
    answer = await submit_draft(people, coordinator, draft_view, text=draft, destination="dm")
    assert "direct message" in str(answer["view"]["blocks"][0])
    await publish_preview(people, coordinator, answer["view"])
    await until(lambda: all(_update_dms(slack, u) for u in audience), timeout=20)
    await settle_outbox(runtime, clock)
    assert all(len(_update_dms(slack, u)) == 1 for u in audience)
    assert not _update_dms(slack, opted_out)
    assert slack.messages(AUDIENCE_CHANNEL_ID) == []
    notes = await until(
        lambda: [m for m in slack.messages(COORDINATOR_CHANNEL_ID) if "on its way" in (m.text or "")]
    )
    assert f"as a direct message to {len(audience)} people" in notes[0].text

    async def next_pulse_line() -> str | None:
        seen = {u: len(slack.dm_messages(u)) for u in audience}
        status, _ = await people.send_pulse(coordinator)
        assert status == 200
        user = audience[0]
        fresh = await until(lambda: [m for m in slack.dm_messages(user)[seen[user] :] if people.buttons(m)])
        round_ = await services.surveys.current_round(team_id=services.team_id)
        assert round_ is not None
        await services.surveys.close_round(round_.id)
        texts = [e.get("text", "") for b in fresh[0].blocks or [] for e in b.get("elements", [])]
        return next((t for t in texts if "Since last time" in t), None)

    line = await next_pulse_line()
    assert line is not None
    assert line.endswith(
        "*Since last time:* You told us not everyone knew about peer support or how to reach a supporter, "
        "so we acted: Awareness campaign for the peer-support program."
    )
    clock.advance(timedelta(days=46))
    assert await next_pulse_line() is None, "an update older than 45 days is not repeated"


async def test_a_channel_post_slack_refuses_is_reported_as_not_published_and_can_be_shared_again(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinator = workspace.coordinators()[0]
    action = await _closed_action(runtime, coordinator)
    draft_view = await open_update_draft(people, coordinator, _confirmation(action))
    draft = draft_text_of(draft_view)
    answer = await submit_draft(people, coordinator, draft_view, text=draft, destination="channel")
    # PeerPulse was never invited to the audience channel.
    slack.fail("chat.postMessage", error="not_in_channel", times=1)

    await publish_preview(people, coordinator, answer["view"])

    notes = await until(
        lambda: [m for m in slack.messages(COORDINATOR_CHANNEL_ID) if "update" in (m.text or "")], timeout=30
    )
    assert len(notes) == 1
    assert "was *not* published" in notes[0].text and "not_in_channel" in notes[0].text
    assert "/invite @PeerPulse" in notes[0].text
    assert "published a" not in notes[0].text
    assert slack.messages(AUDIENCE_CHANNEL_ID) == []
    assert await _updates(runtime) == [], "nothing may claim the update was published"

    # Once invited, sharing it again from the closed action works and is confirmed.
    draft_view = await open_update_draft(people, coordinator, _confirmation(action))
    answer = await submit_draft(people, coordinator, draft_view, text=draft, destination="channel")
    await publish_preview(people, coordinator, answer["view"])
    confirmed = await until(
        lambda: [m for m in slack.messages(COORDINATOR_CHANNEL_ID) if "published a" in (m.text or "")],
        timeout=30,
    )
    assert len(confirmed) == 1 and len(slack.messages(AUDIENCE_CHANNEL_ID)) == 1
