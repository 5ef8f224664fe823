"""Every table, registered on SQLModel.metadata for Alembic and the tests; import tables from here or
from their own module (pulse, outbox, digest, policy, support, address)."""

from __future__ import annotations

from storage.address_models import MemberAddress
from storage.base import random_id
from storage.digest_models import (
    DigestRun,
    Feedback,
    ImprovementAction,
    ImprovementActionEvent,
    ShownQuoteGram,
)
from storage.outbox_models import OutboxMessage, ProcessedRequest
from storage.policy_models import Policy, PolicyReview, PublishedUpdate
from storage.pulse_models import PulseOptOut, RoundParticipation, SurveyAnswer, SurveyRound
from storage.support_models import SupportFollowUp, SupportSession, SupportTraining

__all__ = [
    "DigestRun",
    "Feedback",
    "ImprovementAction",
    "ImprovementActionEvent",
    "MemberAddress",
    "OutboxMessage",
    "Policy",
    "PolicyReview",
    "ProcessedRequest",
    "PublishedUpdate",
    "PulseOptOut",
    "RoundParticipation",
    "ShownQuoteGram",
    "SupportFollowUp",
    "SupportSession",
    "SupportTraining",
    "SurveyAnswer",
    "SurveyRound",
    "random_id",
]
