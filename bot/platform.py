"""A chat platform plugged into the core: what the process asks of it, and how one is found by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from bot.config import PlatformSettings, Settings, load_settings, platform_name
from bot.errors import ConfigError
from bot.ports import Directory, Messenger, Pacer

if TYPE_CHECKING:
    from bot.checks import Verdict
    from bot.services import Services

ENTRY_POINT_GROUP = "peerpulse.platforms"
SETTINGS_GROUP = "peerpulse.platform_settings"
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
    # Sends the outbox keeps in flight: enough to keep the platform's rate busy while each waits for
    # its answer, and no more, so a batch's renders never crowd the event loop all at once.
    outbox_concurrency: int

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


class SettingsLoader(Protocol):
    """A plug-in's reader of its own settings from the environment."""

    def __call__(self, env: Mapping[str, str], *, serving: bool = True) -> PlatformSettings:
        """The platform's settings, or ConfigError naming the bad one."""
        ...


def _plugin(group: str, name: str) -> Any:
    found = {ep.name: ep for ep in entry_points(group=group)}
    entry = found.get(name)
    if entry is None:
        names = ", ".join(sorted(found)) or "none (is PeerPulse installed? `pip install -e .`)"
        raise ConfigError(f"PLATFORM={name!r} is not an installed platform; installed: {names}")
    return entry.load()


def load_configuration(env: Mapping[str, str], *, serving: bool = True) -> Settings:
    """The core's settings with the chosen platform's own, each validated by its owner."""
    # The platform's settings first: its credentials are what a new installation most often lacks.
    loader: SettingsLoader = _plugin(SETTINGS_GROUP, platform_name(env))
    platform_settings = loader(env, serving=serving)
    return replace(load_settings(env, serving=serving), platform_settings=platform_settings)


def load_platform(settings: Settings) -> Platform:
    """The platform named by settings.platform, found among the installed plug-ins."""
    factory: PlatformFactory = _plugin(ENTRY_POINT_GROUP, settings.platform)
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
