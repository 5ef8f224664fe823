"""What every table module shares: random ids and timezone-aware timestamp columns."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field

from storage.types import UTCDateTime


def random_id() -> str:
    """A random, non-sequential identifier (128 bits, hex): it says nothing of when or in what order."""
    return secrets.token_hex(16)


def utc_field(*, nullable: bool = False, index: bool = False) -> Any:
    """A timestamp column stored in UTC and read back timezone-aware."""
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))
