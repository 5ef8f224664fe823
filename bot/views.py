"""Every view-model the outbox carries for a platform to render, read back from a row's payload."""

from __future__ import annotations

from typing import Any, TypeAlias

from bot.announcements import ANNOUNCEMENTS, Announcement
from bot.declines import DeclineLine
from bot.digest import ConstructLine, DigestChart, DigestReport, DigestView, SupportActivity
from bot.insights.anonymity import Breakdown, Suppressed
from bot.insights.monitor import ActionVerdict, Assessment, Shift
from bot.insights.participation import Participation
from bot.insights.stats import Estimate, LikertSummary, Trend
from bot.insights.themes import ThemeReport, ThemeSummary
from bot.playbook.engine import AllOf, AnyOf, Comparison, Practice, Suggestion
from bot.policies import PolicyStatus
from bot.updates import UpdateMessage
from bot.viewdata import from_data, type_table
from storage.digest_models import ImprovementAction
from storage.policy_models import Policy, PolicyReview

View: TypeAlias = DigestView | DigestChart | UpdateMessage | Announcement
VIEWS: dict[str, type[View]] = {v.kind: v for v in (DigestView, DigestChart, UpdateMessage, *ANNOUNCEMENTS)}
# Only these are ever built from stored data.
TYPES = type_table(
    DigestView,
    DigestChart,
    UpdateMessage,
    *ANNOUNCEMENTS,
    also=(
        DigestReport,
        ConstructLine,
        DeclineLine,
        SupportActivity,
        Participation,
        LikertSummary,
        Estimate,
        Suppressed,
        Assessment,
        Shift,
        Trend,
        Breakdown,
        ThemeReport,
        ThemeSummary,
        Suggestion,
        Practice,
        Comparison,
        AllOf,
        AnyOf,
        ImprovementAction,
        PolicyStatus,
        Policy,
        PolicyReview,
        ActionVerdict,
    ),
)


def read_view(payload: dict[str, Any] | None) -> View | None:
    """The view-model a row carries; None for a row queued before view-models (rendered already)."""
    if not payload or "view" not in payload:
        return None
    expected = VIEWS.get(str(payload.get("kind")))
    if expected is None:
        raise ValueError(f"unknown view kind {payload.get('kind')!r}")
    view = from_data(payload["view"], TYPES)
    if not isinstance(view, expected):
        raise ValueError(f"a {payload.get('kind')!r} row holds a {type(view).__name__}")
    return view
