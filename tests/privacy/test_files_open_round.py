"""While a round is open: what a DB owner (files, system columns, the secret) can and cannot learn."""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.privacy import respondent_key
from bot.roles import SYSTEM
from bot.runtime import Runtime
from bot.surveys import delivery_waves
from handlers.slack.blocks.pulse import pulse_permalink
from handlers.slack.simulation.people import People
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import Workspace, build_workspace
from storage.models import RoundParticipation, SurveyAnswer
from tests.conftest import PEERPULSE_SECRET
from tests.privacy.rounds import answer, open_round, outbox_of, pg_query, rows
from tests.support import eventually


@pytest.fixture
def workspace() -> Workspace:
    """Fourteen employees: enough for two batches of participation keys and some silence."""
    return build_workspace(employees=14)


async def test_an_answer_is_dated_by_its_round_whatever_day_it_is_clicked(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    round_ = await open_round(runtime, people, workspace)
    users = [u.id for u in workspace.active_humans()]
    await answer(people, slack, round_, users[:3], comment_every=2)
    # The next day (in UTC) is when someone far east or west would answer the same DM.
    clock.advance(timedelta(days=1, hours=3))
    await answer(people, slack, round_, users[3:6], comment_every=2)

    dates = {a.answered_on for a in await rows(runtime, SurveyAnswer)}
    assert dates == {round_.opened_at.date()}
    assert round_.opened_at.date() != clock.now().date()


async def test_participation_never_shares_a_transaction_with_answers_and_comes_in_groups_of_k(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, database_url: str
) -> None:
    k = runtime.settings.min_group_size
    round_ = await open_round(runtime, people, workspace)
    users = [u.id for u in workspace.active_humans()][: 2 * k + 2]
    # People answer in concurrent waves, so group commit puts several people in one transaction.
    for start in range(0, len(users), 3):
        await asyncio.gather(
            *(answer(people, slack, round_, [u], comment_every=2) for u in users[start : start + 3])
        )
    keys = {r.key for r in await rows(runtime, RoundParticipation)}
    expected = {
        respondent_key(PEERPULSE_SECRET, team_id=workspace.team_id, user_id=u, round_id=round_.id)
        for u in users
    }
    assert keys <= expected and len(keys) >= k
    waiting = {key for key in expected if runtime.services.surveys.answers.has_pending(key)}
    assert keys | waiting == expected
    # The count shown to coordinators comes from distinct ballots, so it is exact meanwhile.
    status = await runtime.services.surveys.status(round_, by=SYSTEM)
    assert status.answered == len(users)
    if database_url.startswith("sqlite"):
        return
    # The secret holder recomputes every key; xmin must not tie a key to an answer transaction.
    answer_txns = {x for (x,) in pg_query(database_url, "SELECT xmin::text FROM survey_answer")}
    batches: dict[str, int] = defaultdict(int)
    for (xmin,) in pg_query(database_url, "SELECT xmin::text FROM round_participation"):
        batches[xmin] += 1
    assert not set(batches) & answer_txns
    assert all(size >= k for size in batches.values()), batches
    assert len(answer_txns) > 1, "the probe saw a single answer transaction"


async def test_a_reminder_row_is_gone_once_sent_or_skipped(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock
) -> None:
    round_ = await open_round(runtime, people, workspace)
    users = [u.id for u in workspace.active_humans()]
    await answer(people, slack, round_, users[:6], comment_every=99)
    assert {r.status for r in await outbox_of(runtime, round_.id) if r.kind == "pulse_reminder"} == {
        "pending"
    }

    clock.advance(timedelta(days=runtime.settings.pulse_window_days) - timedelta(hours=12))
    runtime.services.outbox.wakeup.set()
    await eventually(
        lambda: all(any("reminder" in m.text for m in slack.dm_messages(u)) for u in users), timeout=30
    )

    async def reminders_left() -> bool:
        return not [r for r in await outbox_of(runtime, round_.id) if r.kind == "pulse_reminder"]

    for _ in range(100):
        if await reminders_left():
            break
        await asyncio.sleep(0.1)
    # Sent to all alike (answered or not), and then no row says anything about anyone.
    assert await reminders_left()
    # Each links to the person's own pulse DM, a place fixed when it was sent (before anyone answered);
    # past that link, the same words for everyone.
    own = {u: _own_pulse_link(people, workspace, u) for u in users}
    reminders = {u: [m.text for m in slack.dm_messages(u) if "reminder" in m.text] for u in users}
    assert all(len(texts) == 1 and own[u] in texts[0] for u, texts in reminders.items())
    texts = {t.replace(own[u], "<own pulse DM>") for u, found in reminders.items() for t in found}
    assert len(texts) == 1
    assert "<<own pulse DM>|Here's your pulse>" in texts.pop()
    assert {r.kind for r in await outbox_of(runtime, round_.id)} == {"pulse"}


def test_delivery_waves_never_leave_fewer_than_k_people_at_one_send_time() -> None:
    start = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)  # 10:00 in Auckland
    rng = random.Random(11)
    for _ in range(300):
        k = rng.randint(2, 8)
        hours = rng.sample(range(26), rng.randint(1, 12))
        times = {f"U{n:04d}": start + timedelta(hours=rng.choice(hours)) for n in range(rng.randint(1, 60))}
        waves = delivery_waves(times, k=k)
        assert waves.keys() == times.keys()
        assert all(waves[p] >= times[p] for p in times), "a DM would come before the person's 10:00"
        assert set(waves.values()) <= set(times.values())
        sizes = Counter(waves.values())
        assert len(times) < k or min(sizes.values()) >= k, (k, sizes)
    # The one person in Auckland waits for the next zone rather than answering alone, hours early.
    alone = {"auckland": start, **{f"sydney{i}": start + timedelta(hours=2) for i in range(4)}}
    assert set(delivery_waves(alone, k=5).values()) == {start + timedelta(hours=2)}


def _own_pulse_link(people: People, workspace: Workspace, user_id: str) -> str:
    """The link to the user's pulse DM, as Slack's chat.getPermalink would give it."""
    pulse = people.pulse_message(user_id)
    assert pulse is not None
    return pulse_permalink(f"https://{workspace.domain}.slack.com/", channel=pulse.channel, ts=pulse.ts)
