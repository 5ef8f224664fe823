"""The digest on Teams, end to end: a round with enough answers closes, a coordinator types
`pulse digest`, and the digest's card(s) and its chart (an inline image in a card) arrive in the
coordinators' conversation on the fake Teams, no figure from fewer than MIN_GROUP_SIZE people shown.
Real runtime, real database (SQLite, PostgreSQL), real HTTP, nothing of ours mocked."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.measures import label_of
from bot.questions import load_question_bank
from bot.runtime import Runtime
from handlers.teams.cards.answers import ANSWER_VERB
from handlers.teams.cards.card import CARD_LIMIT, size
from handlers.teams.ids import person_id
from handlers.teams.simulation.connector import FakeTeams, SentActivity
from handlers.teams.simulation.people import TeamsPeople, answer_buttons
from handlers.teams.simulation.tenant import COORDINATORS_TEAM_ID, Team, Tenant, build_tenant
from tests.handlers.teams.cards.checks import schema_errors, texts
from tests.support import eventually, round_settled
from tests.teams_runtime import SUPPORTERS_TEAM_ID

K = 5  # the settings' MIN_GROUP_SIZE
FEW = 3  # answer one measure's question: fewer than K


@pytest.fixture
def tenant() -> Tenant:
    """Eight employees (the first a coordinator, the second a supporter) and a guest."""
    tenant = build_tenant(employees=8, coordinators=1, guests=1)
    tenant.teams[SUPPORTERS_TEAM_ID] = Team(
        SUPPORTERS_TEAM_ID, "Peer supporters", members=[tenant.people()[1].id]
    )
    return tenant


def _cards(sent: list[SentActivity]) -> list[dict[str, Any]]:
    return [a["content"] for s in sent for a in s.attachments]


async def test_a_coordinator_types_pulse_digest_and_the_cards_and_chart_arrive(
    teams_runtime: Runtime, teams_people: TeamsPeople, teams_fake: FakeTeams, clock: ManualClock
) -> None:
    runtime, fake, people = teams_runtime, teams_fake, teams_people
    services, team = runtime.services, runtime.services.team_id
    employees = [u.id for u in fake.tenant.people()]
    coordinator = employees[0]
    assert services.settings.min_group_size == K
    preview = await services.surveys.preview_round(team_id=team, by=person_id(coordinator))
    sent = await services.surveys.send_now(team_id=team, by=person_id(coordinator), token=preview.token)
    await eventually(lambda: round_settled(runtime, sent.round.id))

    # One measure asked by a single question of the round: only FEW people answer that question.
    bank = load_question_bank()
    asked = [bank.get(q) for q in sent.round.question_ids]
    measures = Counter(q.construct for q in asked if q is not None)
    rare = next(q for q in asked if q is not None and q.kind != "text" and measures[q.construct] == 1)
    for n, user in enumerate(employees):
        pulse = next(a for a in fake.sent_to(people.chat(user)) if answer_buttons(a))
        first: dict[str, dict[str, Any]] = {}
        for button in answer_buttons(pulse):
            first.setdefault(button["data"]["q"], button)
        for question, button in first.items():
            if question == rare.id and n >= FEW:
                continue
            status, body = await people.post(people.tap_activity(user, verb=ANSWER_VERB, data=button["data"]))
            assert (status, body["statusCode"]) == (200, 200)
    assert await services.surveys.close_now(team_id=team, round_id=sent.round.id, by=person_id(coordinator))

    chat = people.chat(coordinator)
    before = len(fake.sent_to(chat))
    assert await people.say(coordinator, "pulse digest") == 200
    ack = await eventually(lambda: [a for a in fake.sent_to(chat)[before:] if "digest" in a.text])
    assert "coordinators' channel" in ack[0].text

    def arrived() -> list[SentActivity]:
        # The test clock stands still; let it tick so the chart, queued a moment after the digest, is due.
        clock.advance(timedelta(milliseconds=100))
        services.outbox.wakeup.set()
        posted = fake.sent_to(COORDINATORS_TEAM_ID)
        cards = _cards(posted)
        images = [c for c in cards if any(b["type"] == "Image" for b in c["body"])]
        digest = [c for c in cards if c["fallbackText"].startswith("PeerPulse weekly digest")]
        return posted if images and digest else []

    posted = await eventually(arrived, timeout=20)
    cards = _cards(posted)
    assert all(schema_errors(c) == [] for c in cards)
    digest = [c for c in cards if c["fallbackText"].startswith("PeerPulse weekly digest")]
    assert digest
    shown = "\n".join(texts(digest))
    assert "**Participation** — latest round:" in shown
    assert "The chart in words" in shown
    assert "**Peer-support activity**" in shown and "**Policy reviews**" in shown
    # The measure FEW people answered is withheld, and no figure says FEW.
    assert f"**{label_of(rare.construct)}** — not enough answers (fewer than {K})" in shown
    assert f"n={FEW}" not in shown
    assert any("n=8" in t for t in texts(digest))
    # The chart, inline in a card, with its alt text. (Its row is queued a moment after the digest's;
    # the outbox sends rows concurrently, so arrival order is not asserted.)
    (chart,) = [c for c in cards if c not in digest]
    image = next(b for b in chart["body"] if b["type"] == "Image")
    assert base64.b64decode(image["url"].removeprefix("data:image/png;base64,")).startswith(b"\x89PNG")
    assert image["altText"]
    # Within the 28 KB Teams allows a card (a chart drawn for Slack is redrawn smaller if need be).
    assert size(chart) < CARD_LIMIT
    assert cards.index(chart) == len(cards) - 1
    # Nothing went to anyone's chat as a file: Teams has no upload for bots in channels.
    assert not [
        a
        for s in posted
        for a in s.attachments
        if a.get("contentType") != "application/vnd.microsoft.card.adaptive"
    ]
