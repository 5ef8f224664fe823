"""The words PeerPulse types back in a Teams chat: help, usage, status, opt-out, the safety net. Pure builders.

Every sentence is one the catalogue already holds (shared with Slack word for word, so German is
complete too), made plain for Teams: no emoji shortcodes, commands typed without Slack's slash.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.config import Settings
from bot.errors import NextStep, PeerPulseError
from bot.i18n import N_, _
from handlers.shared.peer_log_words import USAGE as PEER_LOG_USAGE
from handlers.shared.pulse_words import COORDINATOR_USAGE, EMPLOYEE_USAGE
from handlers.shared.support_words import HELP_OPENER, resource_lines, safety_reply, what_i_do
from handlers.teams.render import plain

# The coordinators' subcommands Teams has (handlers/teams/coordinator.py, admin.py).
TEAMS_SUBCOMMANDS = (
    "send",
    "status",
    "close",
    "cancel",
    "digest",
    "schedule",
    "questions",
    "supporters",
    "actions",
    "policies",
)


def usage_text(*, coordinator: bool = False) -> str:
    """What the typed `pulse` command does; coordinators' subcommands only for coordinators."""
    employee = plain(_(EMPLOYEE_USAGE))
    if not coordinator:
        return employee
    heading, *rest = _(COORDINATOR_USAGE).split("\n")
    # A line is kept by the command it names (commands are never translated).
    kept = [line for line in rest if any(f"`/pulse {sub}`" in line for sub in TEAMS_SUBCOMMANDS)]
    return employee + "\n" + plain("\n".join([heading, *kept]))


def unknown_command_text(sub: str, *, coordinator: bool = False) -> str:
    """A `pulse` subcommand PeerPulse does not know on Teams, with the usage."""
    return (
        plain(_("I don't know `/pulse {sub}`.").format(sub=sub))
        + "\n\n"
        + usage_text(coordinator=coordinator)
    )


def opted_out_text() -> str:
    """The reply to `pulse optout`."""
    return plain(
        _(
            "You're opted out: no more pulse DMs. Nothing you answered before is affected. `/pulse optin` to come back."
        )
    )


def opted_in_text() -> str:
    """The reply to `pulse optin`."""
    return plain(_("Welcome back — you'll get the next pulse in your DMs."))


def help_text(settings: Settings) -> str:
    """The reply to anything else typed to the bot: what PeerPulse does and where help is."""
    opener = _(HELP_OPENER)
    # Teams has no home tab for a bot without a hosted page: the home is a card, on request.
    what = what_i_do(
        settings, home=_("`home` shows who the peer supporters are and what we promise about privacy.")
    )
    talk = [_("*If you'd like someone to talk to*"), *resource_lines(settings)]
    return plain("\n".join([opener, *what, *talk]))


def safety_text(kind: str, settings: Settings) -> str:
    """Support resources for someone whose words signal risk, without repeating what they wrote."""
    reply = safety_reply(kind, settings)
    return plain("\n".join([reply.opener, *reply.sections, f"_{reply.note}_"]))


def status_lines(*, opted_out: bool, open_until: str | None, answered: bool, k: int) -> str:
    """The reply to a bare `pulse`: whether the person gets pulses and whether one is open for them."""
    lines = [
        _("You're *opted out* of pulse surveys. `/pulse optin` to take part again.")
        if opted_out
        else _("You get pulse surveys in your DMs. `/pulse optout` to stop.")
    ]
    if open_until is None:
        lines.append(_("No pulse is open right now."))
    elif answered:
        lines.append(
            _("You've answered this week's pulse — thank you. You can change answers until {closes}.").format(
                closes=open_until
            )
        )
    else:
        lines.append(
            _("This week's pulse is open until {closes} — it's in your DMs.").format(closes=open_until)
        )
    lines.append(
        _(
            "_Your answers are stored without your name; results are only shown for groups of {k} or more._"
        ).format(k=k)
    )
    return plain("\n".join(lines))


def progress_text(*, done: int, required: int, closes: str) -> str:
    """What an answer tap shows: the ballot's progress, or thanks once every question is answered."""
    if required and done >= required:
        return plain(
            _(":raised_hands: *Thank you — your answers are in.* You can change them until {closes}.").format(
                closes=closes
            )
        )
    return _("{done} of {required} answered · closes {closes}").format(
        done=done, required=required, closes=closes
    )


def database_down_text() -> str:
    """Nothing was saved because the database is out of reach."""
    return _(
        "PeerPulse can't reach its database right now, so nothing was saved. Please try again in a minute."
    )


def something_went_wrong_text() -> str:
    """Nothing was saved, for a reason not the person's to fix."""
    return _("Something went wrong on our side and nothing was saved. Please try again in a moment.")


def not_our_button_text() -> str:
    """An invoke whose data is not a PeerPulse answer."""
    return _("That button isn't one of PeerPulse's; nothing was recorded.")


# The domain names a person's next step; on Teams it is a typed command (Slack's words, its slash dropped).
NEXT_STEPS: dict[NextStep, str] = {
    "round_status": N_("`/pulse status` shows how it is going."),
    "session_list": N_("`/peer-log list` shows your latest ones."),
    "opt_in": N_("`/pulse optin` to take part again."),
}


def user_message_for(exc: BaseException) -> str:
    """What to tell someone about an error: the domain's own words (the same refusal as on Slack)."""
    if isinstance(exc, PeerPulseError):
        step = NEXT_STEPS.get(exc.next_step) if exc.next_step else None
        return plain(f"{exc} {_(step)}" if step else str(exc))
    if isinstance(exc, DBAPIError | PoolTimeout | ConnectionError):
        return database_down_text()
    return something_went_wrong_text()


def supporter_usage_text() -> str:
    """What the typed `peer-log` command does, for the help a peer supporter gets (Slack's words, no slash)."""
    return plain(_(PEER_LOG_USAGE)).replace("`/peer-log", "`peer-log")
