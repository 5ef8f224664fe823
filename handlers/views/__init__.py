"""Modal-submission listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.blocks.feedback import FEEDBACK_VIEW
from handlers.blocks.improvement import ADOPT_VIEW, CLOSE_VIEW, UPDATE_VIEW
from handlers.blocks.peer_log import SESSION_VIEW, TRAINING_VIEW
from handlers.blocks.pulse import COMMENT_VIEW
from handlers.views.feedback import handle_feedback_submission
from handlers.views.improvement import (
    handle_action_adopt_submission,
    handle_action_close_submission,
    handle_action_update_submission,
)
from handlers.views.peer_log import handle_peer_log_submission, handle_peer_training_submission
from handlers.views.pulse_comment import handle_pulse_comment_submission


def register(app: AsyncApp) -> None:
    """Attach every view listener."""
    app.view(COMMENT_VIEW)(handle_pulse_comment_submission)
    app.view(SESSION_VIEW)(handle_peer_log_submission)
    app.view(TRAINING_VIEW)(handle_peer_training_submission)
    app.view(FEEDBACK_VIEW)(handle_feedback_submission)
    app.view(ADOPT_VIEW)(handle_action_adopt_submission)
    app.view(UPDATE_VIEW)(handle_action_update_submission)
    app.view(CLOSE_VIEW)(handle_action_close_submission)
