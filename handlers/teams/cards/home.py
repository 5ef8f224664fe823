"""A person's home as a card (Teams has no App Home for bots): everyone's part, then each role's. Pure.

The same HomeView and words as Slack's App Home (bot/home.py, handlers/shared/home_words.py). The
buttons open the same dialogs as the typed commands; each is checked again by the domain on use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.home import CoordinatorHome, EmployeeHome, HomeView, SupporterHome
from bot.i18n import _
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
from handlers.teams.cards.card import card, lines, note, text
from handlers.teams.cards.markup import card_date, inert

Button = Callable[[], dict[str, Any]]
ItemButton = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class HomeButtons:
    """The dialogs a home's buttons open, as each feature draws its own opening button."""

    log_session: Button
    log_training: Button
    update_action: ItemButton
    review_policy: ItemButton
    add_policy: Button


def build_home_card(home: HomeView, *, taxonomy: SupportTaxonomy, buttons: HomeButtons) -> dict[str, Any]:
    """The person's home: the employee part, then the supporter's and coordinator's where they have the role."""
    body = _employee(home.employee)
    if home.supporter is not None:
        body += _supporter(home.supporter, taxonomy=taxonomy, buttons=buttons)
    if home.coordinator is not None:
        body += _coordinator(home.coordinator, buttons=buttons)
    return card(body, fallback=_("*Your surveys*"))


def _heading(words: str) -> dict[str, Any]:
    return text(words, size="large", weight="bolder", separator=True, spacing="large")


def _section(words: str) -> dict[str, Any]:
    return {"type": "Container", "items": lines(words), "spacing": "medium"}


def _actions(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"type": "ActionSet", "actions": list(buttons)}


def _day(moment: datetime) -> str:
    return card_date(moment)


def _employee(home: EmployeeHome) -> list[dict[str, Any]]:
    survey = pulse_text(home.pulse, opted_out=home.opted_out, day=_day)
    return [
        text("PeerPulse", size="large", weight="bolder"),
        _section(_("*Your surveys*") + f"\n{survey}"),
        _section(reach_text(home.supporters)),
        _section(promise_lines(home.promise)),
    ]


def _supporter(
    home: SupporterHome, *, taxonomy: SupportTaxonomy, buttons: HomeButtons
) -> list[dict[str, Any]]:
    training = training_status_text(home.training)
    if home.training.state in ("lapsed", "none"):
        training = f":warning: {training}"
    recent = recent_heading(bool(home.recent))
    if home.recent:
        recent += "\n" + "\n".join(f"• {session_line(s, taxonomy)}" for s in home.recent)
    return [
        _heading(_(SUPPORTER_HEADER)),
        _section(_("*Your training*") + f"\n{training}"),
        _section(follow_ups_text(home.follow_ups_due, today=home.today)),
        _actions(buttons.log_session(), buttons.log_training()),
        _section(recent),
        note(supporter_footnote()),
    ]


def _coordinator(home: CoordinatorHome, *, buttons: HomeButtons) -> list[dict[str, Any]]:
    body = [_heading(_(COORDINATOR_HEADER)), _section(round_text(home.participation, day=_day))]
    body.append(_section(actions_heading(bool(home.open_actions))))
    for action in home.open_actions:
        line = action_line(action, today=home.today, title=inert(action.title))
        body += [text(line), _actions(buttons.update_action(action.id))]
    if (more := more_text(home.more_actions, "/pulse actions")) is not None:
        body.append(note(more))
    body.append(_section(reviews_heading(bool(home.reviews_due))))
    for status in home.reviews_due:
        policy = inert(status.policy.name)
        if status.policy.link:
            policy = f"<{status.policy.link}|{policy}>"
        body += [
            text(review_line(status, policy=policy, review=next_review_text(status))),
            _actions(buttons.review_policy(status.policy.id)),
        ]
    if (more := more_text(home.more_reviews, "/pulse policies")) is not None:
        body.append(note(more))
    # A bot cannot link to a channel message it posted without the team's ids: the channel is named.
    body.append(_section(last_digest_text(home.last_digest, day=_day, where=_("the coordinators' channel"))))
    body += [_actions(buttons.add_policy()), note(coordinator_tools())]
    return body
