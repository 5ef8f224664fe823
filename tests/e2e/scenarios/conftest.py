"""The `chat` fixture: each scenario once on Slack and once on Teams, on every database the suite runs."""

from __future__ import annotations

import pytest

from handlers.slack.simulation.workspace import Workspace, build_workspace
from handlers.teams.simulation.tenant import Team, Tenant, build_tenant
from tests.e2e.scenarios.chat import Chat
from tests.e2e.scenarios.slack_chat import SlackChat
from tests.e2e.scenarios.teams_chat import TeamsChat
from tests.teams_runtime import SUPPORTERS_TEAM_ID

PLATFORMS = ("slack", "teams")
# Eight people on each platform: enough for k = 5 with a few to spare, few enough for seconds a round.
PEOPLE = 8


@pytest.fixture
def workspace() -> Workspace:
    """Eight members: one coordinator, one supporter."""
    return build_workspace(employees=PEOPLE, coordinators=1, supporters=1)


@pytest.fixture
def tenant() -> Tenant:
    """Eight members (the first a coordinator, the second a supporter) and a guest."""
    tenant = build_tenant(employees=PEOPLE, coordinators=1, guests=1)
    tenant.teams[SUPPORTERS_TEAM_ID] = Team(
        SUPPORTERS_TEAM_ID, "Peer supporters", members=[tenant.people()[1].id]
    )
    return tenant


@pytest.fixture(params=PLATFORMS)
def platform_chat(request: pytest.FixtureRequest, database_url: str) -> Chat:
    """The platform's driver over its running app; only that platform's fake and runtime are started."""
    # Named here (not looked up) so the database parametrisation applies to both platforms.
    del database_url
    if request.param == "slack":
        return SlackChat(
            request.getfixturevalue("runtime"),
            request.getfixturevalue("people"),
            request.getfixturevalue("slack"),
            request.getfixturevalue("workspace"),
        )
    return TeamsChat(
        request.getfixturevalue("teams_runtime"),
        request.getfixturevalue("teams_people"),
        request.getfixturevalue("teams_fake"),
    )


@pytest.fixture
async def chat(platform_chat: SlackChat | TeamsChat) -> Chat:
    """The platform, ready: on Teams, everyone has installed the app."""
    await platform_chat.start()
    return platform_chat
