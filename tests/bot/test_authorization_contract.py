"""The authorization contract: every privileged domain operation checks the role itself, no platform needed.

Each operation is called directly (no Slack) by people without the role, who are refused with
NotAllowed and leave every table as it was, and by someone with it, who succeeds. Every public
coroutine of the domain services is classified here, so a new one cannot slip in unchecked, and
platform code (handlers/) is held to the person paths: it never acts as SYSTEM.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from sqlmodel import SQLModel

from bot.actions import ActionService
from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery import Outbox
from bot.digest import DigestService
from bot.errors import NotAllowed
from bot.feedback import FeedbackService
from bot.home import HomeService
from bot.measures import numeric_constructs
from bot.policies import PolicyForm, PolicyService
from bot.ports import Member
from bot.questions import load_question_bank
from bot.roles import SYSTEM, Actor, Roles, one_request
from bot.support import SessionForm, SupportService, TrainingForm
from bot.surveys import SurveyService
from bot.updates import UpdateService, draft_text
from handlers.slack.pacing import Pacer
from storage.db import Database
from storage.digest_models import ImprovementAction
from storage.models import SurveyRound
from tests.bot.test_support import FakeDirectory, NoMessenger

TEAM = "T0CONTRACT"
COORDINATORS, SUPPORTERS = "G0COORD", "G0SUPPORT"
CORA, SAM, ANA = "U0CORACOOR", "U0SAMRIVER", "U0ANALOPEZ"  # coordinator, supporter, employee
PEOPLE = {"coordinator": CORA, "supporter": SAM, "employee": ANA}
START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]

# The domain services and the name each has on bot.services.Services.
SERVICES: dict[str, type] = {
    "actions": ActionService,
    "policies": PolicyService,
    "updates": UpdateService,
    "digests": DigestService,
    "surveys": SurveyService,
    "support": SupportService,
    "feedback": FeedbackService,
    "home": HomeService,
}

# Run by the process, never by a platform: scheduled jobs, the operator's CLI, the fan-out.
SYSTEM_ONLY = {
    "policies.plan_reminders",
    "actions.settle_after_measures",  # fills in a measure the rounds already decided; no one's choice
    "digests.post_weekly",
    "surveys.audience",  # who gets pulses: it leaves out whoever opted out
    "surveys.open_round",
    "surveys.open_scheduled_round",
    "surveys.close_round",
    "surveys.close_due_rounds",
    "surveys.rewrite_late_deliveries",
    "support.plan_follow_up_reminders",
    "support.plan_training_reminders",
}
# Asked by the outbox's renderers at send time, whether a queued message still has something to say.
SEND_TIME = {
    "policies.reminder",
    "support.follow_up_reminder",
    "support.training_reminder",
    "surveys.get_round",
}
# Anyone's: their own state, what every employee is shown, or anonymous by design.
OPEN = {
    "feedback.submit",  # the anonymous suggestion box
    "surveys.record_answer",  # the ballot's tag binds it to the person it was sent to
    "surveys.set_opt_out",
    "surveys.is_opted_out",
    "surveys.has_answered",
    "surveys.current_round",  # whether a pulse is open: told to everyone
    "surveys.latest_round",
    "updates.latest",  # "since last time" in every pulse DM
    "updates.since_last_time",
    "support.supporters",  # App Home lists the supporters for everyone
    "support.member_names",  # names to scrub from free text
    "support.warm_directory",
    "support.today_for",
}
# Anyone's, shaped by who asks (`by`): what each role adds is fetched through its guarded operation.
PER_VIEWER = {
    "home.build",  # App Home: tests/bot/test_home.py holds each role to what it may see
}


@dataclass
class World:
    """The domain services over a real database, the directory faked at the port, and what they act on."""

    db: Database
    clock: ManualClock
    actions: ActionService
    policies: PolicyService
    updates: UpdateService
    digests: DigestService
    surveys: SurveyService
    support: SupportService
    construct: str = ""
    open_action: str = ""
    closed: ImprovementAction | None = None
    policy: str = ""
    round: SurveyRound | None = None
    session: str = ""
    update: str = ""

    @property
    def closed_id(self) -> str:
        assert self.closed is not None
        return self.closed.id

    @property
    def round_id(self) -> str:
        assert self.round is not None
        return self.round.id

    @property
    def draft(self) -> str:
        assert self.closed is not None
        return draft_text(self.closed)


Call = Callable[[World, Any], Awaitable[object]]


@dataclass(frozen=True)
class Case:
    """One privileged operation: whose it is and how to call it with `who` acting."""

    name: str  # "<service>.<method>"
    role: Literal["coordinator", "supporter"]
    call: Call
    writes: bool = False
    prepare: Callable[[World], Awaitable[object]] | None = None


def _session_form(world: World, **changes: str) -> SessionForm:
    today = world.clock.now().date()
    values: dict[str, Any] = {
        "session_date": today.isoformat(),
        "duration_minutes": "30",
        "category": "verbal_abuse",
        "contact_channel": "chat",
        "outcome": "listened",
        "follow_up": True,
        "follow_up_on": (today + timedelta(days=5)).isoformat(),
    }
    return SessionForm(**(values | changes))


def _policy_form(name: str) -> PolicyForm:
    return PolicyForm(name=name, link="https://intranet.example.com/policy", owner_id=CORA)


async def _close_the_open_round(world: World) -> None:
    assert world.round is not None
    await world.surveys.close_round(world.round.id)


async def _retire_the_policy(world: World) -> None:
    await world.policies.retire(team_id=TEAM, policy_id=world.policy, reason="Replaced.", by=CORA)


# fmt: off
CASES = [
    # Improvement actions.
    Case("actions.adopt", "coordinator", lambda w, by: w.actions.adopt(
        team_id=TEAM, practice_id="contract", title="Adopted", owner_id=CORA, by=by,
        due_on=w.clock.now().date() + timedelta(days=14), construct=w.construct, success_measure="",
    ), writes=True),
    Case("actions.update", "coordinator", lambda w, by: w.actions.update(
        team_id=TEAM, action_id=w.open_action, progress_note="Halfway", due_on=None, by=by,
    ), writes=True),
    Case("actions.close", "coordinator", lambda w, by: w.actions.close(
        team_id=TEAM, action_id=w.open_action, outcome_note="Done", by=by,
    ), writes=True),
    Case("actions.get", "coordinator", lambda w, by: w.actions.get(team_id=TEAM, action_id=w.open_action, by=by)),
    Case("actions.open_actions", "coordinator", lambda w, by: w.actions.open_actions(team_id=TEAM, by=by)),
    Case("actions.closed_actions", "coordinator", lambda w, by: w.actions.closed_actions(team_id=TEAM, by=by)),
    Case("actions.verdict", "coordinator", lambda w, by: w.actions.verdict(w.closed, by=by)),
    Case("actions.reopen", "coordinator", lambda w, by: w.actions.reopen(
        team_id=TEAM, action_id=w.closed_id, by=by,
    ), writes=True),
    Case("actions.delete", "coordinator", lambda w, by: w.actions.delete(
        team_id=TEAM, action_id=w.open_action, reason="Duplicate", by=by,
    ), writes=True),
    Case("actions.history", "coordinator", lambda w, by: w.actions.history(
        team_id=TEAM, action_id=w.open_action, by=by,
    )),
    Case("actions.page", "coordinator", lambda w, by: w.actions.page(team_id=TEAM, by=by, status="closed")),
    # The policy register.
    Case("policies.add", "coordinator", lambda w, by: w.policies.add(
        team_id=TEAM, form=_policy_form("Added policy"), by=by,
    ), writes=True),
    Case("policies.edit", "coordinator", lambda w, by: w.policies.edit(
        team_id=TEAM, policy_id=w.policy, form=_policy_form("Renamed policy"), by=by,
    ), writes=True),
    Case("policies.mark_reviewed", "coordinator", lambda w, by: w.policies.mark_reviewed(
        team_id=TEAM, policy_id=w.policy, reviewed_on=w.policies.today().isoformat(), summary="No change.", by=by,
    ), writes=True),
    Case("policies.get", "coordinator", lambda w, by: w.policies.get(team_id=TEAM, policy_id=w.policy, by=by)),
    Case("policies.register", "coordinator", lambda w, by: w.policies.register(team_id=TEAM, by=by)),
    Case("policies.with_history", "coordinator", lambda w, by: w.policies.with_history(
        team_id=TEAM, policy_id=w.policy, by=by,
    )),
    Case("policies.retire", "coordinator", lambda w, by: w.policies.retire(
        team_id=TEAM, policy_id=w.policy, reason="Replaced by the 2027 policy.", by=by,
    ), writes=True),
    Case("policies.unretire", "coordinator", lambda w, by: w.policies.unretire(
        team_id=TEAM, policy_id=w.policy, by=by,
    ), writes=True, prepare=_retire_the_policy),
    # "You said, we did".
    Case("updates.draft", "coordinator", lambda w, by: w.updates.draft(team_id=TEAM, action_id=w.closed_id, by=by)),
    Case("updates.check", "coordinator", lambda w, by: w.updates.check(
        team_id=TEAM, text="We ran the retro in every team.", allowed_figures=[], by=by,
    )),
    Case("updates.validate", "coordinator", lambda w, by: w.updates.validate(
        team_id=TEAM, action_id=w.closed_id, text=w.draft, destination="dm", by=by,
    )),
    Case("updates.publish", "coordinator", lambda w, by: w.updates.publish(
        team_id=TEAM, action_id=w.closed_id, text=w.draft, destination="dm", by=by,
    ), writes=True),
    Case("updates.share", "coordinator", lambda w, by: w.updates.share(
        team_id=TEAM, action_id=w.closed_id, text=w.draft, destination="dm", by=by,
    ), writes=True),
    Case("updates.delivery", "coordinator", lambda w, by: w.updates.delivery(w.update, by=by, within=0.0)),
    Case("updates.withdraw", "coordinator", lambda w, by: w.updates.withdraw(w.update, by=by), writes=True),
    # The digest and the pulse.
    Case("digests.build", "coordinator", lambda w, by: w.digests.build(team_id=TEAM, by=by, with_chart=False)),
    Case("digests.post", "coordinator", lambda w, by: w.digests.post(team_id=TEAM, key="manual:contract", by=by),
         writes=True),
    Case("surveys.preview_round", "coordinator", lambda w, by: w.surveys.preview_round(team_id=TEAM, by=by),
         prepare=_close_the_open_round),
    Case("surveys.send_now", "coordinator", lambda w, by: w.surveys.send_now(team_id=TEAM, by=by, token="t0ken"),
         writes=True, prepare=_close_the_open_round),
    Case("surveys.close_check", "coordinator", lambda w, by: w.surveys.close_check(team_id=TEAM, by=by)),
    Case("surveys.close_now", "coordinator", lambda w, by: w.surveys.close_now(
        team_id=TEAM, round_id=w.round_id, by=by,
    ), writes=True),
    Case("surveys.cancel_round", "coordinator", lambda w, by: w.surveys.cancel_round(
        team_id=TEAM, round_id=w.round_id, by=by,
    ), writes=True),
    Case("surveys.status", "coordinator", lambda w, by: w.surveys.status(w.round, by=by)),
    Case("surveys.latest_status", "coordinator", lambda w, by: w.surveys.latest_status(team_id=TEAM, by=by)),
    Case("surveys.schedules", "coordinator", lambda w, by: w.surveys.schedules(by=by)),
    Case("surveys.question_bank", "coordinator", lambda w, by: w.surveys.question_bank(by=by)),
    # Peer support: coordinators' aggregates, and each supporter's own records.
    Case("support.supporters_overview", "coordinator", lambda w, by: w.support.supporters_overview(
        team_id=TEAM, by=by,
    )),
    Case("support.released_activity", "coordinator", lambda w, by: w.support.released_activity(
        team_id=TEAM, by=by,
    )),
    Case("support.log_session", "supporter", lambda w, who: w.support.log_session(
        team_id=TEAM, supporter_id=who, form=_session_form(w),
    ), writes=True),
    Case("support.edit_session", "supporter", lambda w, who: w.support.edit_session(
        supporter_id=who, session_id=w.session, form=_session_form(w, duration_minutes="45"),
    ), writes=True),
    Case("support.session_for_edit", "supporter", lambda w, who: w.support.session_for_edit(
        supporter_id=who, session_id=w.session,
    )),
    Case("support.delete_session", "supporter", lambda w, who: w.support.delete_session(
        supporter_id=who, session_id=w.session,
    ), writes=True),
    Case("support.recent_sessions", "supporter", lambda w, who: w.support.recent_sessions(supporter_id=who)),
    Case("support.record_training", "supporter", lambda w, who: w.support.record_training(
        team_id=TEAM, supporter_id=who,
        form=TrainingForm(topic="Listening skills", completed_on=w.clock.now().date().isoformat(), hours="1.5"),
    ), writes=True),
    Case("support.follow_ups_due", "supporter", lambda w, who: w.support.follow_ups_due(supporter_id=who)),
    Case("support.training_status", "supporter", lambda w, who: w.support.training_status(supporter_id=who)),
    Case("support.complete_follow_up", "supporter", lambda w, who: w.support.complete_follow_up(
        supporter_id=who, session_id=w.session,
    ), writes=True),
    Case("support.snooze_follow_up", "supporter", lambda w, who: w.support.snooze_follow_up(
        supporter_id=who, session_id=w.session,
    ), writes=True),
]
# fmt: on
GUARDED = {case.name: case for case in CASES}
# Who acts, by the operation's role: coordinators' operations name them `by`; a supporter acts on their own.
ACTOR_PARAMETER = {"coordinator": "by", "supporter": "supporter_id"}


def _public_coroutines() -> dict[str, Callable[..., Any]]:
    return {
        f"{attr}.{name}": function
        for attr, cls in SERVICES.items()
        for name, function in inspect.getmembers(cls, inspect.iscoroutinefunction)
        if not name.startswith("_")
    }


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    db = Database(database_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    clock = ManualClock(START)
    directory = FakeDirectory(
        members=[
            Member(CORA, "America/New_York", "Cora Bell", "cora"),
            Member(SAM, "Europe/London", "Sam Rivers", "sam.r"),
            Member(ANA, "Europe/Madrid", "Ana López", "ana.lopez"),
            *(Member(f"U0STAFF{i:04d}", "UTC") for i in range(6)),
        ],
        channels={COORDINATORS: {CORA}, SUPPORTERS: {SAM}},
    )
    settings = Settings(
        peerpulse_secret="unit-peerpulse-secret-0123456789",
        coordinator_channel=COORDINATORS,
        supporters_channel=SUPPORTERS,
        database_url=database_url,
    )
    # The same wiring as bot.runtime.build_services, with the directory and messenger faked at the port.
    roles = Roles(directory, coordinator_channel=COORDINATORS, supporters_channel=SUPPORTERS, ttl=0.0)
    outbox = Outbox(db, NoMessenger(), pacer=Pacer(100.0), clock=clock, renderers={})
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
    w = World(db, clock, actions, policies, updates, digests, surveys, support)

    # What the operations act on, made through the same operations by the people allowed to.
    w.construct = numeric_constructs(bank)[0]
    due = clock.now().date() + timedelta(days=30)
    adopt = {"team_id": TEAM, "owner_id": CORA, "by": CORA, "due_on": due, "success_measure": ""}
    opened = await actions.adopt(practice_id="open", title="Open action", construct=w.construct, **adopt)
    w.open_action = opened.id
    to_close = await actions.adopt(
        practice_id="closed", title="Closed action", construct=w.construct, **adopt
    )
    w.closed = await actions.close(team_id=TEAM, action_id=to_close.id, outcome_note="Ran it.", by=CORA)
    w.policy = (await policies.add(team_id=TEAM, form=_policy_form("Bullying policy"), by=CORA)).policy.id
    w.round = await surveys.open_round(team_id=TEAM, schedule_key="contract", local_date=None, at=None)
    w.session = (await support.log_session(team_id=TEAM, supporter_id=SAM, form=_session_form(w))).session.id
    published = await updates.publish(
        team_id=TEAM, action_id=w.closed_id, text=w.draft, destination="dm", by=CORA
    )
    w.update = published.update.id
    yield w
    await db.dispose()


async def _tables(db: Database) -> dict[str, list[str]]:
    """Every row of every table, as text."""
    found: dict[str, list[str]] = {}
    async with db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await connection.execute(table.select())).all()
            found[table.name] = sorted(repr(tuple(row)) for row in rows)
    return found


def test_every_public_operation_of_the_domain_is_classified() -> None:
    found = _public_coroutines()
    groups = [set(GUARDED), SYSTEM_ONLY, SEND_TIME, OPEN, PER_VIEWER]
    classified = set().union(*groups)
    assert sum(len(g) for g in groups) == len(classified), "an operation is in two groups"
    assert not set(found) - classified, (
        f"classify these (and guard them if privileged): {set(found) - classified}"
    )
    assert not classified - set(found), f"these are no longer public coroutines: {classified - set(found)}"


def test_whoever_acts_is_named_by_exactly_the_guarded_operations() -> None:
    for name, function in _public_coroutines().items():
        parameters = inspect.signature(function).parameters
        if "by" in parameters:
            assert name in GUARDED or name in PER_VIEWER, f"{name} takes `by` but is not in CASES"
        if name in GUARDED:
            assert ACTOR_PARAMETER[GUARDED[name].role] in parameters, name


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
async def test_a_person_without_the_role_is_refused_and_nothing_is_written(world: World, case: Case) -> None:
    if case.prepare is not None:
        await case.prepare(world)
    before = await _tables(world.db)
    for role, person in PEOPLE.items():
        if role == case.role:
            continue
        with pytest.raises(NotAllowed):
            await case.call(world, person)
        assert await _tables(world.db) == before, f"{case.name} by {role} wrote something"
    for nobody in ("", "U0NOTAMEMBER"):
        with pytest.raises(NotAllowed):
            await case.call(world, nobody)
    assert await _tables(world.db) == before

    await case.call(world, PEOPLE[case.role])
    if case.writes:
        assert await _tables(world.db) != before, f"{case.name} by a {case.role} wrote nothing"


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if _public_coroutines()[c.name].__annotations__[ACTOR_PARAMETER[c.role]] == "str"],
    ids=lambda case: case.name,
)
async def test_a_person_only_operation_refuses_the_system(world: World, case: Case) -> None:
    """What only a person can do (adopt, publish, send now, log a session…) refuses SYSTEM as well."""
    if case.prepare is not None:
        await case.prepare(world)
    before = await _tables(world.db)
    with pytest.raises(NotAllowed):
        await case.call(world, SYSTEM)
    assert await _tables(world.db) == before


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if _public_coroutines()[c.name].__annotations__.get("by") == "Actor"],
    ids=lambda case: case.name,
)
async def test_the_system_may_read_and_post_for_the_digest_and_the_cli(world: World, case: Case) -> None:
    actor: Actor = SYSTEM
    await case.call(world, actor)


def _platform_code() -> list[Path]:
    """Every module a platform serves requests with; its demo and simulated world play the process
    and the people (closing rounds as the scheduler would), so they are not held to this."""
    return [
        path
        for path in sorted((ROOT / "handlers").rglob("*.py"))
        if "simulation" not in path.parts and path.name != "demo.py"
    ]


def _platform_calls() -> list[tuple[str, str, str]]:
    """(file, "<service>.<method>", name used) for each domain operation platform code reaches for."""
    found = []
    for path in _platform_code():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr in SERVICES
            ):
                found.append((str(path.relative_to(ROOT)), f"{node.value.attr}.{node.attr}", node.attr))
    return found


def test_platform_code_never_acts_as_the_system() -> None:
    for path in _platform_code():
        tree = ast.parse(path.read_text(), filename=str(path))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        assert not names & {"SYSTEM", "System"}, f"{path.relative_to(ROOT)} acts as the system"
    calls = _platform_calls()
    assert calls, "no domain call found in handlers/: the scan is broken"
    for file, name, _ in calls:
        assert name not in SYSTEM_ONLY, f"{file} calls {name}, which only the process runs"
        if name in SEND_TIME:
            assert file.endswith("renderers.py"), f"{file} calls {name}, which only renderers use"


@dataclass
class CountingDirectory(FakeDirectory):
    """Counts the live reads of role channels."""

    reads: int = 0

    async def channel_members(self, channel_id: str) -> set[str]:
        self.reads += 1
        return await super().channel_members(channel_id)


async def test_a_request_reads_a_role_live_once_and_the_next_request_reads_it_again() -> None:
    directory = CountingDirectory(members=[], channels={COORDINATORS: {CORA}, SUPPORTERS: {SAM}})
    roles = Roles(directory, coordinator_channel=COORDINATORS, supporters_channel=SUPPORTERS)
    with one_request():
        await roles.require_coordinator(CORA)  # a listener's early check
        await roles.require_coordinator(CORA)  # the domain's own
    assert directory.reads == 1
    directory.channels[COORDINATORS] = set()  # removed between two requests
    with one_request(), pytest.raises(NotAllowed):
        await roles.require_coordinator(CORA)
    assert directory.reads == 2
    # Outside any request (a job, a test), every check reads live.
    with pytest.raises(NotAllowed):
        await roles.require_coordinator(CORA)
    assert directory.reads == 3
