"""App Home's view-model, no platform: each role's part goes to that role only, built from the
guarded operations, and a person who just left a role gets the employee part and nothing more."""

from __future__ import annotations

import pytest

from bot.ballots import Ballots
from bot.errors import NotAllowed
from bot.home import HomeService
from bot.roles import SYSTEM, Actor
from tests.bot.test_authorization_contract import ANA, CORA, SAM, TEAM, World, _session_form, world

__all__ = ["world"]  # the contract's world: the domain services over a real database


def _home(w: World) -> HomeService:
    return HomeService(
        db=w.db,
        settings=w.surveys.settings,
        roles=w.surveys.roles,
        surveys=w.surveys,
        ballots=Ballots(surveys=w.surveys, updates=w.updates, secret="unit", clock=w.clock),
        support=w.support,
        actions=w.actions,
        policies=w.policies,
    )


async def test_each_role_sees_its_part_and_only_its_own_records(world: World) -> None:
    home = _home(world)
    employee = await home.build(team_id=TEAM, by=ANA)
    supporter = await home.build(team_id=TEAM, by=SAM)
    coordinator = await home.build(team_id=TEAM, by=CORA)

    assert employee.supporter is None and employee.coordinator is None
    assert employee.employee.pulse is not None  # the contract's world has a round open
    assert employee.employee.supporters == (SAM,)
    assert employee.employee.promise.min_group_size == world.surveys.settings.min_group_size
    assert employee.employee.promise.retention_days == world.surveys.settings.retention_days

    assert supporter.coordinator is None and supporter.supporter is not None
    assert [s.id for s in supporter.supporter.recent] == [world.session]
    assert [s.id for s in supporter.supporter.follow_ups_due] == [world.session]

    assert coordinator.supporter is None and coordinator.coordinator is not None
    dashboard = coordinator.coordinator
    assert [a.id for a in dashboard.open_actions] == [world.open_action]
    assert dashboard.participation is not None
    # Nobody answered: told as "fewer than k", never the count.
    assert dashboard.participation.answered.shown == "fewer"
    assert dashboard.participation.answered.count == world.surveys.settings.min_group_size


async def test_a_supporter_never_sees_another_supporters_sessions(world: World) -> None:
    directory = world.support.directory
    directory.channels["G0SUPPORT"] = {SAM, ANA}  # type: ignore[attr-defined]
    mine = await world.support.log_session(team_id=TEAM, supporter_id=ANA, form=_session_form(world))
    home = _home(world)
    sam = await home.build(team_id=TEAM, by=SAM)
    ana = await home.build(team_id=TEAM, by=ANA)
    assert sam.supporter is not None and ana.supporter is not None
    assert mine.session.id not in {s.id for s in sam.supporter.recent + sam.supporter.follow_ups_due}
    assert [s.id for s in ana.supporter.recent] == [mine.session.id]


async def test_a_person_removed_from_a_role_gets_only_the_employee_part(world: World) -> None:
    roles = world.surveys.roles
    roles.ttl = 3600.0
    assert await roles.is_coordinator(CORA)  # the display cache says "coordinator" from here on
    roles.directory.channels["G0COORD"] = set()  # type: ignore[attr-defined]
    # The guarded reads check live and refuse: no dashboard, no error.
    view = await _home(world).build(team_id=TEAM, by=CORA)
    assert view.coordinator is None and view.employee is not None


@pytest.mark.parametrize("nobody", ["", SYSTEM])
async def test_a_home_belongs_to_a_person(world: World, nobody: Actor) -> None:
    with pytest.raises(NotAllowed):
        await _home(world).build(team_id=TEAM, by=nobody)  # type: ignore[arg-type]
