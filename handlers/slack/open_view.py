"""Opening a modal within its trigger's life, or saying plainly that Slack is too busy to."""

from __future__ import annotations

from typing import Any

from bot.errors import Busy
from bot.i18n import N_, _

VIEWS_OPEN = "views.open"
# A trigger id lives 3 s; a call still queued after 2 s would reach Slack with a dead trigger.
TRIGGER_BUDGET = 2.0
BUSY = N_(
    "Lots of people are opening PeerPulse forms right now and Slack limits how fast they can open. "
    "Please tap the button again in a minute; nothing was lost."
)


async def open_view(client: Any, *, trigger_id: str, view: dict[str, Any]) -> None:
    """Open `view`, refusing at once (with words a person can act on) if it would open too late."""
    pacer = getattr(client, "pacer", None)
    # views.open is Tier 4 for the whole workspace; queueing past the trigger's life would spend a
    # call on a certain `expired_trigger_id` and leave the person looking at nothing.
    if pacer is not None and pacer.delay(VIEWS_OPEN) > TRIGGER_BUDGET:
        raise Busy(_(BUSY))
    await client.views_open(trigger_id=trigger_id, view=view)
