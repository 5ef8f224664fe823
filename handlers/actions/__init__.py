"""Block-action listeners."""

from __future__ import annotations

import re

from slack_bolt.async_app import AsyncApp

from handlers.actions.pulse_answer import handle_pulse_answer_action
from handlers.actions.pulse_comment import handle_pulse_comment_action
from handlers.blocks.pulse import ANSWER_ACTION_PREFIX, COMMENT_ACTION


def register(app: AsyncApp) -> None:
    """Attach every block-action listener."""
    app.action(re.compile(rf"^{ANSWER_ACTION_PREFIX}_\d+_\d+$"))(handle_pulse_answer_action)
    app.action(COMMENT_ACTION)(handle_pulse_comment_action)
