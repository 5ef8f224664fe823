"""The App Home tab, drawn from the domain's HomeView (bot/home.py). Pure builder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from bot.home import CoordinatorHome, EmployeeHome, HomeView, SupporterHome
from bot.i18n import _
from bot.ports import PostedMessage
from bot.support import SupportTaxonomy
from handlers.shared.home_words import (
    COORDINATOR_HEADER,
    SUPPORTER_HEADER,
    action_line,
    actions_heading,
    coordinator_tools,
    follow_ups_text,
    last_digest_text,
    more_text,
    open_pulse_label,
    promise_lines,
    pulse_text,
    reach_text,
    recent_heading,
    review_line,
    reviews_heading,
    round_text,
    supporter_footnote,
)
from handlers.shared.peer_log_words import session_line, training_status_text
from handlers.shared.policy_words import next_review_text
from handlers.slack.blocks.digest import UPDATE_ACTION
from handlers.slack.blocks.mrkdwn import link, plain
from handlers.slack.blocks.policies import ADD_POLICY_ACTION, REVIEW_POLICY_ACTION
from handlers.slack.blocks.pulse import pulse_permalink, slack_date

# Buttons only the home has: each opens the same modal as its slash command.
HOME_LOG_SESSION_ACTION = "home_log_session"
HOME_LOG_TRAINING_ACTION = "home_log_training"
HOME_OPEN_PULSE_ACTION = "home_open_pulse"


def _section(text: str, *, accessory: dict[str, Any] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(
    action_id: str, label: str, *, value: str | None = None, url: str | None = None, primary: bool = False
) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label},
    }
    if value is not None:
        button["value"] = value
    if url is not None:
        button["url"] = url
    if primary:
        button["style"] = "primary"
    return button


def message_link(message: PostedMessage, *, workspace_url: str) -> str:
    """A link that opens a delivered message."""
    return pulse_permalink(workspace_url, channel=message.conversation, ts=message.ref)


def app_messages_link(*, app_id: str, team_id: str) -> str:
    """Slack's documented link that opens the person's direct messages with the app (where pulses land)."""
    return f"https://slack.com/app_redirect?{urlencode({'app': app_id, 'team': team_id})}"


def build_home_view(
    home: HomeView,
    *,
    taxonomy: SupportTaxonomy,
    zone: str,
    workspace_url: str | None = None,
    messages_link: str | None = None,
) -> dict[str, Any]:
    """Home tab: everyone's part, then the supporter's and the coordinator's where the viewer has the role.

    A pulse DM is linked to itself when the workspace's address is known, else to the app's Messages
    tab (`messages_link`); the last digest to its message when the address is known.
    """
    blocks = _employee_blocks(
        home.employee, zone=zone, workspace_url=workspace_url, messages_link=messages_link
    )
    if home.supporter is not None:
        blocks += _supporter_blocks(home.supporter, taxonomy=taxonomy)
    if home.coordinator is not None:
        blocks += _coordinator_blocks(home.coordinator, zone=zone, workspace_url=workspace_url)
    return {"type": "home", "blocks": blocks}


# --- everyone ---------------------------------------------------------------------------------


def _employee_blocks(
    home: EmployeeHome, *, zone: str, workspace_url: str | None, messages_link: str | None
) -> list[dict[str, Any]]:
    survey = pulse_text(home.pulse, opted_out=home.opted_out, day=_day(zone))
    accessory = None
    if not home.opted_out and home.pulse is not None and home.pulse.dm is not None:
        url = message_link(home.pulse.dm, workspace_url=workspace_url) if workspace_url else messages_link
        if url is not None:
            accessory = _button(HOME_OPEN_PULSE_ACTION, open_pulse_label(home.pulse), url=url)
    return [
        _header("PeerPulse"),
        _section(_("*Your surveys*") + f"\n{survey}", accessory=accessory),
        {"type": "divider"},
        _section(reach_text(home.supporters)),
        {"type": "divider"},
        _section(promise_lines(home.promise)),
    ]


def _day(zone: str) -> Callable[[datetime], str]:
    return lambda moment: slack_date(moment, zone=zone)


# --- supporters -------------------------------------------------------------------------------


def _supporter_blocks(home: SupporterHome, *, taxonomy: SupportTaxonomy) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "divider"}, _header(_(SUPPORTER_HEADER))]
    training = training_status_text(home.training)
    if home.training.state in ("lapsed", "none"):
        training = f":warning: {training}"
    blocks.append(_section(_("*Your training*") + f"\n{training}"))
    blocks.append(_section(follow_ups_text(home.follow_ups_due, today=home.today)))
    blocks.append(
        {
            "type": "actions",
            "block_id": "home_supporter_tasks",
            "elements": [
                _button(HOME_LOG_SESSION_ACTION, _("Log a session"), primary=True),
                _button(HOME_LOG_TRAINING_ACTION, _("Record a training")),
            ],
        }
    )
    recent = recent_heading(bool(home.recent))
    if home.recent:
        recent += "\n" + "\n".join(f"• {session_line(s, taxonomy)}" for s in home.recent)
    blocks.append(_section(recent))
    blocks.append(_context(supporter_footnote()))
    return blocks


# --- coordinators -----------------------------------------------------------------------------


def _more(count: int, command: str) -> dict[str, Any] | None:
    words = more_text(count, command)
    return _context(words) if words is not None else None


def _coordinator_blocks(
    home: CoordinatorHome, *, zone: str, workspace_url: str | None
) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "divider"}, _header(_(COORDINATOR_HEADER))]
    blocks.append(_section(round_text(home.participation, day=_day(zone))))

    blocks.append(_section(actions_heading(bool(home.open_actions))))
    for i, action in enumerate(home.open_actions):
        blocks.append(
            _section(
                action_line(action, today=home.today, title=plain(action.title, limit=200)),
                accessory=_button(f"{UPDATE_ACTION}_{i}", _("Update"), value=action.id),
            )
        )
    more = _more(home.more_actions, "/pulse actions")
    if more is not None:
        blocks.append(more)

    blocks.append(_section(reviews_heading(bool(home.reviews_due))))
    for i, status in enumerate(home.reviews_due):
        blocks.append(
            _section(
                review_line(
                    status,
                    policy=link(status.policy.link, status.policy.name),
                    review=next_review_text(status),
                ),
                accessory=_button(f"{REVIEW_POLICY_ACTION}_{i}", _("Mark reviewed"), value=status.policy.id),
            )
        )
    more = _more(home.more_reviews, "/pulse policies")
    if more is not None:
        blocks.append(more)

    digest = home.last_digest
    where = ""
    if digest is not None:
        where = f"<#{digest.channel}>"
        if digest.message is not None and workspace_url:
            # Without the workspace's address a link could only open the channel, which <#…> already does.
            open_it = _("open it")
            where += f" · <{message_link(digest.message, workspace_url=workspace_url)}|{open_it}>"
    blocks.append(_section(last_digest_text(digest, day=_day(zone), where=where)))

    blocks.append(
        {
            "type": "actions",
            "block_id": "home_coordinator_tasks",
            "elements": [_button(ADD_POLICY_ACTION, _("Add a policy"))],
        }
    )
    blocks.append(_context(coordinator_tools()))
    return blocks
