"""A fake Teams tenant on a real local server, for the Teams adapter's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from handlers.teams.simulation.connector import FakeTeams
from handlers.teams.simulation.tenant import build_tenant


@pytest.fixture
def fake_teams() -> Iterator[FakeTeams]:
    """A fresh fake per test (its limits on), so one test's sends never count against another's."""
    with FakeTeams(build_tenant()) as fake:
        yield fake
