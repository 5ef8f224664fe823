"""Modal-submission listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.slack.blocks.feedback import FEEDBACK_VIEW
from handlers.slack.blocks.improvement import ADOPT_VIEW, CLOSE_VIEW, UPDATE_VIEW
from handlers.slack.blocks.peer_log import SESSION_VIEW, TRAINING_VIEW
from handlers.slack.blocks.policies import (
    ADD_POLICY_VIEW,
    EDIT_POLICY_VIEW,
    RETIRE_POLICY_VIEW,
    REVIEW_POLICY_VIEW,
)
from handlers.slack.blocks.pulse import COMMENT_VIEW
from handlers.slack.blocks.updates import UPDATE_DRAFT_VIEW, UPDATE_PREVIEW_VIEW
from handlers.slack.views.feedback import handle_feedback_submission
from handlers.slack.views.improvement import (
    handle_action_adopt_submission,
    handle_action_close_submission,
    handle_action_update_submission,
)
from handlers.slack.views.peer_log import handle_peer_log_submission, handle_peer_training_submission
from handlers.slack.views.policies import (
    handle_policy_add_submission,
    handle_policy_edit_submission,
    handle_policy_retire_submission,
    handle_policy_review_submission,
)
from handlers.slack.views.pulse_comment import handle_pulse_comment_submission
from handlers.slack.views.updates import handle_update_draft_submission, handle_update_preview_submission


def register(app: AsyncApp) -> None:
    """Attach every view listener."""
    app.view(COMMENT_VIEW)(handle_pulse_comment_submission)
    app.view(SESSION_VIEW)(handle_peer_log_submission)
    app.view(TRAINING_VIEW)(handle_peer_training_submission)
    app.view(FEEDBACK_VIEW)(handle_feedback_submission)
    app.view(ADOPT_VIEW)(handle_action_adopt_submission)
    app.view(UPDATE_VIEW)(handle_action_update_submission)
    app.view(CLOSE_VIEW)(handle_action_close_submission)
    app.view(ADD_POLICY_VIEW)(handle_policy_add_submission)
    app.view(EDIT_POLICY_VIEW)(handle_policy_edit_submission)
    app.view(REVIEW_POLICY_VIEW)(handle_policy_review_submission)
    app.view(RETIRE_POLICY_VIEW)(handle_policy_retire_submission)
    app.view(UPDATE_DRAFT_VIEW)(handle_update_draft_submission)
    app.view(UPDATE_PREVIEW_VIEW)(handle_update_preview_submission)
