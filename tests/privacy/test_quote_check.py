"""Issue 11 item 8: the "you said, we did" quote check knows only quotes a digest showed."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.roles import SYSTEM
from bot.runtime import Runtime
from bot.support import released_period
from storage.digest_models import Feedback, ShownQuoteGram

COMMENTS = [
    "Confidentiality worries me because my manager seemed to know what I told a supporter last week.",
    "I am not sure whether confidentiality still holds once a supporter writes anything down at all.",
    "Confidentiality is the first thing my colleagues ask about before they will talk to a supporter.",
    "Our night crew doubts confidentiality since rumours spread quickly after anyone visits a supporter.",
    "Explain confidentiality limits in plain words so nobody feels tricked after opening up to someone.",
    "Confidentiality should be promised in writing, otherwise the quieter colleagues will stay silent forever.",
    "If confidentiality broke once, trust would be gone for years, so protect it above everything else.",
    "I would use peer support more often if confidentiality around the sign-in sheet were clearer.",
]


async def test_a_posted_digest_records_its_quotes_and_only_those_are_refused(runtime: Runtime) -> None:
    services = runtime.services
    start, _ = released_period(services.clock.now(), weeks=1)
    async with runtime.db.session() as session:
        for text in COMMENTS:
            session.add(
                Feedback(team_id=services.team_id, category="concern", text=text, submitted_on=start.date())
            )
    report = await services.digests.post(team_id=services.team_id, key="manual:quote-check", by=SYSTEM)
    assert report is not None
    shown = report.shown_quotes()
    assert 0 < len(shown) < len(COMMENTS)
    unshown = [c for c in COMMENTS if c not in shown]
    async with runtime.db.session() as session:
        rows = (await session.exec(select(ShownQuoteGram))).all()
    # Keyed hashes only: no word of any comment is stored.
    assert rows and all(len(r.gram) == 64 and " " not in r.gram for r in rows)
    assert {r.digest_key for r in rows} == {"manual:quote-check"}

    refused = await services.updates.check(
        team_id=services.team_id, text=f"We heard: {shown[0]}", allowed_figures=[], by=SYSTEM
    )
    assert any("repeats a quote from a digest" in r for r in refused), refused
    # A comment the digest did not quote: the check neither confirms nor refuses a guess about it.
    for text in unshown:
        assert (
            await services.updates.check(team_id=services.team_id, text=text, allowed_figures=[], by=SYSTEM)
            == []
        )

    # The same period gives the same quotes however often the digest is asked for.
    again = await services.digests.build(team_id=services.team_id, by=SYSTEM, with_chart=False)
    assert again.shown_quotes() == shown
    # After 90 days the record expires with the next digest, and the check forgets the quote.
    runtime.clock.advance(timedelta(days=91))  # type: ignore[attr-defined]
    await services.digests.post(team_id=services.team_id, key="manual:later", by=SYSTEM)
    assert (
        await services.updates.check(team_id=services.team_id, text=shown[0], allowed_figures=[], by=SYSTEM)
        == []
    )
