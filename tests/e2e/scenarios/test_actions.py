"""Improvement actions, on either platform: an overdue policy review makes the digest suggest a
practice; a coordinator adopts it from the digest's own button, `pulse actions` lists it, and closing
it from that list stores the outcome and tells the coordinators' channel. Then "you said, we did": the
closed action's update is published as direct messages and reaches every employee, once. An employee
asking for the actions gets the domain's refusal."""

from __future__ import annotations

from sqlmodel import select

from bot.measures import label_of, numeric_constructs
from bot.policies import add_months
from storage.digest_models import ImprovementAction, ImprovementActionEvent
from storage.policy_models import PublishedUpdate
from tests.e2e.scenarios.chat import SHARED, Chat, PolicyEntry, until, words

REFUSAL = "Only program coordinators (members of the coordinator channel) can do that."
TITLE = "Review the dignity policy with the supporters"
NOTE = "Reviewed it together and added the peer-support route."
UPDATE = "You told us the dignity policy was out of date, so we reviewed it with the peer supporters."


async def _adopted_and_closed(chat: Chat) -> tuple[str, str]:
    """The coordinator adopts the digest's first suggestion, sees it listed, and closes it."""
    runtime = chat.runtime
    services = runtime.services
    coordinator = chat.coordinators()[0]
    # An overdue review is enough for the playbook to suggest a practice in a workspace this small (a
    # supporter with no training recorded is another).
    overdue = add_months(services.policies.today(), -14)
    entry = PolicyEntry("Dignity at Work policy", "https://intranet.example.com/dignity", 12, overdue)
    await chat.add_policy(coordinator, entry)
    measure = numeric_constructs(services.surveys.bank)[0]

    await chat.adopt_suggestion(coordinator, title=TITLE, measure=measure)

    async with runtime.db.session() as db:
        (action,) = list(await db.exec(select(ImprovementAction)))
    assert (action.title, action.construct_id, action.status) == (TITLE, measure, "open")
    assert (action.owner_id, action.adopted_by) == (chat.person(coordinator), chat.person(coordinator))
    assert action.due_on is not None and action.practice_id
    me = f"@{chat.name(coordinator)}"

    async def told(what: str) -> bool:
        return any(what in post for post in chat.coordinators_channel())

    await until(lambda: told(f"{me} adopted {TITLE}"))

    listed = " ".join(await chat.say(coordinator, "pulse actions"))
    assert "Open improvement actions — 1–1 of 1 (soonest due first)" in listed, listed
    assert TITLE in listed and label_of(measure) in listed

    await chat.close_action(coordinator, TITLE, note=NOTE)

    async with runtime.db.session() as db:
        (action,) = list(await db.exec(select(ImprovementAction)))
        events = [e.kind for e in await db.exec(select(ImprovementActionEvent))]
    assert (action.status, action.outcome_note) == ("closed", NOTE)
    assert action.closed_at is not None
    assert events == ["adopted", "closed"]
    await until(lambda: told(f"Closed {TITLE}."))
    (closed,) = [p for p in chat.coordinators_channel() if f"Closed {TITLE}." in p]
    assert "before not measurable → after from the next pulse round to close" in closed, closed
    assert NOTE in closed
    assert TITLE not in " ".join(await chat.say(coordinator, "pulse actions"))
    return coordinator, action.id


async def test_a_coordinator_adopts_from_the_digest_lists_and_closes_the_action(chat: Chat) -> None:
    await _adopted_and_closed(chat)


async def test_you_said_we_did_reaches_every_employee_once(chat: Chat) -> None:
    coordinator, action_id = await _adopted_and_closed(chat)

    await chat.publish_update(coordinator, TITLE, text=UPDATE)

    async with chat.runtime.db.session() as db:
        (published,) = list(await db.exec(select(PublishedUpdate)))
    assert (published.action_id, published.text) == (action_id, UPDATE)
    for user in chat.audience():
        got = [r for r in chat.replies_to(user) if UPDATE in r]
        assert len(got) == 1, (user, got)
        assert "You said, we did" in got[0]
    # The coordinators' channel was told once.
    assert len([p for p in chat.coordinators_channel() if SHARED in p]) == 1


async def test_an_employee_is_refused_the_actions(chat: Chat) -> None:
    employee = chat.employees()[0]
    for text in ("pulse actions", "pulse actions closed"):
        assert await chat.say(employee, text) == [words(REFUSAL)], text
