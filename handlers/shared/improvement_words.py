"""An improvement action's history on every platform: what was done to it, by whom and when. Pure.

People stay `<@id>` marks; each platform passes `quote`, which makes a coordinator's own note safe in its markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.i18n import N_, _, format_day
from storage.digest_models import ImprovementActionEvent

HISTORY_SHOWN = 30  # the latest ones, inside a Slack modal's limits
EVENT_WORDS = {
    "adopted": N_("adopted it"),
    "updated": N_("noted progress"),
    "closed": N_("closed it"),
    "reopened": N_("reopened it"),
    "deleted": N_("deleted it"),
}


def history_lines(events: Sequence[ImprovementActionEvent], *, quote: Callable[[str], str]) -> list[str]:
    """What was done to an action, one line per event, oldest first (the latest HISTORY_SHOWN)."""
    out = []
    skipped = len(events) - HISTORY_SHOWN
    if skipped > 0:
        out.append("_" + _("{n} earlier not shown").format(n=skipped) + "_")
    for event in events[-HISTORY_SHOWN:]:
        who = f"<@{event.by}>" if event.by else _("someone (not recorded)")
        said = f": {quote(event.note)}" if event.note else ""
        did = _(EVENT_WORDS[event.kind]) if event.kind in EVENT_WORDS else event.kind
        out.append(f"{format_day(event.at.date(), year=True)} {event.at:%H:%M} UTC · {who} {did}{said}")
    return out or [_("No history recorded.")]
