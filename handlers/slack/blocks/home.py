"""The App Home tab, drawn from the domain's HomeView (bot/home.py). Pure builder."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from bot.home import CoordinatorHome, EmployeeHome, HomeView, OpenPulse, SupporterHome
from bot.i18n import N_, _, format_day, ngettext
from bot.ports import PostedMessage
from bot.support import FOLLOW_UPS_AHEAD_DAYS, SessionSummary, SupportTaxonomy
from handlers.shared.round_words import answered_line
from handlers.slack.blocks.digest import UPDATE_ACTION
from handlers.slack.blocks.mrkdwn import link, plain
from handlers.slack.blocks.peer_log import session_line, training_status_text
from handlers.slack.blocks.policies import ADD_POLICY_ACTION, REVIEW_POLICY_ACTION, next_review_text
from handlers.slack.blocks.pulse import pulse_permalink, slack_date

# Buttons only the home has: each opens the same modal as its slash command.
HOME_LOG_SESSION_ACTION = "home_log_session"
HOME_LOG_TRAINING_ACTION = "home_log_training"
HOME_OPEN_PULSE_ACTION = "home_open_pulse"
SUPPORTER_HEADER = N_("For peer supporters")
COORDINATOR_HEADER = N_("Coordinator dashboard")


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


def _pulse_text(pulse: OpenPulse | None, *, opted_out: bool, zone: str) -> str:
    if opted_out:
        return _("You've opted out of pulse surveys. `/pulse optin` to take part again.")
    if pulse is None:
        return _("No pulse survey is open right now. The next one arrives in your DMs.")
    closes = slack_date(pulse.closes_at, zone=zone)
    if pulse.answered:
        return _(
            "You've answered this week's pulse — thank you. You can change answers until {closes}."
        ).format(closes=closes)
    return _(":memo: *A pulse is open* until {closes} — it's in your DMs, under a minute.").format(
        closes=closes
    )


def _employee_blocks(
    home: EmployeeHome, *, zone: str, workspace_url: str | None, messages_link: str | None
) -> list[dict[str, Any]]:
    promise = home.promise
    survey = _pulse_text(home.pulse, opted_out=home.opted_out, zone=zone)
    accessory = None
    if not home.opted_out and home.pulse is not None and home.pulse.dm is not None:
        url = message_link(home.pulse.dm, workspace_url=workspace_url) if workspace_url else messages_link
        if url is not None:
            label = _("Change my answers") if home.pulse.answered else _("Open my pulse")
            accessory = _button(HOME_OPEN_PULSE_ACTION, label, url=url)
    blocks: list[dict[str, Any]] = [
        _header("PeerPulse"),
        _section(_("*Your surveys*") + f"\n{survey}", accessory=accessory),
        {"type": "divider"},
    ]
    if home.supporters:
        names = ", ".join(f"<@{u}>" for u in home.supporters[:20])
        reach = _(
            "*Talk to a peer supporter*\nTrained colleagues who listen in confidence: {names}. "
            "Message any of them directly — they never record who they helped."
        ).format(names=names)
    else:
        reach = _(
            "*Talk to a peer supporter*\nThe program is recruiting supporters; your coordinators can help meanwhile."
        )
    blocks += [_section(reach), {"type": "divider"}]
    days = promise.retention_days
    blocks.append(
        _section(
            "\n".join(
                [
                    _("*Our confidentiality promise*"),
                    "• "
                    + _(
                        "Survey answers are stored *without your name* or anything that could point back to you."
                    ),
                    "• "
                    + _("Results are only ever shown for groups of *{k} or more* people.").format(
                        k=promise.min_group_size
                    ),
                    "• "
                    + ngettext(
                        "Comments are stripped of names, emails and phone numbers before they are saved, "
                        "and deleted after *{days} day*; only group figures stay.",
                        "Comments are stripped of names, emails and phone numbers before they are saved, "
                        "and deleted after *{days} days*; only group figures stay.",
                        days,
                    ).format(days=days),
                    "• "
                    + _(
                        "Peer supporters never log who they helped. "
                        "Nobody — coordinators included — sees individual answers."
                    ),
                    "• "
                    + _(
                        "`/feedback` leaves an anonymous suggestion at any time. `/pulse optout` stops pulses; "
                        "`/pulse optin` brings them back."
                    ),
                ]
            )
        )
    )
    return blocks


# --- supporters -------------------------------------------------------------------------------


def _follow_up_line(session: SessionSummary, *, today: date) -> str:
    due = session.follow_up_on
    assert due is not None  # follow-ups due always have a date
    when = f"*{format_day(due)}*"
    if due < today:
        when += " " + _("(overdue)")
    elif due == today:
        when += " " + _("(today)")
    return "• " + _("{when} — from your session of {day}").format(
        when=when, day=format_day(session.session_date)
    )


def _supporter_blocks(home: SupporterHome, *, taxonomy: SupportTaxonomy) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "divider"}, _header(_(SUPPORTER_HEADER))]
    training = training_status_text(home.training)
    if home.training.state in ("lapsed", "none"):
        training = f":warning: {training}"
    blocks.append(_section(_("*Your training*") + f"\n{training}"))
    if home.follow_ups_due:
        lines = "\n".join(_follow_up_line(s, today=home.today) for s in home.follow_ups_due)
        follow_ups = _("*Follow-ups due*") + f"\n{lines}"
    else:
        follow_ups = (
            _("*Follow-ups due*")
            + "\n"
            + _("Nothing due in the next {days} days.").format(days=FOLLOW_UPS_AHEAD_DAYS)
        )
    blocks.append(_section(follow_ups))
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
    if home.recent:
        lines = "\n".join(f"• {session_line(s, taxonomy)}" for s in home.recent)
        recent = _("*Your latest sessions*") + f"\n{lines}"
    else:
        recent = _("*Your latest sessions*") + "\n" + _("You haven't logged a session yet.")
    blocks.append(_section(recent))
    blocks.append(
        _context(
            _(
                "Only you see your sessions; coordinators see totals, never who or when. "
                "`/peer-log list` to edit or delete one within 24 hours."
            )
        )
    )
    return blocks


# --- coordinators -----------------------------------------------------------------------------


def _more(count: int, command: str) -> dict[str, Any] | None:
    return (
        _context(_("…and {n} more: {command} shows them all.").format(n=count, command=f"`{command}`"))
        if count
        else None
    )


def _coordinator_blocks(
    home: CoordinatorHome, *, zone: str, workspace_url: str | None
) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "divider"}, _header(_(COORDINATOR_HEADER))]
    p = home.participation
    if p is None:
        blocks.append(_section(_("*This round*\nNo pulse is open right now. `/pulse send` opens one.")))
    else:
        blocks.append(
            _section(
                _("*This round* — open until {day}").format(day=slack_date(p.closes_at, zone=zone))
                + "\n• "
                + _("Invited: {n}").format(n=p.invited)
                + f"\n{answered_line(p.answered)}"
            )
        )

    blocks.append(_section(_("*Open actions*") + ("" if home.open_actions else "\n" + _("No open actions."))))
    for i, action in enumerate(home.open_actions):
        overdue = _(":warning: *overdue* · ") if action.due_on < home.today else ""
        blocks.append(
            _section(
                overdue
                + _("*{title}* — owner {owner}, due {due}").format(
                    title=plain(action.title, limit=200),
                    owner=f"<@{action.owner_id}>",
                    due=format_day(action.due_on, year=True),
                ),
                accessory=_button(f"{UPDATE_ACTION}_{i}", _("Update"), value=action.id),
            )
        )
    more = _more(home.more_actions, "/pulse actions")
    if more is not None:
        blocks.append(more)

    blocks.append(
        _section(
            _("*Policy reviews due*") + ("" if home.reviews_due else "\n" + _("No policy review is due."))
        )
    )
    for i, status in enumerate(home.reviews_due):
        blocks.append(
            _section(
                _("*{policy}* — owner {owner}, {review}").format(
                    policy=link(status.policy.link, status.policy.name),
                    owner=f"<@{status.policy.owner_id}>",
                    review=next_review_text(status),
                ),
                accessory=_button(f"{REVIEW_POLICY_ACTION}_{i}", _("Mark reviewed"), value=status.policy.id),
            )
        )
    more = _more(home.more_reviews, "/pulse policies")
    if more is not None:
        blocks.append(more)

    digest = home.last_digest
    if digest is None:
        blocks.append(
            _section(_("*Last digest*\nNo digest has been posted yet. `/pulse digest` posts one now."))
        )
    else:
        where = f"<#{digest.channel}>"
        if digest.message is not None and workspace_url:
            # Without the workspace's address a link could only open the channel, which <#…> already does.
            open_it = _("open it")
            where += f" · <{message_link(digest.message, workspace_url=workspace_url)}|{open_it}>"
        blocks.append(
            _section(
                _("*Last digest*\nPosted {day} in {where}").format(
                    day=slack_date(digest.posted_at, zone=zone), where=where
                )
            )
        )

    blocks.append(
        {
            "type": "actions",
            "block_id": "home_coordinator_tasks",
            "elements": [_button(ADD_POLICY_ACTION, _("Add a policy"))],
        }
    )
    blocks.append(
        _context(
            _("*Coordinator tools:*")
            + " `/pulse status` · `/pulse send` · `/pulse close` · `/pulse cancel` · `/pulse digest` · "
            "`/pulse actions` · `/pulse policies` · `/pulse supporters` · `/pulse schedule` · `/pulse questions`"
        )
    )
    return blocks
