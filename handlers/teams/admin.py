"""Coordinators' read-outs typed in their chat: `pulse schedule|questions|supporters|policies [retired]`.

Each goes through the same domain call as Slack's `/pulse` subcommand, which decides the role: anyone
else gets the domain's refusal word for word. The words are Slack's (handlers/shared/), as Teams
markdown (the reply turns the catalogue's marks into it); people are named as the reply leaves
(handlers/teams/names.py).
"""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, _
from bot.services import Services
from handlers.shared.admin_words import questions_text, schedule_text
from handlers.shared.supporters_words import build_supporters_text
from handlers.teams.cards.policies import build_register_card, build_retired_card
from handlers.teams.context import TeamsContext
from handlers.teams.coordinator import Reply, _answer

ADMIN_SUBCOMMANDS = frozenset({"schedule", "questions", "supporters", "policies"})
# A Teams team is named by id in the settings; a card cannot link it, so it is said in words.
COORDINATORS_CHANNEL = N_("the coordinators' channel")


def handle_admin_command(ctx: TeamsContext, activity: dict[str, Any], person: str, words: list[str]) -> None:
    """Run `pulse <sub> [...]` after the HTTP answer, and reply with its text or card."""
    sub, rest = words[0], words[1:]
    services = ctx.services

    async def work() -> Reply:
        if sub == "schedule":
            schedules = await services.surveys.schedules(by=person)
            return schedule_text(schedules, channel=_(COORDINATORS_CHANNEL))
        if sub == "questions":
            return questions_text(await services.surveys.question_bank(by=person))
        if sub == "supporters":
            overview = await services.support.supporters_overview(team_id=services.team_id, by=person)
            return build_supporters_text(overview)
        view = "retired" if rest[:1] == ["retired"] else "active"
        return await register_card(services, person, view=view)

    services.spawn(_answer(ctx, activity, work, what=f"pulse {sub}"))


async def register_card(services: Services, person: str, *, view: str) -> dict[str, Any]:
    """The register (view "active") or the retired list, as a card; the domain checks the role."""
    if view == "retired":
        retired = await services.policies.register(team_id=services.team_id, by=person, view="retired")
        return build_retired_card(retired)
    statuses = await services.policies.register(team_id=services.team_id, by=person)
    return build_register_card(statuses)
