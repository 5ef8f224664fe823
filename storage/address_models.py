"""Where to reach a person on platforms that say so only when the person's client writes (Teams)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class MemberAddress(SQLModel, table=True):
    """A person's direct conversation with the bot, the connector that serves it, and their time zone.

    Like Slack's DM channel id, it names a person and so is kept apart from everything about answers:
    no round, no answer, no timestamp, and it is written only when an install or a typed message
    changes it, never while an answer is recorded (docs/privacy.md).
    """

    __tablename__ = "member_address"

    team_id: str = Field(primary_key=True, max_length=255)
    user_id: str = Field(primary_key=True, max_length=255)
    conversation_id: str = Field(max_length=512, index=True)
    # The regional endpoint proactive messages to this conversation must go to (Teams' serviceUrl).
    service_url: str | None = Field(default=None, max_length=512)
    # An IANA zone name, as the person's client last reported it.
    time_zone: str | None = Field(default=None, max_length=64)
