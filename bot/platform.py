"""A chat platform plugged into the core: what the process asks of it, and how one is found by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from bot.config import Settings
from bot.errors import ConfigError
from bot.ports import Directory, Messenger, Pacer

if TYPE_CHECKING:
    from bot.checks import Verdict
    from bot.services import Services

ENTRY_POINT_GROUP = "peerpulse.platforms"
DEMO_GROUP = "peerpulse.demos"
Readiness = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


@dataclass(frozen=True)
class Identity:
    """Who PeerPulse is on the platform: the workspace (tenant) it serves and its own user id."""

    team_id: str
    bot_user_id: str | None = None


class Platform(Protocol):
    """Everything platform-specific the process needs; the rest (database, leader election, outbox,
    scheduler, health) is the same for every platform."""

    name: str
    directory: Directory
    # The outbox's sends (no retries of their own: the outbox reschedules).
    outbox_messenger: Messenger
    pacer: Pacer

    def wire(self, services: Services) -> None:
        """Plug the platform's renderers and request handling into the services (no I/O)."""
        ...

    async def connect(self) -> Identity:
        """Open connections and learn who we are; raise ConfigError when the credentials are refused."""
        ...

    async def check(self) -> list[Verdict]:
        """The platform's configuration, checked live (channels exist, the bot is in them, ...)."""
        ...

    async def preflight(self) -> list[Verdict]:
        """Everything `python -m bot check` verifies on the platform: credentials, then configuration."""
        ...

    def describe_error(self, exc: BaseException) -> str | None:
        """One line naming a platform failure at start-up (unreachable, credentials refused), or None."""
        ...

    def routes(self) -> Sequence[web.RouteDef]:
        """HTTP endpoints the platform calls (after `wire`); empty when it connects another way."""
        ...

    async def start(self) -> str:
        """Start receiving requests that do not come over HTTP; return how requests arrive."""
        ...

    async def stop(self) -> None:
        """Stop receiving requests (idempotent)."""
        ...

    async def close(self) -> None:
        """Close every connection (idempotent)."""
        ...


PlatformFactory = Callable[[Settings], Platform]


def load_platform(settings: Settings) -> Platform:
    """The platform named by settings.platform, found among the installed plug-ins."""
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    entry = found.get(settings.platform)
    if entry is None:
        names = ", ".join(sorted(found)) or "none (is PeerPulse installed? `pip install -e .`)"
        raise ConfigError(f"PLATFORM={settings.platform!r} is not an installed platform; installed: {names}")
    factory: PlatformFactory = entry.load()
    return factory(settings)


Demo = Callable[..., Coroutine[Any, Any, None]]


def load_demo(platform: str) -> Demo:
    """The simulated-workspace demo a platform plug-in ships (`python -m bot demo`)."""
    found = {ep.name: ep for ep in entry_points(group=DEMO_GROUP)}
    entry = found.get(platform)
    if entry is None:
        raise ConfigError(f"PLATFORM={platform!r} ships no demo; demos: {', '.join(sorted(found)) or 'none'}")
    demo: Demo = entry.load()
    return demo
