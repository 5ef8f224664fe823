"""A deterministic simulated Slack workspace: users, channels and role memberships."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

TEAM_ID = "T0PEERPULSE"
TEAM_NAME = "PeerPulse Demo"
TEAM_DOMAIN = "peerpulse-demo"
BOT_USER_ID = "UBOTPEERPULSE"
BOT_ID = "B0PEERPULSE"
APP_ID = "A0PEERPULSE"
SLACKBOT_ID = "USLACKBOT"
COORDINATOR_CHANNEL_ID = "G0COORD"
SUPPORTERS_CHANNEL_ID = "G0SUPPORT"
AUDIENCE_CHANNEL_ID = "C0ALLHANDS"

# Weighted like a company headquartered in the US with offices in Europe and APAC.
TIME_ZONES: tuple[tuple[str, int], ...] = (
    ("America/Los_Angeles", 16),
    ("America/New_York", 24),
    ("Europe/London", 14),
    ("Europe/Berlin", 14),
    ("Asia/Kolkata", 14),
    ("Asia/Tokyo", 9),
    ("Australia/Sydney", 9),
)

# fmt: off
FIRST_NAMES: tuple[str, ...] = (
    "Aaliyah", "Aarav", "Abebe", "Ada", "Adwoa", "Ahmed", "Aiko", "Alejandro", "Alice", "Amara",
    "Ananya", "Andrea", "Anja", "Arjun", "Ayesha", "Beatriz", "Ben", "Bianca", "Carlos", "Chen",
    "Chiara", "Chloe", "Daniel", "Daniela", "Deepa", "Diego", "Dmitri", "Elena", "Elif", "Emeka",
    "Emily", "Emma", "Fatima", "Felix", "Finn", "Freya", "Gabriel", "Grace", "Hana", "Hannah",
    "Haruto", "Hiroshi", "Ibrahim", "Ines", "Isabel", "Ivan", "Jack", "James", "Javier", "Jin",
    "Jonas", "Julia", "Kai", "Kavya", "Kenji", "Kwame", "Lars", "Laura", "Leila", "Lena",
    "Liam", "Lucas", "Lucia", "Maja", "Malik", "Marco", "Maria", "Marta", "Mateo", "Mei",
    "Mia", "Mohammed", "Nadia", "Naledi", "Nikhil", "Nina", "Noah", "Olivia", "Omar", "Oscar",
    "Paulo", "Priya", "Rafael", "Rahul", "Ravi", "Rosa", "Ryo", "Sakura", "Samir", "Sara",
    "Sebastian", "Sofia", "Sven", "Tariq", "Thandiwe", "Tomás", "Valentina", "Wei", "Yuki",
    "Zainab", "Zoe", "Amir", "Astrid", "Camila", "Dario", "Esther", "Farah", "Gustav", "Hugo",
    "Ingrid", "Jorge", "Keiko", "Leon", "Mariam", "Nils", "Priyanka", "Quentin", "Rina",
    "Siddharth",
)
LAST_NAMES: tuple[str, ...] = (
    "Abe", "Adeyemi", "Agarwal", "Alvarez", "Andersen", "Baker", "Banerjee", "Becker", "Bennett",
    "Bianchi", "Brown", "Campbell", "Chen", "Cohen", "Costa", "Da Silva", "Dubois", "Evans",
    "Fernandes", "Fischer", "Fujita", "Garcia", "Ghosh", "Gonzalez", "Gupta", "Hansen", "Hartmann",
    "Hayashi", "Hernandez", "Hoffmann", "Hughes", "Ibrahim", "Ito", "Iyer", "Jensen", "Johnson",
    "Kaur", "Khan", "Kim", "Kobayashi", "Koch", "Kowalski", "Kumar", "Larsen", "Lee", "Lopez",
    "Martin", "Martinez", "Matsumoto", "Mehta", "Meyer", "Mensah", "Mitchell", "Moreau",
    "Morris", "Murphy", "Nakamura", "Nair", "Nguyen", "Novak", "Okafor", "Okoye", "Olsen",
    "O'Brien", "Park", "Patel", "Pereira", "Petrov", "Quinn", "Rao", "Reddy", "Reyes", "Richter",
    "Rossi", "Sato", "Schmidt", "Schneider", "Shah", "Sharma", "Silva", "Singh", "Smith", "Suzuki",
    "Takahashi", "Tanaka", "Taylor", "Thompson", "Torres", "Van der Berg", "Wagner", "Walker",
    "Wang", "Watanabe", "Weber", "Williams", "Wilson", "Wong", "Yamamoto", "Yilmaz", "Zhang",
)
# fmt: on
_ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class User:
    """A Slack user as the Web API describes one."""

    id: str
    name: str
    real_name: str
    display_name: str
    tz: str
    tz_offset: int
    is_bot: bool = False
    deleted: bool = False
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    is_app_user: bool = False
    # The language the person set in Slack (users.info / users.list give it with include_locale).
    locale: str = "en-US"


@dataclass
class Channel:
    """A public (C…) or private (G…) channel and its members."""

    id: str
    name: str
    is_private: bool
    members: list[str] = field(default_factory=list)


@dataclass
class Workspace:
    """A Slack workspace: its users and channels, keyed by id."""

    team_id: str = TEAM_ID
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    name: str = TEAM_NAME
    domain: str = TEAM_DOMAIN

    def add_member(self, channel_id: str, user_id: str) -> None:
        """Add a user to a channel (no-op if already a member)."""
        members = self.channels[channel_id].members
        if user_id not in members:
            members.append(user_id)

    def remove_member(self, channel_id: str, user_id: str) -> None:
        """Remove a user from a channel (no-op if not a member)."""
        members = self.channels[channel_id].members
        if user_id in members:
            members.remove(user_id)

    def user_by_name(self, name: str) -> User:
        """Find a user by handle, display name or real name; raise KeyError if none."""
        for user in self.users.values():
            if name in (user.name, user.display_name, user.real_name):
                return user
        raise KeyError(name)

    def active_humans(self) -> list[User]:
        """Full members who can receive pulses: not bots, not deleted, not guests, not Slackbot."""
        return [
            u
            for u in self.users.values()
            if not (u.is_bot or u.deleted or u.is_restricted or u.is_ultra_restricted) and u.id != SLACKBOT_ID
        ]

    def human_members(self, channel_id: str) -> list[str]:
        """Members of a channel minus bots (the PeerPulse bot is a member of role channels)."""
        return [
            uid
            for uid in self.channels[channel_id].members
            if uid in self.users and not self.users[uid].is_bot
        ]

    def coordinators(self) -> list[str]:
        """Human members of the coordinator channel."""
        return self.human_members(COORDINATOR_CHANNEL_ID)

    def supporters(self) -> list[str]:
        """Human members of the peer supporters channel."""
        return self.human_members(SUPPORTERS_CHANNEL_ID)


def dm_channel_id(user_id: str) -> str:
    """The stable id of the DM channel between the PeerPulse bot and a user."""
    return "D" + user_id[1:]


@cache
def tz_offset_now(tz: str) -> int:
    """The zone's current UTC offset in seconds (cached per process)."""
    offset = datetime.now(UTC).astimezone(ZoneInfo(tz)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _handle(text: str) -> str:
    """Lower-case ASCII handle fragment from a name: 'Tomás' -> 'tomas', "O'Brien" -> 'obrien'."""
    table = str.maketrans("áéíóúãõçñü", "aeiouaocnu")
    return "".join(ch for ch in text.lower().translate(table) if ch.isalnum())


def _user_ids(rng: random.Random, count: int) -> list[str]:
    """Distinct Slack-looking user ids: 'U' + 10 upper-case alphanumerics."""
    ids: list[str] = []
    seen: set[str] = set()
    while len(ids) < count:
        uid = "U" + "".join(rng.choices(_ID_ALPHABET, k=10))
        if uid not in seen:
            seen.add(uid)
            ids.append(uid)
    return ids


def _names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Distinct (first, last) pairs; past the pair space, a middle initial keeps names unique."""
    pairs = list(itertools.product(FIRST_NAMES, LAST_NAMES))
    rng.shuffle(pairs)
    names: list[tuple[str, str]] = []
    for round_no in itertools.count():
        for first, last in pairs:
            if len(names) == count:
                return names
            if round_no:
                first = f"{first} {chr(ord('A') + (round_no - 1) % 26)}."
            names.append((first, last))
    raise AssertionError("unreachable")


def _human(uid: str, first: str, last: str, tz: str, *, taken: set[str]) -> User:
    """Build a human user with a unique handle."""
    handle = f"{_handle(first)}.{_handle(last)}"
    name = handle
    for n in itertools.count(2):
        if name not in taken:
            break
        name = f"{handle}{n}"
    taken.add(name)
    return User(
        id=uid,
        name=name,
        real_name=f"{first} {last}",
        display_name=f"{_handle(first.split()[0])}.{_handle(last)[:1]}",
        tz=tz,
        tz_offset=tz_offset_now(tz),
    )


def build_workspace(
    *, employees: int = 40, coordinators: int = 2, supporters: int = 3, seed: int = 7
) -> Workspace:
    """Build a deterministic, realistic workspace; coordinators and supporters are employees."""
    if coordinators + supporters > employees:
        raise ValueError("coordinators and supporters are drawn from employees")
    rng = random.Random(seed)
    extra_humans = 2  # the deleted user and the guest
    ids = _user_ids(rng, employees + extra_humans + 1)
    names = _names(rng, employees + extra_humans)
    zones = [z for z, _ in TIME_ZONES]
    tzs = rng.choices(zones, weights=[w for _, w in TIME_ZONES], k=employees + extra_humans)
    # Every zone has employees whenever there are enough employees to go round.
    spots = rng.sample(range(employees), min(len(zones), employees))
    for pos, zone in zip(spots, zones[: len(spots)], strict=True):
        tzs[pos] = zone

    ws = Workspace()
    taken: set[str] = set()
    staff = [_human(ids[i], *names[i], tzs[i], taken=taken) for i in range(employees)]
    for user in staff:
        ws.users[user.id] = user

    deleted = _human(ids[employees], *names[employees], tzs[employees], taken=taken)
    deleted.deleted = True
    guest = _human(ids[employees + 1], *names[employees + 1], tzs[employees + 1], taken=taken)
    guest.is_restricted = True
    ws.users[deleted.id] = deleted
    ws.users[guest.id] = guest

    ws.users[BOT_USER_ID] = User(
        id=BOT_USER_ID,
        name="peerpulse",
        real_name="PeerPulse",
        display_name="PeerPulse",
        tz="America/Los_Angeles",
        tz_offset=tz_offset_now("America/Los_Angeles"),
        is_bot=True,
    )
    other_bot = ids[employees + 2]
    ws.users[other_bot] = User(
        id=other_bot,
        name="standup-bot",
        real_name="Standup Bot",
        display_name="Standup Bot",
        tz="America/Los_Angeles",
        tz_offset=tz_offset_now("America/Los_Angeles"),
        is_bot=True,
    )
    # Slack's own Slackbot reports is_bot=false; apps must skip it by id.
    ws.users[SLACKBOT_ID] = User(
        id=SLACKBOT_ID,
        name="slackbot",
        real_name="Slackbot",
        display_name="Slackbot",
        tz="America/Los_Angeles",
        tz_offset=tz_offset_now("America/Los_Angeles"),
    )

    picked = rng.sample(range(employees), coordinators + supporters)
    coordinator_ids = [staff[i].id for i in picked[:coordinators]]
    supporter_ids = [staff[i].id for i in picked[coordinators:]]
    # The bot must be invited to a private channel to read its members or post there.
    ws.channels[COORDINATOR_CHANNEL_ID] = Channel(
        COORDINATOR_CHANNEL_ID, "peerpulse-coordinators", True, [*coordinator_ids, BOT_USER_ID]
    )
    ws.channels[SUPPORTERS_CHANNEL_ID] = Channel(
        SUPPORTERS_CHANNEL_ID, "peer-supporters", True, [*supporter_ids, BOT_USER_ID]
    )
    ws.channels[AUDIENCE_CHANNEL_ID] = Channel(AUDIENCE_CHANNEL_ID, "all-hands", False, [u.id for u in staff])
    return ws
