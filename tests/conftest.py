"""Shared fixtures: a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
the fake Slack Web API server, and a running PeerPulse app driven by signed requests."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.clock import ManualClock
from bot.config import Settings
from bot.runtime import Runtime
from handlers.slack.platform import SlackPlatform
from handlers.slack.settings import SlackSettings
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import SlackSender
from handlers.slack.simulation.slack_api import DEFAULT_TOKEN, FakeSlack
from handlers.slack.simulation.workspace import (
    COORDINATOR_CHANNEL_ID,
    SUPPORTERS_CHANNEL_ID,
    Workspace,
    build_workspace,
)

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
PEERPULSE_SECRET = "test-peerpulse-secret-0123456789abcdef"
HEALTH_TOKEN = "test-health-token-0123456789"
# Readiness details are shown only to callers presenting HEALTH_TOKEN.
HEALTH_HEADERS = {"Authorization": f"Bearer {HEALTH_TOKEN}"}
BACKENDS = ["sqlite", "postgresql"]
# Slack's per-method tiers run this many times faster in the fake, and the app's pacer is scaled the
# same way, so the app still stays under every tier (and a 429 still means a pacing bug). Unscaled, a
# live role read (conversations.members, Tier 4) waits 0.67 s for its turn: most of an e2e test's
# time was spent asleep in the pacer. Tests of the tiers themselves build their own FakeSlack and Pacer.
TIER_SCALE = 10.0


def _postgres_base() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a private schema on the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/peerpulse.db"
        return
    base = _postgres_base()
    if base is None:
        pytest.skip("TEST_DATABASE_URL is not set; PostgreSQL runs in CI")
    schema = f"t_{secrets.token_hex(6)}"
    plain = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    # Every connection (async app, Alembic, the job store) lands in the private schema.
    yield (
        make_url(base)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def workspace() -> Workspace:
    """The simulated workspace: 40 employees, 2 coordinators, 3 supporters, several time zones."""
    return build_workspace()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slack_tiers(scale): Slack's tiers at this scale instead of TIER_SCALE (1.0: Slack's own)"
    )


@pytest.fixture
def slack(workspace: Workspace, request: pytest.FixtureRequest) -> Iterator[FakeSlack]:
    """The fake Slack Web API, listening on localhost."""
    marker = request.node.get_closest_marker("slack_tiers")
    scale = float(marker.args[0]) if marker else TIER_SCALE
    with FakeSlack(workspace, workspace_rate=200.0, tier_scale=scale) as fake:
        yield fake


@pytest.fixture
def settings(database_url: str, slack: FakeSlack) -> Settings:
    """Settings pointing at the fake Slack and the test database."""
    return Settings(
        peerpulse_secret=PEERPULSE_SECRET,
        coordinator_channel=COORDINATOR_CHANNEL_ID,
        supporters_channel=SUPPORTERS_CHANNEL_ID,
        platform_settings=SlackSettings(
            bot_token=DEFAULT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack.url
        ),
        database_url=database_url,
        workspace_rate=200.0,
        port=0,
        health_token=HEALTH_TOKEN,
    )


@pytest.fixture
def clock() -> ManualClock:
    """A controlled clock starting now (the fake Slack's history uses real time)."""
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def runtime(settings: Settings, clock: ManualClock, slack: FakeSlack) -> AsyncIterator[Runtime]:
    """The real app, serving HTTP on an ephemeral port, leading its outbox."""
    rt = Runtime(settings, clock=clock, scheduler_enabled=False)
    scale_tiers(rt, slack.tier_scale)
    await rt.start(host="127.0.0.1", port=0)
    await rt.wait_until_leader()
    yield rt
    await rt.stop()


def scale_tiers(rt: Runtime, scale: float) -> None:
    """Run the app's Slack pacer at the scale the `slack` fixture's fake runs Slack's tiers."""
    assert isinstance(rt.platform, SlackPlatform)
    rt.platform.pacer.tier_scale = scale


@pytest.fixture
async def people(slack: FakeSlack, runtime: Runtime) -> AsyncIterator[People]:
    """Workspace members who talk to the running app through signed requests."""
    async with SlackSender() as sender:
        yield People(slack, sender, app_url=runtime.url, signing_secret=SIGNING_SECRET)
