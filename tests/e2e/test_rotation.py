"""The question rotation counts this team's rounds only: another team's rounds never skip ours."""

from __future__ import annotations

from datetime import timedelta

from bot.questions import select_questions
from bot.runtime import Runtime
from storage.models import SurveyRound


async def test_rounds_of_another_team_do_not_move_the_rotation(runtime: Runtime) -> None:
    services = runtime.services
    now = services.clock.now()
    async with runtime.db.session() as session:
        # Another team (sharing the database) has run three rounds already.
        for i in range(3):
            session.add(
                SurveyRound(
                    team_id="T_OTHER",
                    schedule_key=f"other:{i}",
                    question_ids=[],
                    opened_at=now - timedelta(days=7 * (i + 1)),
                    closes_at=now - timedelta(days=7 * i + 4),
                    closed_at=now - timedelta(days=7 * i + 4),
                )
            )
    count = runtime.settings.questions_per_round
    for number in range(2):
        round_ = await services.surveys.open_round(
            team_id=services.team_id, schedule_key=f"ours:{number}", local_date=None, at=None
        )
        assert round_ is not None
        expected = [q.id for q in select_questions(services.surveys.bank, round_number=number, count=count)]
        assert round_.question_ids == expected
        await services.surveys.close_round(round_.id)
