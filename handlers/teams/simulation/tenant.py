"""A deterministic simulated Microsoft 365 tenant: Teams users, team rosters and app installs."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

TENANT_ID = "72f988bf-0000-4000-8000-00000000c0de"
APP_ID = "00000000-0000-4000-8000-00000000beef"  # the bot's Microsoft app (client) id
APP_PASSWORD = "fake-teams-client-secret"
COORDINATORS_TEAM_ID = "19:coordinators0000000000000000000@thread.tacv2"
EVERYONE_TEAM_ID = "19:everyone000000000000000000000000@thread.tacv2"

# IANA names, as a Teams client reports them in its clientInfo entity's `timezone`.
TIME_ZONES: tuple[str, ...] = (
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)
_NAMES: tuple[str, ...] = (
    "Ada Okafor", "Arjun Iyer", "Beatriz Costa", "Chen Wang", "Elif Yilmaz", "Finn Larsen",
    "Grace Mensah", "Hana Sato", "Ibrahim Khan", "Julia Becker", "Kwame Adeyemi", "Lena Fischer",
    "Mateo Reyes", "Nadia Petrov", "Omar Shah", "Priya Nair", "Rosa Lopez", "Sven Hansen",
)  # fmt: skip


@dataclass
class TeamsUser:
    """A person as the Bot Connector knows them (TeamsChannelAccount)."""

    # The app-scoped Teams user id ("29:…"): what activities carry and conversations are created with.
    id: str
    aad_object_id: str
    name: str
    given_name: str
    surname: str
    email: str
    # "user", or "guest" for an external account.
    user_role: str = "user"
    # What the person's client reports in its clientInfo entity; the roster never says.
    timezone: str | None = None
    locale: str = "en-US"
    # Whether the app is installed in the person's personal scope (needed for proactive DMs).
    installed: bool = True

    def account(self, tenant_id: str) -> dict[str, object]:
        """The TeamsChannelAccount JSON the connector returns in rosters."""
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name,
            "surname": self.surname,
            "email": self.email,
            "userPrincipalName": self.email,
            "tenantId": tenant_id,
            "userRole": self.user_role,
        }


@dataclass
class Team:
    """A team (or channel) whose roster the bot may read."""

    id: str
    name: str
    members: list[str] = field(default_factory=list)


@dataclass
class Tenant:
    """Users keyed by Teams user id, and teams keyed by conversation id."""

    id: str = TENANT_ID
    app_id: str = APP_ID
    users: dict[str, TeamsUser] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)

    @property
    def bot_id(self) -> str:
        """The bot's channel account id ("28:" + app id)."""
        return f"28:{self.app_id}"

    def people(self) -> list[TeamsUser]:
        """Users who are full members (not guests)."""
        return [u for u in self.users.values() if u.user_role == "user"]


def teams_user_id(seed: str) -> str:
    """A Teams-shaped, app-scoped user id derived from a seed (deterministic)."""
    return "29:1" + uuid.uuid5(uuid.NAMESPACE_URL, f"teams-user:{seed}").hex


def build_tenant(*, employees: int = 12, coordinators: int = 2, guests: int = 1, seed: int = 7) -> Tenant:
    """A small tenant: employees (the first are coordinators) and guests, all with the app installed."""
    rng = random.Random(seed)
    tenant = Tenant()
    everyone = Team(EVERYONE_TEAM_ID, "Everyone")
    coordinators_team = Team(COORDINATORS_TEAM_ID, "PeerPulse coordinators")
    for n in range(employees + guests):
        name = _NAMES[n % len(_NAMES)] + ("" if n < len(_NAMES) else f" {n // len(_NAMES) + 1}")
        given, _, surname = name.partition(" ")
        guest = n >= employees
        user = TeamsUser(
            id=teams_user_id(f"{seed}:{n}"),
            aad_object_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            name=name,
            given_name=given,
            surname=surname,
            email=f"{given.lower()}.{n}@{'partner.example' if guest else 'peerpulse.example'}",
            user_role="guest" if guest else "user",
            timezone=rng.choice(TIME_ZONES),
        )
        tenant.users[user.id] = user
        everyone.members.append(user.id)
        if n < coordinators:
            coordinators_team.members.append(user.id)
    tenant.teams[everyone.id] = everyone
    tenant.teams[coordinators_team.id] = coordinators_team
    return tenant
