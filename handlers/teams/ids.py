"""A Teams user id as the domain knows the person, and back.

Teams user ids hold ':' ("29:1a2b…"), which the core keeps out of person ids: its keyed hashes join
team, user and round with ':' and refuse anything that would make them ambiguous. At the platform's
edge a Teams id is percent-escaped (':' → %3A, '%' → %25): one to one, reversible, and an id
without either character is left as it is.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

# Every Teams user id ("29:…") as a person id starts with this.
PERSON_PREFIX = quote("29:", safe="")


def person_id(teams_user_id: str) -> str:
    """The domain's id for a Teams user (no ':')."""
    return quote(teams_user_id, safe="")


def teams_id(person: str) -> str:
    """The Teams user id behind a person id (a raw Teams id comes back unchanged)."""
    return unquote(person)
