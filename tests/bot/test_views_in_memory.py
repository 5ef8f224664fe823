"""The digest, "you said, we did" and the coordinators' announcements reach a platform as the domain's
view-models, not Block Kit: the in-memory platform receives them through the real outbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import SQLModel, col, select

from bot.actions import ActionService
from bot.announcements import ActionAdopted, ActionClosed, PolicyChanged, UpdateShared
from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery import Outbox
from bot.digest import DigestChart, DigestService, DigestView, queued_report
from bot.errors import NotAllowed
from bot.policies import PolicyForm, PolicyService
from bot.ports import Member
from bot.questions import load_question_bank
from bot.roles import Roles
from bot.support import SupportService
from bot.surveys import SurveyService
from bot.updates import UpdateMessage, UpdateService
from bot.viewdata import from_data, to_data
from bot.views import TYPES, read_view
from handlers.memory.adapters import MemoryDirectory, MemoryMessenger, MemoryWorld
from handlers.memory.renderers import make_memory_renderers
from storage.db import Database
from storage.models import OutboxMessage, SurveyRound

TEAM = "T0VIEWS"
COORDINATORS, SUPPORTERS = "G0COORD", "G0SUPPORT"
CORA, SAM = "U0CORACOOR", "U0SAMRIVER"
STAFF = [f"U0STAFF{i:04d}" for i in range(6)]
START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


class NoWait:
    """No rate limits in memory."""

    async def wait(self, conversation: str) -> None:
        return None

    def pause(self, seconds: float) -> None:
        return None


@dataclass
class Domain:
    db: Database
    clock: ManualClock
    world: MemoryWorld
    outbox: Outbox
    actions: ActionService
    policies: PolicyService
    updates: UpdateService
    digests: DigestService


@pytest.fixture
async def domain(database_url: str) -> AsyncIterator[Domain]:
    db = Database(database_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    clock = ManualClock(START)
    world = MemoryWorld()
    for member in (CORA, SAM, *STAFF):
        world.members[member] = Member(member, "Europe/London")
    world.channels = {COORDINATORS: {CORA}, SUPPORTERS: {SAM}}
    directory = MemoryDirectory(world)
    settings = Settings(
        peerpulse_secret="unit-peerpulse-secret-0123456789",
        coordinator_channel=COORDINATORS,
        supporters_channel=SUPPORTERS,
        database_url=database_url,
    )
    roles = Roles(directory, coordinator_channel=COORDINATORS, supporters_channel=SUPPORTERS, ttl=0.0)
    outbox = Outbox(
        db, MemoryMessenger(world), pacer=NoWait(), clock=clock, renderers=make_memory_renderers()
    )
    bank = load_question_bank()
    support = SupportService(
        db=db, settings=settings, directory=directory, roles=roles, outbox=outbox, clock=clock
    )
    actions = ActionService(db=db, settings=settings, clock=clock, bank=bank, roles=roles, outbox=outbox)
    surveys = SurveyService(
        db=db, settings=settings, directory=directory, outbox=outbox, clock=clock, bank=bank, roles=roles
    )
    policies = PolicyService(db=db, settings=settings, clock=clock, outbox=outbox, roles=roles)
    updates = UpdateService(
        db=db, settings=settings, clock=clock, outbox=outbox, surveys=surveys, actions=actions, roles=roles
    )
    digests = DigestService(
        db=db,
        settings=settings,
        clock=clock,
        bank=bank,
        roles=roles,
        support=support,
        actions=actions,
        outbox=outbox,
        policies=policies,
    )
    yield Domain(db, clock, world, outbox, actions, policies, updates, digests)
    await db.dispose()


async def _seed(d: Domain) -> None:
    """A closed round (so there is a chart), an open and a closed action, and a policy."""
    async with d.db.session() as session:
        session.add(
            SurveyRound(
                team_id=TEAM,
                schedule_key="seeded",
                question_ids=[],
                opened_at=START - timedelta(days=10),
                closes_at=START - timedelta(days=7),
                closed_at=START - timedelta(days=7),
                invited=8,
            )
        )
    construct = "psych_safety"
    due = START.date() + timedelta(days=30)
    adopt = {"team_id": TEAM, "owner_id": CORA, "by": CORA, "due_on": due, "success_measure": ""}
    await d.actions.adopt(practice_id="open", title="Open action", construct=construct, **adopt)
    closing = await d.actions.adopt(practice_id="done", title="Done action", construct=construct, **adopt)
    await d.actions.close(team_id=TEAM, action_id=closing.id, outcome_note="Ran it.", by=CORA)
    form = PolicyForm(
        name="Bullying policy",
        link="https://intranet.example.com/policy",
        owner_id=CORA,
        last_reviewed_on="2025-01-01",
    )
    await d.policies.add(team_id=TEAM, form=form, by=CORA)


async def _send_all(d: Domain) -> None:
    d.clock.advance(timedelta(seconds=1))  # the digest's parts are queued a millisecond apart
    while await d.outbox.run_once():
        pass


async def test_the_digest_reaches_the_platform_as_its_report_and_chart(domain: Domain) -> None:
    await _seed(domain)
    report = await domain.digests.post(team_id=TEAM, key="weekly:test", by=CORA)
    assert report is not None and report.chart_png
    await _send_all(domain)
    delivered = domain.world.delivered[COORDINATORS]
    views = [item.view for item in delivered if isinstance(item.view, DigestView)]
    # One message on a platform with no limits, holding the report the service built (as queued).
    assert [(v.part, v.parts, v.chart_follows) for v in views] == [(0, 1, True)]
    assert views[0].report == queued_report(report)
    assert [a.title for a in views[0].report.open_actions] == ["Open action"]
    assert [s.policy.name for s in views[0].report.policies] == ["Bullying policy"]
    files = [item.file for item in delivered if item.file is not None]
    assert len(files) == 1 and files[0].content == report.chart_png
    # The chart in words: its alt text on the file, its text equivalent in the digest's report.
    assert report.chart_alt_text and files[0].alt_text == report.chart_alt_text
    assert report.chart_text and views[0].report.chart_text == report.chart_text


async def test_the_outbox_stores_the_digest_as_plain_data_with_its_kind(domain: Domain) -> None:
    await _seed(domain)
    await domain.digests.post(team_id=TEAM, key="weekly:test", by=CORA)
    async with domain.db.session() as session:
        rows = list(
            await session.exec(
                select(OutboxMessage)
                .where(col(OutboxMessage.dedupe_key).startswith("weekly:"))
                .order_by(OutboxMessage.dedupe_key)
            )
        )
    assert [(r.kind, (r.payload or {}).get("kind")) for r in rows] == [
        ("file", DigestChart.kind),
        ("text", DigestView.kind),
    ]
    for row in rows:
        # No Block Kit, and nothing JSON (or PostgreSQL's json type) could not hold.
        text = json.dumps(row.payload, allow_nan=False)
        assert '"blocks"' not in text and '"type": "section"' not in text
        assert read_view(row.payload) is not None


async def test_an_update_reaches_each_person_as_its_view(domain: Domain) -> None:
    published = await domain.updates.publish(
        team_id=TEAM, action_id=None, text="We moved the drop-in sessions.", destination="dm", by=CORA
    )
    assert published.recipients > 0
    await _send_all(domain)
    views = [
        item.view
        for conversation, items in domain.world.delivered.items()
        if conversation.startswith("dm:")
        for item in items
    ]
    assert len(views) == published.recipients
    assert set(views) == {UpdateMessage("We moved the drop-in sessions.")}


async def test_each_change_is_announced_to_the_coordinators_by_the_domain(domain: Domain) -> None:
    await _seed(domain)
    shared = await domain.updates.share(
        team_id=TEAM, action_id=None, text="We moved the drop-in sessions.", destination="dm", by=CORA
    )
    again = await domain.updates.share(
        team_id=TEAM,
        action_id=None,
        text="We moved the drop-in sessions.",
        destination="dm",
        by=CORA,
        update_id=shared.update.id,
    )
    assert not again.new
    await _send_all(domain)
    notes = [item.view for item in domain.world.delivered[COORDINATORS] if item.view is not None]
    by_type: dict[type, list[object]] = {}
    for note in notes:
        by_type.setdefault(type(note), []).append(note)
    assert {t: len(n) for t, n in by_type.items()} == {
        ActionAdopted: 2,
        ActionClosed: 1,
        PolicyChanged: 1,
        UpdateShared: 1,
    }
    adopted = {n.action.title: n for n in by_type[ActionAdopted] if isinstance(n, ActionAdopted)}
    assert set(adopted) == {"Open action", "Done action"} and adopted["Open action"].by == CORA
    [closed], [policy], [update] = by_type[ActionClosed], by_type[PolicyChanged], by_type[UpdateShared]
    assert isinstance(closed, ActionClosed) and closed.action.status == "closed"
    assert isinstance(policy, PolicyChanged) and (policy.change, policy.status.policy.name) == (
        "added",
        "Bullying policy",
    )
    # Announced once, however often the same preview is submitted.
    assert isinstance(update, UpdateShared)
    assert (update.outcome, update.recipients, update.destination) == ("published", shared.recipients, "dm")


async def test_a_refused_change_is_not_announced(domain: Domain) -> None:
    with pytest.raises(NotAllowed):
        await domain.policies.add(team_id=TEAM, form=PolicyForm(name="Sneaky", owner_id=SAM), by=SAM)
    await _send_all(domain)
    assert domain.world.delivered.get(COORDINATORS, []) == []


def test_view_data_keeps_what_json_cannot_hold() -> None:
    value = {
        "$odd": (1, float("nan"), float("inf")),
        "day": date(2026, 1, 2),
        "at": START,
        "png": b"\x89PNG",
    }
    data = json.loads(json.dumps(to_data(value), allow_nan=False))
    back = from_data(data, TYPES)
    assert back["$odd"][0] == 1 and back["$odd"][1] != back["$odd"][1] and back["$odd"][2] == float("inf")
    assert (back["day"], back["at"], back["png"]) == (date(2026, 1, 2), START, b"\x89PNG")


def test_only_known_view_types_are_built() -> None:
    with pytest.raises(ValueError, match="unknown view type"):
        from_data({"$": "Settings", "peerpulse_secret": "x"}, TYPES)
