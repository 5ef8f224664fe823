"""App Home: what each person sees on the bot's home, decided here for every platform.

Everyone sees the employee part (the open pulse, how to reach a supporter, the promise). A supporter
also sees their own training, follow-ups and latest sessions; a coordinator also sees the open
round's participation (told only as far as the k rule allows), open actions, policy reviews due and
the last digest. Roles are read from the cache to decide what to show; each part is then fetched
through the guarded operation it belongs to, which checks the role live, so a person removed from a
role a second ago gets the employee home and nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select

from bot.actions import ActionService
from bot.ballots import Ballots, PulsePromise, pulse_promise
from bot.config import Settings
from bot.errors import NotAllowed
from bot.policies import PolicyService, PolicyStatus
from bot.ports import PostedMessage
from bot.roles import Roles
from bot.support import SessionSummary, SupportService, TrainingStatus
from bot.surveys import AnsweredFigure, SurveyService, answered_figure
from storage.db import Database
from storage.digest_models import DigestRun, ImprovementAction
from storage.outbox_models import OutboxMessage

# At most this many of each list; the rest is a count and the command that shows them all.
HOME_LIST_LIMIT = 5


@dataclass(frozen=True)
class OpenPulse:
    """The open round as one person sees it."""

    closes_at: datetime
    answered: bool
    # Where this person's own pulse DM landed, for a link to it; None until it is delivered.
    dm: PostedMessage | None


@dataclass(frozen=True)
class EmployeeHome:
    """What everyone sees."""

    pulse: OpenPulse | None
    opted_out: bool
    supporters: tuple[str, ...]
    promise: PulsePromise


@dataclass(frozen=True)
class SupporterHome:
    """A supporter's own records, and nobody else's."""

    training: TrainingStatus
    follow_ups_due: tuple[SessionSummary, ...]
    recent: tuple[SessionSummary, ...]
    today: date


@dataclass(frozen=True)
class RoundParticipation:
    """The open round's participation, as far as the k rule lets it be told."""

    opened_at: datetime
    closes_at: datetime
    invited: int
    answered: AnsweredFigure


@dataclass(frozen=True)
class LastDigest:
    """When the last digest was posted, and where it landed once delivered."""

    posted_at: datetime
    channel: str
    message: PostedMessage | None


@dataclass(frozen=True)
class CoordinatorHome:
    """The coordinators' dashboard."""

    participation: RoundParticipation | None
    open_actions: tuple[ImprovementAction, ...]
    more_actions: int
    reviews_due: tuple[PolicyStatus, ...]
    more_reviews: int
    last_digest: LastDigest | None
    today: date


@dataclass(frozen=True)
class HomeView:
    """One person's home: the employee part always, the others only for their roles."""

    viewer: str
    employee: EmployeeHome
    supporter: SupporterHome | None = None
    coordinator: CoordinatorHome | None = None


class HomeService:
    """Builds each person's home from the domain services, deciding what their roles let them see."""

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        roles: Roles,
        surveys: SurveyService,
        ballots: Ballots,
        support: SupportService,
        actions: ActionService,
        policies: PolicyService,
    ) -> None:
        self.db = db
        self.settings = settings
        self.roles = roles
        self.surveys = surveys
        self.ballots = ballots
        self.support = support
        self.actions = actions
        self.policies = policies

    async def build(self, *, team_id: str, by: str) -> HomeView:
        """The home of `by` (a person): the employee part, plus what each of their roles may see."""
        if not isinstance(by, str) or not by:
            raise NotAllowed("A home belongs to a person.")
        employee = await self._employee(team_id=team_id, user_id=by)
        supporter = await self._supporter(by) if await self.roles.is_supporter(by) else None
        coordinator = await self._coordinator(team_id, by) if await self.roles.is_coordinator(by) else None
        return HomeView(viewer=by, employee=employee, supporter=supporter, coordinator=coordinator)

    async def _employee(self, *, team_id: str, user_id: str) -> EmployeeHome:
        current = await self.surveys.current_round(team_id=team_id)
        pulse = None
        if current is not None:
            pulse = OpenPulse(
                closes_at=current.closes_at,
                answered=await self.surveys.has_answered(
                    team_id=team_id, user_id=user_id, round_id=current.id
                ),
                dm=await self.ballots.pulse_dm(round_id=current.id, recipient=user_id),
            )
        return EmployeeHome(
            pulse=pulse,
            opted_out=await self.surveys.is_opted_out(team_id=team_id, user_id=user_id),
            supporters=tuple(sorted(await self.support.supporters())),
            promise=pulse_promise(self.settings),
        )

    async def _supporter(self, user_id: str) -> SupporterHome | None:
        try:
            training = await self.support.training_status(supporter_id=user_id)
        except NotAllowed:
            return None  # left the supporters channel since the cache was filled
        due = await self.support.follow_ups_due(supporter_id=user_id)
        recent = await self.support.recent_sessions(supporter_id=user_id, limit=HOME_LIST_LIMIT)
        return SupporterHome(
            training=training,
            follow_ups_due=tuple(due),
            recent=tuple(recent),
            today=await self.support.today_for(user_id),
        )

    async def _coordinator(self, team_id: str, user_id: str) -> CoordinatorHome | None:
        try:
            actions = await self.actions.open_actions(team_id=team_id, by=user_id)
        except NotAllowed:
            return None  # left the coordinator channel since the cache was filled
        participation = None
        current = await self.surveys.current_round(team_id=team_id)
        if current is not None:
            status = await self.surveys.status(current, by=user_id)
            participation = RoundParticipation(
                opened_at=current.opened_at,
                closes_at=current.closes_at,
                invited=status.invited,
                # The same rule as `/pulse status`: two outputs never tell two different figures.
                answered=answered_figure(status, k=self.settings.min_group_size),
            )
        register = await self.policies.register(team_id=team_id, by=user_id)
        due = [s for s in register if s.state in ("overdue", "due")]
        return CoordinatorHome(
            participation=participation,
            open_actions=tuple(actions[:HOME_LIST_LIMIT]),
            more_actions=max(0, len(actions) - HOME_LIST_LIMIT),
            reviews_due=tuple(due[:HOME_LIST_LIMIT]),
            more_reviews=max(0, len(due) - HOME_LIST_LIMIT),
            last_digest=await self._last_digest(team_id),
            today=self.policies.today(),
        )

    async def _last_digest(self, team_id: str) -> LastDigest | None:
        async with self.db.session() as session:
            run = (
                await session.exec(
                    select(DigestRun)
                    .where(DigestRun.team_id == team_id)
                    .order_by(col(DigestRun.posted_at).desc(), col(DigestRun.key).desc())
                    .limit(1)
                )
            ).first()
            if run is None:
                return None
            # Its first message: the one a link should open.
            first = (
                await session.exec(
                    select(OutboxMessage.conversation, OutboxMessage.message_ref).where(
                        OutboxMessage.dedupe_key == f"{run.key}:part0"
                    )
                )
            ).first()
        message = (
            PostedMessage(conversation=first[0], ref=first[1]) if first and first[0] and first[1] else None
        )
        return LastDigest(posted_at=run.posted_at, channel=self.settings.coordinator_channel, message=message)
