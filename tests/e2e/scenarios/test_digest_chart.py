"""The digest with its chart, on either platform: a round everyone answers (but one measure, answered
by fewer than MIN_GROUP_SIZE) closes; a coordinator asks for the digest; it and its chart arrive in
the coordinators' channel, the small group's measure withheld and no figure counting it shown. A round
fewer than MIN_GROUP_SIZE answered shows no figure at all, in its words or its chart."""

from __future__ import annotations

from collections import Counter

from bot.measures import label_of
from bot.questions import load_question_bank
from tests.e2e.scenarios.chat import Chat, Option

K = 5  # the settings' MIN_GROUP_SIZE
FEW = 3  # people who answer the one measure asked by a single question: fewer than K


async def test_a_coordinator_gets_the_digest_and_its_chart_with_small_groups_withheld(chat: Chat) -> None:
    services = chat.runtime.services
    assert services.settings.min_group_size == K
    coordinator = chat.coordinators()[0]
    round_ = await chat.open_round_as(coordinator)
    bank = load_question_bank()
    asked = [q for q in (bank.get(i) for i in round_.question_ids) if q is not None and q.kind != "text"]
    measures = Counter(q.construct for q in asked)
    rare = next(q for q in asked if measures[q.construct] == 1)
    respondents = chat.audience()
    assert len(respondents) > K
    for n, user in enumerate(respondents):

        def choose(question: str, options: list[Option], n: int = n) -> Option | None:
            return None if question == rare.id and n >= FEW else options[n % len(options)]

        assert await chat.answer(user, round_.id, choose) >= len(asked) - 1
    assert await services.surveys.close_now(
        team_id=services.team_id, round_id=round_.id, by=chat.person(coordinator)
    )

    digest = await chat.request_digest(coordinator)

    assert digest.chart is not None and digest.chart.startswith(b"\x89PNG")
    # The chart's alt text gives the figures shown and none for the withheld measure.
    assert "favourable share by construct" in digest.chart_words and "%" in digest.chart_words
    assert label_of(rare.construct) not in digest.chart_words
    everyone = len(respondents)
    assert f"Participation — latest round: {everyone} of {everyone} answered (100%)" in digest.text
    assert f"n={everyone}" in digest.text
    # The measure FEW people answered is withheld, and no figure says FEW.
    assert f"{label_of(rare.construct)} — not enough answers (fewer than {K})" in digest.text
    assert f"n={FEW}" not in digest.text
    # Only the coordinators' channel has it: nobody's own chat.
    for user in respondents:
        assert not [r for r in chat.replies_to(user) if "PeerPulse weekly digest" in r], user


async def test_a_round_fewer_than_k_answered_shows_no_figure_in_words_or_chart(chat: Chat) -> None:
    services = chat.runtime.services
    coordinator = chat.coordinators()[0]
    round_ = await chat.open_round_as(coordinator)
    for user in chat.audience()[:FEW]:
        assert await chat.answer(user, round_.id, lambda _q, options: options[0])
    await services.surveys.close_round(round_.id)

    digest = await chat.request_digest(coordinator)

    assert f"fewer than {K} answered" in digest.text
    assert "favourable (95% CI" not in digest.text and "n=" not in digest.text
    # The chart says so in words instead of drawing a figure.
    assert "Not enough answers to chart yet." in digest.text
    assert "Not enough answers to chart yet." in digest.chart_words and "%" not in digest.chart_words
