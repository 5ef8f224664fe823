"""Each person's pulse follows their own clock, or DEFAULT_TIMEZONE when the platform has none."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from bot.ports import Member
from bot.surveys import local_send_time

TUESDAY = date(2026, 12, 1)
EARLY = datetime(2026, 11, 30, tzinfo=UTC)


def test_a_known_zone_wins_over_the_default() -> None:
    auckland = Member("U1", tz="Pacific/Auckland")
    at = local_send_time(
        auckland, local_date=TUESDAY, at=time(10), not_before=EARLY, default_zone="Europe/Berlin"
    )
    assert at == datetime(2026, 11, 30, 21, 0, tzinfo=UTC)  # 10:00 NZDT is 21:00 UTC the day before


@pytest.mark.parametrize("tz", [None, "", "Not/AZone"])
def test_no_zone_or_an_unknown_one_follows_the_default(tz: str | None) -> None:
    nobody_knows = Member("U2", tz=tz)
    at = local_send_time(
        nobody_knows, local_date=TUESDAY, at=time(10), not_before=EARLY, default_zone="Europe/Berlin"
    )
    assert at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 CET


def test_the_default_zone_is_a_setting_checked_at_start() -> None:
    base = {"PEERPULSE_SECRET": "s" * 32}
    assert load_settings(base, serving=False).default_timezone == "UTC"
    assert load_settings({**base, "DEFAULT_TIMEZONE": "America/Chicago"}, serving=False).default_timezone == (
        "America/Chicago"
    )
    with pytest.raises(ConfigError, match="DEFAULT_TIMEZONE"):
        load_settings({**base, "DEFAULT_TIMEZONE": "Mars/Olympus"}, serving=False)
