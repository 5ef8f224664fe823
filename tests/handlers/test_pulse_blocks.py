"""The pulse DM: the batched button encoder and the cached JSON builder say exactly what the plain
builders say; the DM's promise and deadlines come from the settings, in words a person can read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.ballots import PulsePromise
from bot.questions import Question, load_question_bank
from handlers.slack.blocks.pulse import (
    build_comment_modal,
    build_pulse_blocks,
    build_reminder_text,
    decode_answer,
    encode_answer,
    encode_answers,
    pulse_blocks_json,
    pulse_permalink,
    retention_words,
    slack_date,
)

BANK = load_question_bank().questions
PROMISE = PulsePromise(min_group_size=5, retention_days=365, timezone="UTC")
# Not the defaults, so a number that is not read from the settings shows up.
PULSE_SETTINGS = PulsePromise(min_group_size=8, retention_days=90, timezone="Europe/Berlin")

ids = st.text(min_size=1, max_size=40)


@given(ids, ids, ids, ids, st.lists(st.integers(min_value=0, max_value=10), max_size=11))
def test_encode_answers_matches_encode_answer_for_every_value(
    round_id: str, question_id: str, ballot: str, tag: str, values: list[int]
) -> None:
    batched = encode_answers(round_id, question_id, ballot, tag, values)
    assert batched == [encode_answer(round_id, question_id, ballot, tag, v) for v in values]
    for raw, value in zip(batched, values, strict=True):
        assert decode_answer(raw) == {"r": round_id, "q": question_id, "b": ballot, "t": tag, "v": value}


@given(
    round_id=st.text(alphabet="0123456789abcdef", min_size=32, max_size=32),
    # Plain ids take the cached path; anything else (quotes, escapes, stand-in look-alikes) the plain one.
    ballot=st.one_of(st.text(alphabet="0123456789abcdef", min_size=32, max_size=32), st.text(max_size=40)),
    tag=st.one_of(st.text(alphabet="0123456789abcdef", min_size=20, max_size=20), st.text(max_size=30)),
    picks=st.lists(st.sampled_from(BANK), min_size=1, max_size=6, unique_by=lambda q: q.id),
    answered_mask=st.lists(st.booleans(), min_size=6, max_size=6),
    # "Prefer not to say", drawn on any question (only sensitive ones may show it).
    declined_mask=st.lists(st.booleans(), min_size=6, max_size=6),
    # A value per question, some outside its scale (a stale or foreign value must draw nothing chosen).
    picked=st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=11)), min_size=6, max_size=6),
    since=st.one_of(st.none(), st.text(max_size=60)),
    harm_note=st.one_of(st.none(), st.text(max_size=60)),
    closes_at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    promise=st.builds(
        PulsePromise,
        min_group_size=st.integers(min_value=2, max_value=100),
        retention_days=st.integers(min_value=7, max_value=3650),
        timezone=st.sampled_from(["UTC", "Europe/Berlin", "Pacific/Kiritimati", "America/St_Johns"]),
    ),
)
def test_the_cached_json_is_exactly_the_built_blocks(
    round_id: str,
    ballot: str,
    tag: str,
    picks: list[Question],
    answered_mask: list[bool],
    declined_mask: list[bool],
    picked: list[int | None],
    since: str | None,
    harm_note: str | None,
    closes_at: datetime,
    promise: PulsePromise,
) -> None:
    answered = frozenset(q.id for q, on in zip(picks, answered_mask, strict=False) if on)
    chosen = {q.id: v for q, v in zip(picks, picked, strict=False) if v is not None and q.id in answered}
    args = {
        "round_id": round_id,
        "questions": picks,
        "ballot": ballot,
        "tag": tag,
        "answered": answered,
        "closes_at": closes_at,
        "promise": promise,
        "since_last_time": since,
        "chosen": chosen,
        "harm_note": harm_note,
        "declined": frozenset(q.id for q, on in zip(picks, declined_mask, strict=False) if on),
    }
    assert json.loads(pulse_blocks_json(**args)) == build_pulse_blocks(**args)


def _text_of(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_the_dm_says_why_it_came_who_runs_it_and_how_to_stop() -> None:
    blocks = build_pulse_blocks(
        round_id="r1",
        questions=BANK[:6],
        ballot="b",
        tag="t",
        answered=frozenset(),
        closes_at=datetime(2026, 12, 4, 10, tzinfo=UTC),
        promise=PULSE_SETTINGS,
    )
    text = _text_of(blocks)
    assert "asks everyone the same few questions" in text  # why it came
    assert "run by the program's coordinators" in text  # who runs it
    assert "`/pulse optout` stops them" in text and "`/pulse optin` brings them back" in text


def test_the_promise_carries_the_configured_group_size_and_retention() -> None:
    blocks = build_pulse_blocks(
        round_id="r1",
        questions=BANK[:6],
        ballot="b",
        tag="t",
        answered=frozenset(),
        closes_at=datetime(2026, 12, 4, 10, tzinfo=UTC),
        promise=PULSE_SETTINGS,
    )
    text = _text_of(blocks)
    assert "Results are only shown for groups of 8 or more people" in text
    assert "Comments are deleted after 90 days; only group figures are kept." in text
    assert "5 or more" not in text
    default = _text_of(
        build_pulse_blocks(
            round_id="r1",
            questions=BANK[:6],
            ballot="b",
            tag="t",
            answered=frozenset(),
            closes_at=datetime(2026, 12, 4, 10, tzinfo=UTC),
            promise=PROMISE,
        )
    )
    assert "groups of 5 or more people" in default and "deleted after a year" in default


def test_retention_reads_in_plain_words() -> None:
    assert [retention_words(d) for d in (7, 90, 365, 730, 400)] == [
        "7 days",
        "90 days",
        "a year",
        "2 years",
        "400 days",
    ]


def test_deadlines_show_in_the_readers_own_zone_with_the_default_zone_written_out() -> None:
    closes = datetime(2026, 12, 4, 10, tzinfo=UTC)
    stamp = int(closes.timestamp())
    # Slack formats the token in each reader's own zone; the text after | only where it cannot.
    assert slack_date(closes, zone="Europe/Berlin") == (
        f"<!date^{stamp}^{{date_short_pretty}} at {{time}}|Fri 04 Dec, 11:00 CET>"
    )
    # A naive time from the database is UTC.
    assert slack_date(closes.replace(tzinfo=None), zone="UTC").endswith("|Fri 04 Dec, 10:00 UTC>")
    blocks = build_pulse_blocks(
        round_id="r1",
        questions=BANK[:6],
        ballot="b",
        tag="t",
        answered=frozenset(q.id for q in BANK[:6]),
        closes_at=closes,
        promise=PULSE_SETTINGS,
    )
    assert blocks[-1]["elements"][0]["text"] == (
        ":raised_hands: *Thank you — your answers are in.* You can change them until "
        f"{slack_date(closes, zone='Europe/Berlin')}."
    )
    assert "UTC" not in _text_of(blocks)
    reminder = build_reminder_text(closes + timedelta(hours=2), PULSE_SETTINGS)
    assert slack_date(closes + timedelta(hours=2), zone="Europe/Berlin") in reminder
    assert "13:00 CET" in reminder and "UTC" not in reminder


def test_the_comment_box_states_the_configured_group_size_and_where_help_is() -> None:
    question = next(q for q in BANK if q.kind == "text")
    modal = build_comment_modal(
        private_metadata="{}", question=question, min_group_size=8, support_line="SUPPORT-LINE-TEST"
    )
    text = _text_of(modal["blocks"])
    assert "quotes only when 8 or more people raised the same theme" in text
    assert "5 or more" not in text
    assert modal["blocks"][-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "SUPPORT-LINE-TEST"}],
    }


def test_the_reminder_links_to_the_pulse_dm_when_its_place_is_known() -> None:
    link = pulse_permalink("https://acme.slack.com/", channel="D0ABC", ts="1796012165.799162")
    # The form chat.getPermalink answers with.
    assert link == "https://acme.slack.com/archives/D0ABC/p1796012165799162"
    closes = datetime(2026, 12, 4, 10, tzinfo=UTC)
    linked = build_reminder_text(closes, PROMISE, pulse_link=link)
    assert f"<{link}|Here's your pulse> — under a minute, one tap per question." in linked
    assert "message above" not in linked
    unknown = build_reminder_text(closes, PROMISE)
    assert "It's the message above — under a minute, one tap per question." in unknown
    assert linked.replace(f"<{link}|Here's your pulse>", "It's the message above") == unknown


HARM_NOTE = ":handshake: You don't have to deal with this alone."


def _note_count(chosen: dict[str, int], questions: list[Question] | None = None) -> int:
    blocks = build_pulse_blocks(
        round_id="r1",
        questions=questions or list(BANK),
        ballot="b",
        tag="t",
        answered=frozenset(chosen),
        closes_at=datetime(2026, 12, 4, 10, tzinfo=UTC),
        promise=PROMISE,
        chosen=chosen,
        harm_note=HARM_NOTE,
    )
    return _text_of(blocks).count(HARM_NOTE)


def test_the_harm_note_follows_the_unfavourable_end_of_sensitive_items_only_and_shows_once() -> None:
    sensitive = [q for q in BANK if q.sensitive]
    assert {q.id for q in sensitive} == {"experienced_negative", "witnessed_negative"}
    # Read from the metadata: frequency items are reversed, so their top two options signal harm.
    assert all(q.harmful_values == (4, 5) for q in sensitive)
    assert [sensitive[0].labels[v - 1] for v in sensitive[0].harmful_values] == ["Often", "Very often"]
    flipped = Question("x", "c", "likert", "text", ("a", "b", "c", "d", "e"), "s", sensitive=True)
    assert flipped.harmful_values == (1, 2)
    assert all(q.harmful_values == () for q in BANK if not q.sensitive)

    assert _note_count({sensitive[0].id: 5}) == 1
    assert _note_count({sensitive[0].id: 4, sensitive[1].id: 5}) == 1  # once per DM, not per item
    assert _note_count({sensitive[0].id: 3, sensitive[1].id: 1}) == 0
    # The unfavourable end of an ordinary item is no sign of harm to the person.
    assert _note_count({q.id: q.values[0] for q in BANK if not q.sensitive and q.values}) == 0
