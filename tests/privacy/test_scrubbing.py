"""Free text loses members' names and phone numbers before storage, and renders inert in Slack.

Unit tests of bot.privacy's scrubbing, then end to end: a pulse comment, /feedback and a peer-log
note go through signed requests, the fake Slack and a real database (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set).
"""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.privacy import find_named_member, prepare_names, scrub_names, scrub_text
from bot.runtime import Runtime
from bot.support import NOTE
from handlers.slack.blocks.mrkdwn import plain, quote
from handlers.slack.simulation.people import People
from handlers.slack.simulation.people_support import local_today, open_modal, session_state, submit
from handlers.slack.simulation.signing import state_select, state_text
from handlers.slack.simulation.slack_api import FakeSlack
from handlers.slack.simulation.workspace import User, Workspace, build_workspace, tz_offset_now
from storage.digest_models import Feedback
from storage.models import SurveyAnswer
from storage.support_models import SupportSession
from tests.e2e.test_comment_modal import _open_comment_modal, _submit
from tests.support import eventually

NAMES = [
    "Dave Kowalski",
    "dave.k",
    "Will Baker",
    "Can Yilmaz",
    "Min Park",
    "ana.i",
    "Aarav I. Khan",
    "Grace Hopper (she/her)",
    "Jo Li",
    "Lars Van der Berg",
    "José Núñez",
]

# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dave Kowalski shouted at me", "[person] shouted at me"),
        ("dave kowalski shouted", "[person] shouted"),
        ("DAVE KOWALSKI shouted", "[person] shouted"),
        ("Kowalski, Dave shouted", "[person] shouted"),
        ("D. Kowalski shouted", "[person] shouted"),
        ("D Kowalski shouted", "[person] shouted"),
        ("Dave K. shouted", "[person] shouted"),
        ("Dave shouted", "[person] shouted"),
        ("dave shouted", "[person] shouted"),
        ("Kowalski shouted", "[person] shouted"),
        ("Dave's manager and Kowalski’s team", "[person]'s manager and [person]’s team"),
        ("saw dave.k again", "saw [person] again"),
        ("Jose Nunez and josé núñez", "[person] and [person]"),
        ("Van der Berg said so", "[person] said so"),
        ("Berg said so", "[person] said so"),
        ("Grace Hopper (she/her) left", "[person] (she/her) left"),
    ],
)
def test_names_are_removed_in_every_written_form(text: str, expected: str) -> None:
    assert scrub_names(text, NAMES) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Everyday words that are also names count alone only with a capital letter.
        ("we will review it", "we will review it"),
        ("Will shouted at me", "[person] shouted at me"),
        ("the baker next door", "the baker next door"),
        ("Baker shouted at me", "[person] shouted at me"),
        ("a grace period", "a grace period"),
        ("will baker again", "[person] again"),  # a full name counts in any case
        ("Baker, Will again", "[person] again"),
        # One- and two-letter names, and particles, need more than a lower-case word.
        ("jo and li", "jo and li"),
        ("Jo said", "[person] said"),
        ("I can help, give me 5 min", "I can help, give me 5 min"),
        ("Can and Min helped", "[person] and [person] helped"),
        ("the van is late", "the van is late"),
        # An initial is not a name on its own: "I" stays, whoever is "ana.i" or "Aarav I. Khan".
        ("I think I. Khan left", "I think [person] left"),
        # Placeholders already written are not names.
        ("[link] and [phone]", "[link] and [phone]"),
    ],
)
def test_names_that_are_also_words_need_a_capital(text: str, expected: str) -> None:
    assert scrub_names(text, NAMES) == expected


@pytest.mark.parametrize(
    "note",
    [
        "Spoke with Dave about the team lead",
        "Kowalski was upset",
        "Kowalski, Dave asked for help",
        "D. Kowalski asked for help",
        "Dave K. asked for help",
        "dave kowalski asked for help",
    ],
)
def test_the_peer_log_check_refuses_the_same_forms(note: str) -> None:
    assert find_named_member(note, NAMES) == "Dave Kowalski"


def test_scrub_text_removes_names_with_everything_else() -> None:
    text = "Dave Kowalski … 555 0132, or dave@example.com"
    assert scrub_text(text, names=NAMES) == "[person] ... [phone], or [email]"


def test_names_scrubbing_stays_fast_with_a_big_directory_and_a_long_text() -> None:
    names = [f"First{i} Last{i}" for i in range(20_000)]
    text = "First1 Last1 met someone " * 400 + "x" * 5000
    started = time.perf_counter()
    prepare_names(names)  # done while the person types (handlers/slack/warmup.py); ~1 s measured
    assert time.perf_counter() - started < 20.0
    started = time.perf_counter()
    out = scrub_text(text, max_chars=len(text), names=names)
    assert "First1" not in out
    # ~40 ms measured for 15 kB; a quadratic scan would take minutes.
    assert time.perf_counter() - started < 3.0


# --- phone numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "555 0132",
        "+44.20.7946.0958",
        "+1 415 555 0132 ext 12",
        "0044 20 7946 0958",
        "+91 98765 43210",
        "98765 43210",
        "+86 138 0013 8000",
        "138 0013 8000",
        "+7 912 345-67-89",
        "+33 (0)6 12 34 56 78",
        "+353 87 123 4567",
        "03-1234-5678",
        "٠٧٧٠٠ ٩٠٠١٢٣",
    ],
)
def test_phone_numbers_in_international_and_national_formats_are_removed(number: str) -> None:
    assert scrub_text(f"ring me: {number} tonight") == "ring me: [phone] tonight"
    assert scrub_text(f"it is {number} tonight") == "it is [phone] tonight"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 4 1 5 5 5 5 0 1 3 2", "call [phone]"),
        ("mobile: 79460958", "mobile: [phone]"),
        ("phone 7946 0958", "phone [phone]"),
    ],
)
def test_numbers_announced_as_phone_numbers_are_removed(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    ["room 101 2024", "in 2024 and 2025", "no 2 of 10 people", "order 12345678 arrived", "score 7/10"],
)
def test_ordinary_numbers_survive(text: str) -> None:
    assert scrub_text(text) == text


# --- rendering --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fine", "> fine"),
        ("one\n> two\n*three*", "> one &gt; two ∗three∗"),
        ("> injected line", "> injected line"),
        ("- a list\n1. item", "> a list 1. item"),
        ("<!channel> & <https://x.example|here>", "> &lt;!channel&gt; &amp; &lt;https://x.example|here&gt;"),
        ("_it_ ~s~ `code`", "> ˍitˍ ˜s˜ ˋcodeˋ"),
    ],
)
def test_a_quoted_comment_is_one_inert_line(text: str, expected: str) -> None:
    assert quote(text) == expected


def test_quotes_are_capped_and_multi_line_text_keeps_its_lines_quoted() -> None:
    assert quote("x" * 300, limit=280) == "> " + "x" * 279 + "…"
    assert quote("first\n\n> second\n*third*", keep_lines=True) == "> first\n> second\n> ∗third∗"
    assert plain("a\nb <@U1>") == "a b &lt;@U1&gt;"


# --- end to end -------------------------------------------------------------------------------

DAVE = User(
    id="U0DAVEKOW1",
    name="dave.kowalski",
    real_name="Dave Kowalski",
    display_name="dave",
    tz="Europe/London",
    tz_offset=tz_offset_now("Europe/London"),
)


@pytest.fixture
def workspace() -> Workspace:
    """A small workspace with a member whose name people will write in every form."""
    ws = build_workspace(employees=8)
    ws.users[DAVE.id] = DAVE
    return ws


@pytest.fixture
async def author(runtime: Runtime, people: People, workspace: Workspace) -> str:
    """An employee holding an open round's pulse DM."""
    status, _ = await people.send_pulse(workspace.coordinators()[0])
    assert status == 200
    staff = set(workspace.coordinators()) | set(workspace.supporters()) | {DAVE.id}
    user = next(u.id for u in workspace.active_humans() if u.id not in staff)
    await eventually(lambda: people.pulse_message(user))
    return user


def _leaks(stored: str) -> list[str]:
    words = {*DAVE.real_name.split(), DAVE.display_name, "555", "0132", "7946"}
    return [w for w in words if w.casefold() in stored.casefold()]


async def test_a_pulse_comment_is_stored_without_names_or_phone_numbers(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, author: str
) -> None:
    _, modal = await _open_comment_modal(people, slack, author)
    text = "Dave Kowalski … 555 0132. Kowalski, Dave again; D. Kowalski's team; Dave K. shouted at standup."

    status, body = await _submit(people, author, modal, text)

    assert (status, body["response_action"]) == (200, "update")
    async with runtime.db.session() as session:
        [stored] = [a.text for a in await session.exec(select(SurveyAnswer)) if a.text]
    assert _leaks(stored) == [], stored
    # The rest survives, "standup" included although a bot is called "Standup Bot": not a person.
    assert stored.endswith("again; [person]'s team; [person] shouted at standup."), stored


async def test_feedback_is_stored_without_first_names_surnames_or_phones(
    runtime: Runtime, people: People, workspace: Workspace
) -> None:
    author = workspace.active_humans()[0].id
    text = "dave keeps mocking people in the standup; Kowalski's jokes hurt. Call +44.20.7946.0958."

    status, body = await people.submit_view(
        author,
        callback_id="feedback_view",
        private_metadata="",
        state_values={
            "category": {"category_input": state_select("concern")},
            "text": {"text_input": state_text(text)},
        },
    )

    assert (status, body["response_action"]) == (200, "update")
    async with runtime.db.session() as session:
        [row] = list(await session.exec(select(Feedback)))
    assert _leaks(row.text) == [], row.text
    assert row.text == "[person] keeps mocking people in the standup; [person]'s jokes hurt. Call [phone]."


@pytest.mark.parametrize(
    "note",
    ["Dave was upset", "Kowalski was upset", "Kowalski, Dave was upset", "D. Kowalski was upset"],
)
async def test_a_peer_log_note_naming_a_member_in_any_form_is_refused(
    runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace, clock: ManualClock, note: str
) -> None:
    supporter = workspace.supporters()[0]
    view = await open_modal(people, slack, supporter)

    status, body = await submit(
        people, supporter, view, session_state(on=local_today(workspace, supporter, clock.now()), note=note)
    )

    assert status == 200
    assert set(body["errors"]) == {NOTE}
    assert "Dave Kowalski" in body["errors"][NOTE]
    async with runtime.db.session() as session:
        assert list(await session.exec(select(SupportSession))) == []
