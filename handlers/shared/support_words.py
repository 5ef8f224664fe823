"""Where help is, said the same on every platform: the help reply, the safety net's replies, the
support line of the anonymous forms and the note under a harmful answer. Pure builders."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.i18n import N_, _
from bot.privacy import load_support_resources

HELP_OPENER = N_(
    ":wave: Hi, thanks for writing. I'm PeerPulse, a bot for your workplace's peer-support program, "
    "so no one reads messages sent here and I keep no copy of them."
)
HELP_NOTE = N_(
    "Anything written here sits in Slack next to your name, so it isn't anonymous. "
    "For anonymous feedback, use `/feedback`."
)


@dataclass(frozen=True)
class Reply:
    """A private reply in parts: an opener, sections of bulleted lines, a closing note."""

    opener: str
    sections: tuple[str, ...]
    note: str


def what_i_do(settings: Settings, *, home: str) -> list[str]:
    """The help reply's "What I do": pulses, feedback, `/pulse`, and `home` (where each platform keeps its home)."""
    return [
        _("*What I do*"),
        "• "
        + _(
            "Now and then I send you a short pulse here: a few questions, one tap each, under a minute. "
            "Answers are saved without your name and only shown for groups of {k} or more people."
        ).format(k=settings.min_group_size),
        "• " + _("`/feedback` sends the program an anonymous suggestion or concern."),
        "• " + _("`/pulse` shows whether a pulse is open for you; `/pulse optout` stops pulses."),
        "• " + home,
    ]


def help_reply(settings: Settings) -> Reply:
    """The reply to someone who writes to the bot; the same for everyone, and nothing of what they wrote."""
    resources = load_support_resources(settings.support_resources_path)
    what = what_i_do(
        settings,
        home=_("The *Home* tab shows who the peer supporters are and what we promise about privacy."),
    )
    talk = [
        _("*If you'd like someone to talk to*"),
        "• " + _("*A peer supporter:* {how}").format(how=_(resources.peer_supporter_now)),
        "• " + _("*Employee Assistance Program:* {how}").format(how=_(resources.eap_contact)),
        "• " + _("*Crisis line (24/7, confidential):* {how}").format(how=_(resources.crisis_line)),
        "• " + _("*If anyone is in immediate danger:* {how}").format(how=_(resources.emergency_number)),
    ]
    return Reply(_(HELP_OPENER), ("\n".join(what), "\n".join(talk)), _(HELP_NOTE))


# Where each platform shows who the supporters are: Slack's Home tab, or Teams' `home` card.
SUPPORT_LINE_HOME_TAB = N_(
    ":handshake: *Need someone to talk to?* What you write here isn't read right away. A peer supporter "
    "will listen in confidence; PeerPulse's *Home* tab shows who they are. {emergency}"
)
SUPPORT_LINE_HOME_COMMAND = N_(
    ":handshake: *Need someone to talk to?* What you write here isn't read right away. A peer supporter "
    "will listen in confidence; type `home` to PeerPulse to see who they are. {emergency}"
)


def support_line(settings: Settings, *, words: str = SUPPORT_LINE_HOME_TAB) -> str:
    """One short line for the anonymous forms: they are not read right away, and where to find a person."""
    resources = load_support_resources(settings.support_resources_path)
    return _(words).format(emergency=_(resources.emergency_number))


def harm_note(settings: Settings, *, ephemeral: bool = False) -> str:
    """The pointer to support under a sensitive answer at its unfavourable end, in the person's own DM.

    `ephemeral`: said in a private reply shown once (where the DM keeps no choices) instead.
    """
    resources = load_support_resources(settings.support_resources_path)
    return "\n".join(
        [
            _(":handshake: *You don't have to deal with this alone.* If you'd like to talk to someone:"),
            f"• {_(resources.peer_supporter_now)}",
            f"• {_(resources.eap_contact)}",
            f"• {_(resources.emergency_number)}",
            _(
                "_You see this because of the answer you chose. Only you can see this message: nobody is "
                "told, PeerPulse keeps no record of it, and it goes when the pulse closes._"
            )
            if ephemeral
            else _(
                "_You see this because of the answer you chose. It's only here in your DM: nobody is told, "
                "PeerPulse keeps no record of it, and it goes when the pulse closes._"
            ),
        ]
    )


def resource_lines(settings: Settings) -> list[str]:
    """Where to turn now, most urgent first: emergency, crisis line, EAP, a peer supporter."""
    resources = load_support_resources(settings.support_resources_path)
    return [
        "• " + _("*If anyone is in immediate danger:* {how}").format(how=_(resources.emergency_number)),
        "• " + _("*Crisis line (24/7, confidential):* {how}").format(how=_(resources.crisis_line)),
        "• " + _("*Employee Assistance Program:* {how}").format(how=_(resources.eap_contact)),
        "• " + _("*A peer supporter, today:* {how}").format(how=_(resources.peer_supporter_now)),
    ]


def safety_reply(kind: str, settings: Settings) -> Reply:
    """Support resources for someone whose words signal risk, without repeating what they wrote."""
    # Said plainly that this is automatic: no person read the words to send it.
    opener = (
        _(
            "This message was sent automatically, because some words you just wrote may mean you're going "
            "through something really hard. You matter, and you don't have to handle this alone."
        )
        if kind == "self_harm"
        else _(
            "This message was sent automatically, because some words you just wrote sounded like someone "
            "could get hurt. If anyone is in danger, please reach out now."
        )
    )
    note = _(
        "This message is private to you. PeerPulse did not record who wrote, nor keep a copy of what you "
        "wrote in this message — whether or not the text itself was accepted."
    )
    return Reply(opener, ("\n".join(resource_lines(settings)),), note)


def escalation_reply(kind: str, settings: Settings) -> Reply:
    """Escalation guidance for a supporter whose session note describes someone at risk."""
    opener = (
        _("Your session note suggests that someone may harm themselves. Please don't carry this alone.")
        if kind == "self_harm"
        else _(
            "Your session note suggests that someone may be in danger, or may harm someone. "
            "Please don't carry this alone."
        )
    )
    steps = [
        "• "
        + _("*Immediate danger:* call the emergency number below now, and stay with the person if you can."),
        "• "
        + _(
            "*Not immediate:* encourage them to contact the crisis line or the EAP today, and offer to help "
            "them make the call."
        ),
        "• "
        + _(
            "*Escalate* following your program's safeguarding procedure: tell your coordinator or safeguarding "
            "lead directly (not in a shared channel), and write down what was said, when, and what you did."
        ),
        "• " + _("*Look after yourself:* talk it through with your coordinator or the EAP."),
    ]
    note = _(
        "This message is private to you and carries no copy of your note. Session notes are never the "
        "place to escalate: nobody is alerted by what you log."
    )
    return Reply(opener, ("\n".join([*steps, "", *resource_lines(settings)]),), note)
