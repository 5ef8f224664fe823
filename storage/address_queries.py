"""Storage verbs for member addresses. Keyword-only; a write happens only when something changed."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.address_models import MemberAddress
from storage.queries import insert_new


async def save_member_address(
    *,
    session: AsyncSession,
    team_id: str,
    user_id: str,
    conversation_id: str,
    service_url: str | None,
    time_zone: str | None = None,
) -> bool:
    """Record where a person is reached (a time zone of None keeps the one known); return whether it changed."""
    found = await session.get(MemberAddress, (team_id, user_id))
    if found is None:
        # Teams announces an install twice at once (installationUpdate and conversationUpdate):
        # of two racing first writes, one inserts and the other finds the row and compares.
        row = {
            "team_id": team_id,
            "user_id": user_id,
            "conversation_id": conversation_id,
            "service_url": service_url,
            "time_zone": time_zone,
        }
        if await insert_new(session=session, model=MemberAddress, rows=[row], keys=["team_id", "user_id"]):
            return True
        found = await session.get(MemberAddress, (team_id, user_id), populate_existing=True)
        if found is None:
            return False
    wanted = (conversation_id, service_url, time_zone or found.time_zone)
    if (found.conversation_id, found.service_url, found.time_zone) == wanted:
        return False
    found.conversation_id, found.service_url, found.time_zone = wanted
    session.add(found)
    return True


async def forget_member_address(*, session: AsyncSession, team_id: str, user_id: str) -> None:
    """Drop a person's address (they removed the app)."""
    await session.exec(
        delete(MemberAddress).where(
            col(MemberAddress.team_id) == team_id, col(MemberAddress.user_id) == user_id
        )
    )


async def member_address(*, session: AsyncSession, team_id: str, user_id: str) -> MemberAddress | None:
    """A person's address, if known."""
    return await session.get(MemberAddress, (team_id, user_id))


async def address_of_conversation(
    *, session: AsyncSession, team_id: str, conversation_id: str
) -> MemberAddress | None:
    """The address holding this conversation, if any."""
    rows = await session.exec(
        select(MemberAddress).where(
            col(MemberAddress.team_id) == team_id, col(MemberAddress.conversation_id) == conversation_id
        )
    )
    return rows.first()


async def member_time_zones(*, session: AsyncSession, team_id: str) -> dict[str, str]:
    """Every known person's time zone, by user id."""
    rows = await session.exec(
        select(MemberAddress.user_id, MemberAddress.time_zone).where(
            col(MemberAddress.team_id) == team_id, col(MemberAddress.time_zone).is_not(None)
        )
    )
    return {user: zone for user, zone in rows.all() if zone}
