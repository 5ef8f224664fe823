"""A fake Teams tenant on a real local server, for the Teams adapter's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from handlers.teams.simulation.connector import FakeTeams
from handlers.teams.simulation.tenant import build_tenant

# A running PeerPulse with PLATFORM=teams, for the listeners' tests.
from tests.teams_runtime import teams_fake, teams_people, teams_runtime, teams_settings, tenant  # noqa: F401


@pytest.fixture
def fake_teams() -> Iterator[FakeTeams]:
    """A fresh fake per test (its limits on), so one test's sends never count against another's."""
    with FakeTeams(build_tenant()) as fake:
        yield fake
