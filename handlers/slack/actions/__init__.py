"""Block-action listeners."""

from __future__ import annotations

import re

from slack_bolt.async_app import AsyncApp

from handlers.slack.actions.home import (
    handle_home_log_session_action,
    handle_home_log_training_action,
    handle_home_open_pulse_action,
)
from handlers.slack.actions.improvement import (
    handle_action_close_action,
    handle_action_delete_action,
    handle_action_history_action,
    handle_action_reopen_action,
    handle_action_update_action,
    handle_actions_page_action,
    handle_digest_adopt_action,
)
from handlers.slack.actions.peer_log import (
    handle_peer_follow_up_done_action,
    handle_peer_follow_up_snooze_action,
    handle_peer_log_delete_action,
    handle_peer_log_edit_action,
)
from handlers.slack.actions.policies import (
    handle_policy_add_action,
    handle_policy_edit_action,
    handle_policy_retire_action,
    handle_policy_review_action,
    handle_policy_show_action,
    handle_policy_unretire_action,
)
from handlers.slack.actions.pulse_answer import handle_pulse_answer_action
from handlers.slack.actions.pulse_comment import handle_pulse_comment_action
from handlers.slack.actions.rounds import (
    handle_round_cancel_action,
    handle_round_close_action,
    handle_round_keep_open_action,
    handle_round_not_now_action,
    handle_round_send_action,
)
from handlers.slack.actions.updates import handle_update_share_action
from handlers.slack.blocks.digest import (
    ACTION_DELETE_ACTION,
    ADOPT_ACTION,
    CLOSE_ACTION,
    HISTORY_ACTION,
    PAGE_ACTION,
    REOPEN_ACTION,
    UPDATE_ACTION,
)
from handlers.slack.blocks.home import (
    HOME_LOG_SESSION_ACTION,
    HOME_LOG_TRAINING_ACTION,
    HOME_OPEN_PULSE_ACTION,
)
from handlers.slack.blocks.peer_log import (
    DELETE_ACTION,
    EDIT_ACTION,
    FOLLOW_UP_DONE_ACTION,
    FOLLOW_UP_SNOOZE_ACTION,
)
from handlers.slack.blocks.policies import (
    ADD_POLICY_ACTION,
    EDIT_POLICY_ACTION,
    RETIRE_POLICY_ACTION,
    REVIEW_POLICY_ACTION,
    SHOW_POLICIES_ACTION,
    UNRETIRE_POLICY_ACTION,
)
from handlers.slack.blocks.pulse import ANSWER_ACTION_PATTERN, COMMENT_ACTION
from handlers.slack.blocks.rounds import (
    CANCEL_ROUND_ACTION,
    CLOSE_CONFIRM_ACTION,
    CLOSE_KEEP_ACTION,
    SEND_CONFIRM_ACTION,
    SEND_DISMISS_ACTION,
)
from handlers.slack.blocks.updates import SHARE_UPDATE_ACTION


def register(app: AsyncApp) -> None:
    """Attach every block-action listener."""
    app.action(ANSWER_ACTION_PATTERN)(handle_pulse_answer_action)
    app.action(COMMENT_ACTION)(handle_pulse_comment_action)
    app.action(re.compile(rf"^{ADOPT_ACTION}_\d+$"))(handle_digest_adopt_action)
    app.action(re.compile(rf"^{UPDATE_ACTION}_\d+$"))(handle_action_update_action)
    app.action(re.compile(rf"^{CLOSE_ACTION}_\d+$"))(handle_action_close_action)
    app.action(re.compile(rf"^{REOPEN_ACTION}_\d+$"))(handle_action_reopen_action)
    app.action(re.compile(rf"^{ACTION_DELETE_ACTION}_\d+$"))(handle_action_delete_action)
    app.action(re.compile(rf"^{HISTORY_ACTION}_\d+$"))(handle_action_history_action)
    app.action(re.compile(rf"^{PAGE_ACTION}_(next|prev|switch)$"))(handle_actions_page_action)
    app.action(EDIT_ACTION)(handle_peer_log_edit_action)
    app.action(DELETE_ACTION)(handle_peer_log_delete_action)
    app.action(FOLLOW_UP_DONE_ACTION)(handle_peer_follow_up_done_action)
    app.action(FOLLOW_UP_SNOOZE_ACTION)(handle_peer_follow_up_snooze_action)
    app.action(ADD_POLICY_ACTION)(handle_policy_add_action)
    app.action(re.compile(rf"^{REVIEW_POLICY_ACTION}_\d+$"))(handle_policy_review_action)
    app.action(re.compile(rf"^{EDIT_POLICY_ACTION}_\d+$"))(handle_policy_edit_action)
    app.action(re.compile(rf"^{RETIRE_POLICY_ACTION}_\d+$"))(handle_policy_retire_action)
    app.action(re.compile(rf"^{UNRETIRE_POLICY_ACTION}_\d+$"))(handle_policy_unretire_action)
    app.action(SHOW_POLICIES_ACTION)(handle_policy_show_action)
    app.action(SHARE_UPDATE_ACTION)(handle_update_share_action)
    app.action(HOME_LOG_SESSION_ACTION)(handle_home_log_session_action)
    app.action(HOME_LOG_TRAINING_ACTION)(handle_home_log_training_action)
    app.action(HOME_OPEN_PULSE_ACTION)(handle_home_open_pulse_action)
    app.action(SEND_CONFIRM_ACTION)(handle_round_send_action)
    app.action(SEND_DISMISS_ACTION)(handle_round_not_now_action)
    app.action(CANCEL_ROUND_ACTION)(handle_round_cancel_action)
    app.action(CLOSE_CONFIRM_ACTION)(handle_round_close_action)
    app.action(CLOSE_KEEP_ACTION)(handle_round_keep_open_action)
