"""Each person reads PeerPulse in their own Slack language (German shipped beside English).

End to end: the person's locale lives in the fake Slack's directory (users.info with include_locale,
as Slack gives it); the app looks it up, writes in that language, and remembers it for the hour.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot import jobs
from bot.clock import ManualClock
from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import state_select, state_text
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import BOT_USER_ID, Workspace, build_workspace
from tests.support import eventually


@pytest.fixture
def workspace() -> Workspace:
    """A small workspace; two of its employees use Slack in German."""
    ws = build_workspace(employees=8)
    staff = set(ws.coordinators()) | set(ws.supporters())
    employees = [u for u in ws.active_humans() if u.id not in staff]
    employees[0].locale = "de-DE"
    employees[1].locale = "de-AT"
    return ws


def _employees(workspace: Workspace) -> tuple[str, str, str]:
    staff = set(workspace.coordinators()) | set(workspace.supporters())
    ids = [u.id for u in workspace.active_humans() if u.id not in staff]
    return ids[0], ids[1], ids[2]


async def test_writing_to_the_bot_is_answered_in_the_writer_s_language(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    german, austrian, english = _employees(workspace)
    for user in (german, austrian, english):
        assert (await people.write_to_bot(user, "hallo?"))[0] == 200

    def reply(user: str) -> str | None:
        texts = [m.text for m in slack.dm_messages(user) if m.user == BOT_USER_ID]
        return texts[0] if texts else None

    for user in (german, austrian):
        text = await eventually(lambda user=user: reply(user))
        assert text.startswith(":wave: Hallo, danke für deine Nachricht.")
        assert "`/feedback`" in text and "Krisentelefon" in text
        # The shipped German resources name the German-speaking crisis lines.
        assert "0800 111 0 111" in text
    text = await eventually(lambda: reply(english))
    assert text.startswith(":wave: Hi, thanks for writing.") and "Hallo" not in text


async def test_the_feedback_form_and_its_field_errors_are_in_german(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    german, _, _ = _employees(workspace)
    assert (await people.command(german, "/feedback"))[0] == 200
    [opened] = await eventually(
        lambda: [v for v in slack.opened_views() if v.view.get("callback_id") == "feedback_view"]
    )
    view = opened.view
    assert view["title"]["text"] == "Anonymes Feedback"
    assert view["submit"]["text"] == "Anonym senden"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Welche Art von Feedback?", "Dein Feedback zum Peer-Support-Programm"]
    options = [o["text"]["text"] for o in view["blocks"][1]["element"]["options"]]
    assert "Ein Vorschlag für das Programm" in options
    status, body = await people.submit_view(
        german,
        callback_id="feedback_view",
        private_metadata="",
        state_values={
            "category": {"category_input": state_select(None)},
            "text": {"text_input": state_text("hi")},
        },
    )
    assert status == 200 and body["response_action"] == "errors"
    assert body["errors"] == {
        "category": "Bitte wähle aus, welche Art von Feedback das ist.",
        "text": "Bitte schreib mindestens 5 Zeichen.",
    }


async def test_a_person_s_language_is_looked_up_once_then_remembered(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    german, _, _ = _employees(workspace)
    for _n in range(3):
        assert (await people.command(german, "/feedback"))[0] == 200
    await eventually(
        lambda: len([v for v in slack.opened_views() if v.view.get("callback_id") == "feedback_view"]) == 3
    )
    lookups = [c for c in slack.calls_to("users.info") if c.args.get("user") == german]
    assert len(lookups) == 1 and lookups[0].args.get("include_locale") in ("1", "true", True, 1)


async def test_a_queued_dm_is_written_in_its_recipient_s_language_when_sent(
    runtime: Runtime, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    # The weekly training reminder goes through the outbox: rendered at send time, per recipient.
    german, english = workspace.supporters()[0], workspace.supporters()[1]
    workspace.users[german].locale = "de-DE"
    day = clock.now().astimezone(UTC).date() + timedelta(days=1)
    day += timedelta(days=(7 - day.weekday()) % 7)
    clock.set(datetime(day.year, day.month, day.day, tzinfo=UTC))
    await jobs.remind_lapsed_training()
    clock.advance(timedelta(days=2))

    def sent(user: str) -> list[str]:
        runtime.services.outbox.wakeup.set()
        return [
            str(c.args.get("text"))
            for c in slack.calls_to("chat.postMessage")
            if c.args.get("channel") == user
            and c.error is None
            and ":mortar_board:" in str(c.args.get("text"))
        ]

    [german_text] = await eventually(lambda: sent(german), timeout=20)
    [english_text] = await eventually(lambda: sent(english), timeout=20)
    assert german_text.startswith(":mortar_board: Du hast noch keine Peer-Support-Schulung eingetragen.")
    assert "`/peer-log training`" in german_text
    assert english_text.startswith(":mortar_board: You haven't recorded any peer-support training yet.")


async def test_the_pulse_dm_and_its_redraw_after_a_click_stay_in_the_recipient_s_language(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    german, _, english = _employees(workspace)
    status, _reply = await people.send_pulse(workspace.coordinators()[0])
    assert status == 200
    dm = await eventually(lambda: people.pulse_message(german))
    assert dm.text == "Pulsumfrage der Woche: ein paar Fragen mit einem Klick, anonym."
    header = dm.blocks[0]["text"]["text"]
    assert header == "Pulsumfrage der Woche · unter einer Minute"
    options = people.answer_buttons(dm)
    buttons = next(b for b in options.values() if len(b) == 5)
    assert buttons[0].label in ("Stimme überhaupt nicht zu", "Nie")
    # The button says which language the DM was drawn in: the redraw needs no lookup.
    assert json.loads(buttons[0].value)["l"] == "de"
    await people.click(german, dm, buttons[3])
    redrawn = await eventually(
        lambda: (m := people.pulse_message(german)) is not None and "1 von" in str(m.blocks) and m
    )
    assert "deine Antwort:" in str(redrawn.blocks) and "Pulsumfrage der Woche" in str(redrawn.blocks)

    english_dm = await eventually(lambda: people.pulse_message(english))
    assert english_dm.blocks[0]["text"]["text"] == "This week's pulse · under a minute"
    assert "l" not in json.loads(next(iter(people.answer_buttons(english_dm).values()))[0].value)
