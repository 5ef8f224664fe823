"""Each person's home per role, on either platform (Slack's App Home, Teams' typed `home`): everyone
sees their surveys, the supporters by name and the promise; only a supporter sees their own training,
sessions and the peer-log buttons; only a coordinator sees the dashboard, with a policy overdue for
review, and the Add a policy button. Nobody sees another role's part."""

from __future__ import annotations

from datetime import UTC, timedelta

from bot.policies import add_months
from handlers.shared.home_words import COORDINATOR_HEADER, SUPPORTER_HEADER
from tests.e2e.scenarios.chat import Chat, PolicyEntry, Session

# Words only a supporter's or a coordinator's home carries.
SUPPORTER_ONLY = (SUPPORTER_HEADER, "Your training", "Follow-ups due", "Your latest sessions")
COORDINATOR_ONLY = (COORDINATOR_HEADER, "Open actions", "Policy reviews due", "Last digest", "pulse send")
EVERYONE = ("Your surveys", "No pulse survey is open right now.", "Our confidentiality promise")
POLICY = "Dignity at Work policy"


async def test_employee_supporter_and_coordinator_each_see_their_parts(chat: Chat) -> None:
    employee, supporter, coordinator = chat.employees()[0], chat.supporters()[0], chat.coordinators()[0]
    today = chat.runtime.services.clock.now().astimezone(UTC).date()
    said = await chat.log_session(supporter, Session(on=today - timedelta(days=1), category="exclusion"))
    assert said.startswith("Session logged")
    overdue = add_months(chat.runtime.services.policies.today(), -14)
    await chat.add_policy(
        coordinator, PolicyEntry(POLICY, "https://intranet.example.com/dignity", 12, overdue)
    )
    named = f"Trained colleagues who listen in confidence: @{chat.name(supporter)}."

    mine = await chat.home(employee)
    assert all(w in mine.text for w in (*EVERYONE, named)), mine.text
    assert [w for w in (*SUPPORTER_ONLY, *COORDINATOR_ONLY, POLICY, "Exclusion") if w in mine.text] == []
    assert mine.buttons == []

    mine = await chat.home(supporter)
    assert all(w in mine.text for w in (*EVERYONE, named, *SUPPORTER_ONLY)), mine.text
    assert "You have no training recorded yet." in mine.text
    # Their own session is listed, not the empty state.
    assert "You haven't logged a session yet." not in mine.text and "Exclusion" in mine.text
    assert [w for w in (*COORDINATOR_ONLY, POLICY) if w in mine.text] == []
    assert mine.buttons == ["Log a session", "Record a training"]

    mine = await chat.home(coordinator)
    assert all(w in mine.text for w in (*EVERYONE, named, *COORDINATOR_ONLY)), mine.text
    assert "No pulse is open right now." in mine.text and "No open actions." in mine.text
    assert POLICY in mine.text and "overdue" in mine.text
    assert [w for w in (*SUPPORTER_ONLY, "Exclusion") if w in mine.text] == []
    # The overdue review can be marked from the home.
    assert mine.buttons == ["Mark reviewed", "Add a policy"]
