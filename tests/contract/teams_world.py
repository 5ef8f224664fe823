"""The contract suite's simulated Slack workspace, seen as a Teams tenant (the same people)."""

from __future__ import annotations

from handlers.slack.simulation.workspace import Workspace
from handlers.teams.simulation.tenant import Team, TeamsUser, Tenant, teams_user_id


def teams_address(slack_id: str) -> str:
    """A Teams-shaped conversation id for a Slack channel id."""
    return f"19:{slack_id.lower()}@thread.tacv2"


def teams_tenant(workspace: Workspace) -> Tenant:
    """The same people as a Teams tenant: deleted accounts are gone, guests are guests, bots unlisted."""
    tenant = Tenant()
    for user in workspace.users.values():
        if user.is_bot or user.is_app_user or user.deleted or user.id == "USLACKBOT":
            continue
        tenant.users[teams_user_id(user.id)] = TeamsUser(
            id=teams_user_id(user.id),
            aad_object_id=user.id,
            name=user.real_name,
            given_name=user.display_name,
            surname="",
            email=f"{user.name}@peerpulse.example",
            user_role="guest" if user.is_restricted or user.is_ultra_restricted else "user",
            timezone=user.tz,
        )
    everyone = Team(teams_address("everyone"), "Everyone", list(tenant.users))
    tenant.teams[everyone.id] = everyone
    for channel in workspace.channels.values():
        members = [teams_user_id(m) for m in channel.members if teams_user_id(m) in tenant.users]
        tenant.teams[teams_address(channel.id)] = Team(teams_address(channel.id), channel.name, members)
    return tenant
