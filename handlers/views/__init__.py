"""Modal-submission listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.blocks.pulse import COMMENT_VIEW
from handlers.views.pulse_comment import handle_pulse_comment_submission


def register(app: AsyncApp) -> None:
    """Attach every view listener."""
    app.view(COMMENT_VIEW)(handle_pulse_comment_submission)
