"""`home` typed in the chat with the bot: the person's home card, drawn for their roles right now.

Teams gives bots no home tab without hosting a web page, so the home comes as a card in the chat,
built from the same HomeView as Slack's App Home; the domain decides what each role may see, and
each button opens the same dialog as its typed command (checked again when it is used).
"""

from __future__ import annotations

from typing import Any

from bot.errors import PeerPulseError
from bot.i18n import _
from handlers.teams.cards.card import opens_dialog
from handlers.teams.cards.home import HomeButtons, build_home_card
from handlers.teams.cards.improvement import ACTION_KEY, UPDATE
from handlers.teams.cards.peer_log import OPEN_SESSION, OPEN_TRAINING
from handlers.teams.cards.policies import ADD_ACTION, POLICY_KEY, REVIEW_ACTION
from handlers.teams.context import TeamsContext

HOME_BUTTONS = HomeButtons(
    log_session=lambda: {**opens_dialog(_("Log a session"), OPEN_SESSION), "style": "positive"},
    log_training=lambda: opens_dialog(_("Record a training"), OPEN_TRAINING),
    update_action=lambda action_id: opens_dialog(_("Update"), UPDATE, **{ACTION_KEY: action_id}),
    review_policy=lambda policy_id: opens_dialog(
        _("Mark reviewed"), REVIEW_ACTION, **{POLICY_KEY: policy_id}
    ),
    add_policy=lambda: opens_dialog(_("Add a policy"), ADD_ACTION),
)


def handle_home_command(ctx: TeamsContext, activity: dict[str, Any], person: str) -> None:
    """Send the person their home card, after the HTTP answer (a roster read may take a moment)."""
    ctx.services.spawn(_send_home(ctx, activity, person))


async def _send_home(ctx: TeamsContext, activity: dict[str, Any], person: str) -> None:
    services = ctx.services
    try:
        home = await services.home.build(team_id=services.team_id, by=person)
    except PeerPulseError as refused:
        ctx.reply(activity, str(refused))
        return
    await ctx.send_card(
        activity, build_home_card(home, taxonomy=services.support.taxonomy, buttons=HOME_BUTTONS)
    )
