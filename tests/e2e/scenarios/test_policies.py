"""The policy register, on either platform: a coordinator adds a policy and marks it reviewed through
the forms; both are stored as the domain stores them and the coordinators' channel is told each; an
employee asking for the register gets the domain's refusal, the same words on Slack and Teams."""

from __future__ import annotations

from sqlmodel import select

from bot.policies import add_months
from storage.policy_models import Policy, PolicyReview
from tests.e2e.scenarios.chat import Chat, PolicyEntry, until, words

REFUSAL = "Only program coordinators (members of the coordinator channel) can do that."
NAME = "Dignity at Work policy"
LINK = "https://intranet.example.com/policies/dignity-at-work"


async def test_a_coordinator_adds_and_reviews_a_policy_and_the_channel_is_told(chat: Chat) -> None:
    runtime = chat.runtime
    coordinator = chat.coordinators()[0]
    today = runtime.services.policies.today()
    last = add_months(today, -14)  # overdue: reviewed 14 months ago, every 12

    await chat.add_policy(coordinator, PolicyEntry(NAME, LINK, interval_months=12, last_reviewed=last))

    async with runtime.db.session() as db:
        (policy,) = list(await db.exec(select(Policy)))
    assert (policy.name, policy.link, policy.owner_id) == (NAME, LINK, chat.person(coordinator))
    assert (policy.review_interval_months, policy.last_reviewed_on) == (12, last)

    async def told(what: str) -> bool:
        return any(what in post for post in chat.coordinators_channel())

    me = f"@{chat.name(coordinator)}"
    added = f"{me} added {NAME} to the policy register — owner {me}, reviewed every 12 months, next review"
    await until(lambda: told(added))
    assert any(added in p and "(overdue by" in p for p in chat.coordinators_channel())

    await chat.review_policy(coordinator, NAME, on=today, summary="Added the peer-support route.")

    async with runtime.db.session() as db:
        (policy,) = list(await db.exec(select(Policy)))
        (review,) = list(await db.exec(select(PolicyReview)))
    assert policy.last_reviewed_on == today
    assert (review.policy_id, review.reviewed_on, review.reviewed_by, review.summary) == (
        policy.id,
        today,
        chat.person(coordinator),
        "Added the peer-support route.",
    )
    await until(lambda: told(f"{me} marked {NAME} reviewed on"))
    assert any("Added the peer-support route. Next review due" in p for p in chat.coordinators_channel())
    # Each change told once.
    posts = chat.coordinators_channel()
    assert len([p for p in posts if f"added {NAME}" in p]) == 1
    assert len([p for p in posts if f"marked {NAME} reviewed" in p]) == 1


async def test_an_employee_is_refused_the_register_and_nothing_changes(chat: Chat) -> None:
    employee = chat.employees()[0]
    for text in ("pulse policies", "pulse policies retired"):
        assert await chat.say(employee, text) == [words(REFUSAL)], text
    async with chat.runtime.db.session() as db:
        assert list(await db.exec(select(Policy))) == []
    assert chat.coordinators_channel() == []
