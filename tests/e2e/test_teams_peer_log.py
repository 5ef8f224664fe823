"""Peer supporters on Teams, end to end: the real runtime with PLATFORM=teams against the fake Teams.

A typed `peer-log` answers with a card whose button opens the session dialog; a Send with mistakes
comes back with each error under its field and what was typed kept; a good one is stored as Slack's
modal stores it, edited from `peer-log list`, deleted there. Anyone else gets the domain's refusal.
Follow-up and lapsed-training reminders reach the supporter's chat as cards (Snooze works from the
card), and a reminder resolved before its time is never sent. Real database (SQLite, PostgreSQL), real
signed HTTP, nothing of ours mocked.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot import jobs
from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.support import FOLLOW_UP_KIND, TRAINING_KIND
from handlers.teams.cards.peer_log import (
    DELETE,
    EDIT,
    FOLLOW_UP_DONE,
    FOLLOW_UP_SNOOZE,
    OPEN_SESSION,
    OPEN_TRAINING,
    SAVE_SESSION,
    build_session_launcher,
)
from handlers.teams.ids import person_id
from handlers.teams.simulation.connector import FakeTeams, SentActivity
from handlers.teams.simulation.people import TeamsPeople, submit_buttons
from storage.models import OutboxMessage
from storage.support_models import SupportFollowUp, SupportSession, SupportTraining
from tests.support import eventually

REFUSAL = "Only peer supporters (members of the supporters channel) can do that."


def _words(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False)


def _ids(dialog: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The dialog's inputs by id."""
    body = dialog["task"]["value"]["card"]["content"]["body"]
    return {item["id"]: item for item in body if "id" in item}


async def _rows(runtime: Runtime, model: Any) -> list[Any]:
    async with runtime.db.session() as session:
        return list(await session.exec(select(model)))


def _utc_today(clock: ManualClock) -> date:
    return clock.now().astimezone(UTC).date()


async def _card_with(fake: FakeTeams, people: TeamsPeople, user: str, action: str) -> SentActivity:
    """The latest card in the person's chat with a button for `action`."""

    def found() -> list[SentActivity]:
        sent = fake.sent_to(people.chat(user))
        return [a for a in sent if any(b["data"].get("action") == action for b in submit_buttons(a))]

    return (await eventually(found))[-1]


def _button(sent: SentActivity, action: str) -> dict[str, Any]:
    (button,) = [b for b in submit_buttons(sent) if b["data"].get("action") == action]
    return button


def _session_inputs(on: date, *, follow_up_on: date | None = None, **changes: str) -> dict[str, str]:
    inputs = {
        "session_date": on.isoformat(),
        "duration_minutes": "45",
        "category": "exclusion",
        "contact_channel": "call",
        "outcome": "referred_hr",
        "follow_up": "yes" if follow_up_on else "no",
        "follow_up_on": follow_up_on.isoformat() if follow_up_on else "",
        "note": "",
    }
    return {**inputs, **changes}


async def _log_session(people: TeamsPeople, fake: FakeTeams, user: str, inputs: dict[str, str]) -> Any:
    assert await people.say(user, "peer-log") == 200
    card = await _card_with(fake, people, user, OPEN_SESSION)
    dialog = await people.open_dialog(user, _button(card, OPEN_SESSION), message_id=card.id)
    return await people.send_dialog(user, dialog, inputs)


async def test_a_supporter_logs_edits_and_lists_a_session_in_teams(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams, clock: ManualClock
) -> None:
    runtime, fake, people = teams_runtime, teams_fake, teams_people
    supporter = [u.id for u in fake.tenant.people()][1]
    assert await people.install(supporter) == 200
    yesterday = _utc_today(clock) - timedelta(days=1)

    # `peer-log` answers with a card; its button opens the dialog, today already picked.
    assert await people.say(supporter, "/peer-log") == 200
    card = await _card_with(fake, people, supporter, OPEN_SESSION)
    assert "Never name or describe the person you supported" in _words(card.attachments)
    dialog = await people.open_dialog(supporter, _button(card, OPEN_SESSION), message_id=card.id)
    assert dialog["task"]["value"]["title"] == "Log a session"
    fields = _ids(dialog)
    assert set(fields) >= {
        "session_date",
        "duration_minutes",
        "category",
        "contact_channel",
        "outcome",
        "note",
    }
    assert fields["session_date"]["value"]

    # Mistakes: each error under its field, what was typed kept, nothing stored.
    typed = "Listened over coffee; agreed on next steps."
    refused = await people.send_dialog(
        supporter, dialog, _session_inputs(yesterday, duration_minutes="999", category="", note=typed)
    )
    assert refused["task"]["type"] == "continue"
    body = refused["task"]["value"]["card"]["content"]["body"]
    errors = {
        body[i - 1].get("id"): item["text"] for i, item in enumerate(body) if item.get("color") == "attention"
    }
    assert errors == {
        "duration_minutes": "Between 5 and 480 minutes (8 hours), please.",
        "category": "Choose a category.",
    }
    kept = _ids(refused)
    assert (kept["note"]["value"], kept["duration_minutes"]["value"]) == (typed, 999)
    assert await _rows(runtime, SupportSession) == []

    # A note describing someone at risk gets the escalation guidance in the chat, refused or not, without the note.
    risky = "Said: I want to kill myself."
    await people.send_dialog(supporter, dialog, _session_inputs(yesterday, category="", note=risky))
    guidance = await eventually(
        lambda: [a for a in fake.sent_to(people.chat(supporter)) if "Please don't carry this alone" in a.text]
    )
    assert len(guidance) == 1 and "kill" not in guidance[0].text
    assert await _rows(runtime, SupportSession) == []

    # A good Send: stored as Slack's modal stores it (scrubbed note, follow-up), confirmed in the dialog and chat.
    follow_up_on = _utc_today(clock) + timedelta(days=2)
    saved = await people.send_dialog(
        supporter,
        dialog,
        _session_inputs(yesterday, follow_up_on=follow_up_on, note="Shared the EAP line, +44 7700 900123."),
    )
    assert "Session logged" in _words(saved)
    (row,) = await _rows(runtime, SupportSession)
    assert (row.supporter_id, row.session_date, row.duration_minutes) == (person_id(supporter), yesterday, 45)
    assert (row.category, row.contact_channel, row.outcome) == ("exclusion", "call", "referred_hr")
    assert row.follow_up_on == follow_up_on
    assert row.note is not None and "EAP" in row.note and "7700" not in row.note
    (follow_up,) = await _rows(runtime, SupportFollowUp)
    assert follow_up.due_on == follow_up_on
    await eventually(
        lambda: [a for a in fake.sent_to(people.chat(supporter)) if a.text.startswith("Session logged")]
    )

    # `peer-log list` shows it with Edit and Delete; Edit opens it prefilled and saves the change.
    assert await people.say(supporter, "peer-log list") == 200
    listed = await _card_with(fake, people, supporter, EDIT)
    assert _button(listed, EDIT)["data"]["s"] == row.id
    edit = await people.open_dialog(supporter, _button(listed, EDIT), message_id=listed.id)
    assert (edit["task"]["value"]["title"], _ids(edit)["duration_minutes"]["value"]) == ("Edit session", 45)
    changed = {k: str(v.get("value", "")) for k, v in _ids(edit).items()}
    updated = await people.send_dialog(supporter, edit, {**changed, "duration_minutes": "60"})
    assert "Session updated" in _words(updated)
    (row,) = await _rows(runtime, SupportSession)
    assert row.duration_minutes == 60
    assert row.follow_up_on == follow_up_on

    # `peer-log help` gives the usage with Teams' typed commands; a supporter's `help` names it too.
    assert await people.say(supporter, "peer-log help") == 200
    await eventually(
        lambda: [a for a in fake.sent_to(people.chat(supporter)) if "**peer-log training**" in a.text]
    )
    assert await people.say(supporter, "help") == 200
    await eventually(lambda: [a for a in fake.sent_to(people.chat(supporter)) if "`peer-log list`" in a.text])


async def test_anyone_else_gets_the_domains_refusal_and_nothing_is_stored(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams, clock: ManualClock
) -> None:
    runtime, fake, people = teams_runtime, teams_fake, teams_people
    other = [u.id for u in fake.tenant.people()][2]
    assert await people.install(other) == 200

    assert await people.say(other, "peer-log") == 200
    refusal = await eventually(lambda: [a for a in fake.sent_to(people.chat(other)) if a.text == REFUSAL])
    assert not refusal[0].attachments
    assert await people.say(other, "peer-log training") == 200
    await eventually(lambda: len([a for a in fake.sent_to(people.chat(other)) if a.text == REFUSAL]) == 2)

    # Their `help` does not offer what only supporters can do.
    assert await people.say(other, "help") == 200
    (usage,) = await eventually(
        lambda: [a for a in fake.sent_to(people.chat(other)) if "pulse optout" in a.text]
    )
    assert "peer-log" not in usage.text

    # A forwarded button opens nothing; a forged Send is refused under the first field, text kept.
    (button,) = submit_buttons(build_session_launcher())
    opened = await people.open_dialog(other, button)
    assert opened == {"task": {"type": "message", "value": REFUSAL}}
    typed = "Talked after the stand-up."
    inputs = _session_inputs(_utc_today(clock) - timedelta(days=1), note=typed)
    status, forged = await people.post(
        people.task_activity(other, name="task/submit", data={"action": SAVE_SESSION, **inputs})
    )
    assert status == 200
    body = forged["task"]["value"]["card"]["content"]["body"]
    at = next(i for i, item in enumerate(body) if item.get("id") == "session_date")
    assert body[at + 1]["text"] == REFUSAL
    assert _ids(forged)["note"]["value"] == typed
    assert await _rows(runtime, SupportSession) == []


async def _settle(runtime: Runtime, clock: ManualClock) -> None:
    """Wait until the outbox has sent (or skipped) everything due by the controlled clock."""

    async def due(until: datetime) -> list[datetime]:
        async with runtime.db.session() as session:
            return list(
                await session.exec(
                    select(OutboxMessage.next_attempt_at).where(
                        col(OutboxMessage.status).in_(["pending", "sending"]),
                        col(OutboxMessage.next_attempt_at) <= until,
                    )
                )
            )

    while True:
        runtime.services.outbox.wakeup.set()
        await eventually(lambda: _empty(due(clock.now())))
        # A paced send can be put back a moment; on a manual clock that moment passes only when moved.
        retries = await due(clock.now() + timedelta(minutes=1))
        if not retries:
            return
        clock.set(max(retries))


async def _empty(rows: Awaitable[list[datetime]]) -> bool:
    return not await rows


async def _statuses(runtime: Runtime, kind: str) -> list[str]:
    async with runtime.db.session() as session:
        return list(
            await session.exec(
                select(OutboxMessage.status)
                .where(OutboxMessage.kind == kind)
                .order_by(col(OutboxMessage.next_attempt_at))
            )
        )


def _cards(fake: FakeTeams, people: TeamsPeople, user: str, starts: str) -> list[SentActivity]:
    return [a for a in fake.sent_to(people.chat(user)) if a.attachments and a.text.startswith(starts)]


async def test_follow_up_reminders_reach_the_teams_chat_unless_resolved_first(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams, clock: ManualClock
) -> None:
    runtime, fake, people = teams_runtime, teams_fake, teams_people
    supporter = [u.id for u in fake.tenant.people()][1]
    assert await people.install(supporter) == 200
    today = _utc_today(clock)

    # Due tomorrow: queued at once. Deleted from the list before its morning: never sent.
    assert "Session logged" in _words(
        await _log_session(
            people,
            fake,
            supporter,
            _session_inputs(today - timedelta(days=1), follow_up_on=today + timedelta(days=1)),
        )
    )
    assert await _statuses(runtime, FOLLOW_UP_KIND) == ["pending"]
    assert await people.say(supporter, "peer-log list") == 200
    listed = await _card_with(fake, people, supporter, DELETE)
    confirm = await people.open_dialog(supporter, _button(listed, DELETE), message_id=listed.id)
    assert confirm["task"]["value"]["title"] == "Delete this session?"
    assert await people.send_dialog(supporter, confirm, {}) == {
        "task": {"type": "message", "value": "Session deleted."}
    }
    assert await _rows(runtime, SupportSession) == []
    await eventually(lambda: listed.updates == 1)
    assert "Session deleted." in _words(listed.attachments)

    # Another, due in two days: the daily job queues it and it reaches the chat as a card, once.
    due = today + timedelta(days=2)
    await _log_session(people, fake, supporter, _session_inputs(today - timedelta(days=1), follow_up_on=due))
    clock.set(datetime(due.year, due.month, due.day, tzinfo=UTC) + timedelta(days=1))
    await jobs.remind_follow_ups()
    await jobs.remind_follow_ups()
    await _settle(runtime, clock)
    assert await _statuses(runtime, FOLLOW_UP_KIND) == ["skipped", "sent"]
    (reminder,) = _cards(fake, people, supporter, "Follow-up due")
    assert f"{(today - timedelta(days=1)):%a %d %b}" in reminder.text

    # Snooze from the card: a week on, said in a message and on the card, which keeps no buttons.
    done = _button(reminder, FOLLOW_UP_DONE)
    answer = await people.open_dialog(supporter, _button(reminder, FOLLOW_UP_SNOOZE), message_id=reminder.id)
    assert answer["task"]["type"] == "message" and answer["task"]["value"].startswith("💤 Snoozed")
    (follow_up,) = await _rows(runtime, SupportFollowUp)
    zone = ZoneInfo(people.user(supporter).timezone or runtime.settings.default_timezone)
    assert follow_up.due_on == max(due, clock.now().astimezone(zone).date()) + timedelta(days=7)
    await eventually(lambda: reminder.updates == 1)
    assert "Snoozed" in _words(reminder.attachments) and submit_buttons(reminder) == []
    # Done from a copy of the card still showing its buttons (another client): the follow-up ends.
    answer = await people.open_dialog(supporter, done, message_id=reminder.id)
    assert answer["task"]["value"] == "✅ Follow-up done. Thank you for checking in."
    (follow_up,) = await _rows(runtime, SupportFollowUp)
    assert follow_up.done_at is not None


async def test_lapsed_training_reminders_reach_the_teams_chat_until_training_is_recorded(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams, clock: ManualClock
) -> None:
    runtime, fake, people = teams_runtime, teams_fake, teams_people
    supporter, other = [u.id for u in fake.tenant.people()][1:3]
    for person in (supporter, other):
        assert await people.install(person) == 200

    start = clock.now()
    # The weekly job, then two days for 10:00 on the supporter's clock to pass.
    await jobs.remind_lapsed_training()
    clock.set(start + timedelta(days=2))
    await _settle(runtime, clock)
    (reminder,) = _cards(fake, people, supporter, "🎓 You haven't recorded any peer-support training")
    assert "**peer-log training**" in _words(reminder.attachments)
    # Only supporters are reminded.
    assert _cards(fake, people, other, "🎓") == []

    # Queued again the next week, then the training is recorded from the reminder's button: not sent.
    clock.set(start + timedelta(days=7))
    await jobs.remind_lapsed_training()
    assert await _statuses(runtime, TRAINING_KIND) == ["sent", "pending"]
    dialog = await people.open_dialog(supporter, _button(reminder, OPEN_TRAINING), message_id=reminder.id)
    assert dialog["task"]["value"]["title"] == "Record a training"
    refused = await people.send_dialog(
        supporter, dialog, {"completed_on": (_utc_today(clock) - timedelta(days=1)).isoformat(), "hours": "2"}
    )
    assert "Pick a course from the list, or type the topic below." in _words(refused)
    assert await _rows(runtime, SupportTraining) == []
    course = _ids(dialog)["course"]["choices"][0]["value"]
    recorded = await people.send_dialog(
        supporter,
        dialog,
        {"course": course, "completed_on": (_utc_today(clock) - timedelta(days=1)).isoformat(), "hours": "2"},
    )
    assert "Training recorded" in _words(recorded)
    (training,) = await _rows(runtime, SupportTraining)
    assert (training.supporter_id, training.course_id, training.hours) == (person_id(supporter), course, 2.0)
    clock.set(start + timedelta(days=9))
    await _settle(runtime, clock)
    assert await _statuses(runtime, TRAINING_KIND) == ["sent", "skipped"]
    assert len(_cards(fake, people, supporter, "🎓 You haven't")) == 1
