"""Opting out, on either platform: `pulse optout` keeps the next round away (and says so), the
person's status says they are out, and `pulse optin` brings the round after back."""

from __future__ import annotations

from tests.e2e.scenarios.chat import Chat

OPTED_OUT = "You're opted out: no more pulse DMs. Nothing you answered before is affected."
STATUS_OUT = "You're opted out of pulse surveys."
WELCOME_BACK = "Welcome back — you'll get the next pulse in your DMs."


async def test_an_opted_out_person_gets_no_pulse_until_they_opt_in(chat: Chat) -> None:
    services = chat.runtime.services
    coordinator, quitter = chat.coordinators()[0], chat.employees()[0]
    everyone = chat.audience()

    (said,) = await chat.say(quitter, "pulse optout")
    assert said.startswith(OPTED_OUT) and "pulse optin" in said
    (status,) = await chat.say(quitter, "pulse")
    assert status.startswith(STATUS_OUT)

    first = await chat.open_round_as(coordinator)
    assert first.invited == len(everyone) - 1
    assert chat.pulse_of(quitter, first.id) is None
    assert all(chat.pulse_of(u, first.id) for u in everyone if u != quitter)
    await services.surveys.close_round(first.id)

    assert await chat.say(quitter, "pulse optin") == [WELCOME_BACK]
    second = await chat.open_round_as(coordinator)
    assert second.invited == len(everyone)
    assert chat.pulse_of(quitter, second.id)
    (status,) = await chat.say(quitter, "pulse")
    assert "open until" in status and "it's in your DMs" in status
