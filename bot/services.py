"""The application's services, built once per process and handed to listeners and jobs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.config import Settings
from bot.delivery import Outbox
from bot.ports import Directory, Messenger
from bot.roles import Roles
from bot.support import SupportService

if TYPE_CHECKING:
    from bot.actions import ActionService
    from bot.ballots import Ballots
    from bot.digest import DigestService
    from bot.feedback import FeedbackService
    from bot.home import HomeService
    from bot.policies import PolicyService
    from bot.updates import UpdateService
from bot.surveys import SurveyService
from storage.db import Database


@dataclass
class Leadership:
    """Whether this process currently runs the scheduler and the outbox."""

    is_leader: bool = False


@dataclass
class Services:
    """Everything a listener or a job may need."""

    settings: Settings
    db: Database
    clock: Clock
    directory: Directory
    messenger: Messenger
    roles: Roles
    outbox: Outbox
    surveys: SurveyService
    support: SupportService
    feedback: FeedbackService
    actions: ActionService
    digests: DigestService
    policies: PolicyService
    updates: UpdateService
    ballots: Ballots
    home: HomeService
    team_id: str = ""
    leadership: Leadership = field(default_factory=Leadership)
    background: set[asyncio.Task[None]] = field(default_factory=set)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run work after a request was acked, keeping a reference until it finishes."""
        task = asyncio.create_task(work)
        self.background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logging.getLogger(__name__).error("background work failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for background work to finish (shutdown, tests)."""
        while self.background:
            await asyncio.gather(*list(self.background), return_exceptions=True)
