"""Every slash command and subcommand, and the survey's actions and view, × every role: allowed
or refused with a clear message, by the live Slack role (a removal counts at once)."""

from __future__ import annotations

import re

from sqlmodel import func, select

from bot.runtime import Runtime
from handlers.slack.blocks.pulse import COMMENT_BLOCK, COMMENT_INPUT, COMMENT_VIEW
from handlers.slack.commands import peer_log, pulse
from handlers.slack.simulation.people import People
from handlers.slack.simulation.signing import state_text
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, SUPPORTERS_CHANNEL_ID, Workspace
from storage.models import SurveyAnswer
from tests.support import eventually

NOT_COORDINATOR = "Only program coordinators"
NOT_SUPPORTER = "Only peer supporters"
ROLES = ("employee", "supporter", "coordinator", "removed a minute ago")


def _subcommands(usage: str, command: str) -> list[str]:
    """Subcommands as the command's own help lists them ('' for the bare command)."""
    found = re.findall(rf"`{re.escape(command)}(?: ([\w-]+))?`", usage)
    return list(dict.fromkeys(found))


def _pulse_rows() -> dict[tuple[str, str], set[str]]:
    """/pulse: what its help lists under *Coordinators* is theirs alone; the rest is everyone's."""
    everyone_part, _, coordinators_part = pulse.USAGE.partition("*Coordinators*")
    rows = {("/pulse", sub): set(ROLES) for sub in _subcommands(everyone_part, "/pulse")}
    rows |= {("/pulse", sub): {"coordinator"} for sub in _subcommands(coordinators_part, "/pulse")}
    rows[("/pulse", "help")] = set(ROLES)
    rows[("/pulse", "no-such-thing")] = set(ROLES)
    return rows


def _peer_log_rows() -> dict[tuple[str, str], set[str]]:
    """/peer-log is the supporters' tool; only its help (and an unknown word) answers anyone."""
    rows = {("/peer-log", sub): {"supporter"} for sub in _subcommands(peer_log.USAGE, "/peer-log")}
    rows[("/peer-log", "help")] = set(ROLES)
    rows[("/peer-log", "no-such-thing")] = set(ROLES)
    return rows


async def _answers(runtime: Runtime) -> int:
    async with runtime.db.session() as session:
        return int((await session.exec(select(func.count()).select_from(SurveyAnswer))).one())


async def test_every_command_and_subcommand_by_every_role(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinators, supporters = workspace.coordinators(), workspace.supporters()
    staff = {*coordinators, *supporters}
    users = {
        "employee": next(u.id for u in workspace.active_humans() if u.id not in staff),
        "supporter": supporters[0],
        "coordinator": coordinators[0],
        "removed a minute ago": coordinators[1],
    }
    # The leaver was a coordinator and a supporter, used both, and then lost both roles.
    removed = users["removed a minute ago"]
    slack.add_member(SUPPORTERS_CHANNEL_ID, removed)
    for command, text in (("/pulse", "status"), ("/peer-log", "list")):
        _, reply = await people.command(removed, command, text)
        assert NOT_COORDINATOR not in str(reply) and NOT_SUPPORTER not in str(reply)
    slack.remove_member(COORDINATOR_CHANNEL_ID, removed)
    slack.remove_member(SUPPORTERS_CHANNEL_ID, removed)

    expected = {**_pulse_rows(), **_peer_log_rows(), ("/feedback", ""): set(ROLES)}
    assert {"send", "status", "digest"} <= {
        sub for (cmd, sub), who in expected.items() if who == {"coordinator"}
    }
    actual: dict[tuple[str, str], set[str]] = {}
    unclear: list[str] = []
    for (command, sub), _ in sorted(expected.items()):
        actual[(command, sub)] = set()
        for role, user in users.items():
            status, reply = await people.command(user, command, sub)
            assert status == 200, f"{role} {command} {sub}: HTTP {status}"
            refused = NOT_COORDINATOR in str(reply) or NOT_SUPPORTER in str(reply)
            if not refused:
                actual[(command, sub)].add(role)
            elif len(str(reply)) > 200 or "Traceback" in str(reply):
                unclear.append(f"{role} {command} {sub}: {reply!r}")
    mismatches = {k: (sorted(expected[k]), sorted(actual[k])) for k in expected if expected[k] != actual[k]}
    assert not mismatches, f"(expected, actual) roles allowed: {mismatches}"
    assert not unclear


async def test_survey_actions_and_view_belong_to_whoever_was_sent_the_pulse_whatever_their_role(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace
) -> None:
    coordinators, supporters = workspace.coordinators(), workspace.supporters()
    staff = {*coordinators, *supporters}
    employee = next(u.id for u in workspace.active_humans() if u.id not in staff)
    removed = coordinators[1]
    await people.send_pulse(coordinators[0])
    humans = [u.id for u in workspace.active_humans()]
    await eventually(lambda: all(people.pulse_message(u) for u in humans), timeout=20)
    slack.remove_member(COORDINATOR_CHANNEL_ID, removed)

    for user in (employee, supporters[0], coordinators[0], removed):
        message = people.pulse_message(user)
        assert message is not None
        before = await _answers(runtime)
        options = next(iter(people.answer_buttons(message).values()))
        assert (await people.click(user, message, options[1]))[0] == 200
        assert await _answers(runtime) == before + 1
        comment = people.comment_button(message)
        assert comment is not None
        opened = len(slack.opened_views())
        assert (await people.click(user, message, comment))[0] == 200
        modal = (await eventually(lambda n=opened: slack.opened_views()[n:]))[0].view
        assert modal["callback_id"] == COMMENT_VIEW
        status, _ = await people.submit_view(
            user,
            callback_id=COMMENT_VIEW,
            private_metadata=modal["private_metadata"],
            state_values={COMMENT_BLOCK: {COMMENT_INPUT: state_text("More training, please.")}},
        )
        assert status == 200 and await _answers(runtime) == before + 2
        assert not slack.ephemerals(user), slack.ephemerals(user)

    # A coordinator's role gives no access to another person's pulse (its buttons, forwarded).
    forwarded = people.pulse_message(employee)
    assert forwarded is not None
    before = await _answers(runtime)
    options = next(iter(people.answer_buttons(forwarded).values()))
    assert (await people.click(coordinators[0], forwarded, options[4]))[0] == 200
    assert await _answers(runtime) == before
