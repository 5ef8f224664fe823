"""Privacy primitives: keys that can't be linked, text that can't identify, a safety net."""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.privacy import (
    RiskSignal,
    SupportResources,
    detect_risk,
    find_named_member,
    load_support_resources,
    respondent_key,
    scrub_text,
    support_resources_problem,
)

SECRET = "test-secret-0123456789abcdef"

# --- respondent keys ----------------------------------------------------------------------


def test_respondent_key_is_the_hmac_of_team_user_round() -> None:
    # Known-answer value, computed independently with
    # `printf 'T1:U1:r1' | openssl dgst -sha256 -hmac test-secret-0123456789abcdef`.
    assert respondent_key(SECRET, team_id="T1", user_id="U1", round_id="r1") == (
        "1988c880c64bd190217ab0ce1b34b7ad9e1bf4e305b65115ee7061f8787cb9ca"
    )


def test_respondent_key_is_stable_and_differs_per_round_user_team_and_secret() -> None:
    key = respondent_key(SECRET, team_id="T1", user_id="U1", round_id="r1")
    assert key == respondent_key(SECRET, team_id="T1", user_id="U1", round_id="r1")
    others = {
        respondent_key(SECRET, team_id="T1", user_id="U1", round_id="r2"),
        respondent_key(SECRET, team_id="T1", user_id="U2", round_id="r1"),
        respondent_key(SECRET, team_id="T2", user_id="U1", round_id="r1"),
        respondent_key(SECRET + "x", team_id="T1", user_id="U1", round_id="r1"),
    }
    assert key not in others
    assert len(others) == 4
    assert re.fullmatch(r"[0-9a-f]{64}", key)


@pytest.mark.parametrize(
    ("secret", "team_id", "user_id", "round_id"),
    [
        ("", "T1", "U1", "r1"),
        (SECRET, "", "U1", "r1"),
        (SECRET, "T1", "U1:r1", "x"),  # would collide with ("T1", "U1", "r1:x")
        (SECRET, "T1", "U1", "r1:x"),
    ],
)
def test_respondent_key_refuses_ambiguous_or_keyless_input(
    secret: str, team_id: str, user_id: str, round_id: str
) -> None:
    with pytest.raises(ValueError, match=r"SECRET|no ':'"):
        respondent_key(secret, team_id=team_id, user_id=user_id, round_id=round_id)


# --- scrubbing ----------------------------------------------------------------------------

SCRUBBED = [
    # Slack markup
    ("ask <@U01ABCDEF> please", "ask [person] please"),
    ("thanks <@U01ABCDEF|ana.lopez>!", "thanks [person]!"),
    ("cc <!subteam^S0123ABC|@hr-team> now", "cc [group] now"),
    ("<!here> standup moved", "[group] standup moved"),
    ("posted in <#C0123ABCD|team-ana>", "posted in [channel]"),
    ("posted in <#C0123ABCD>", "posted in [channel]"),
    ("see <https://intranet.example.com/people/ana|her profile> now", "see [link] now"),
    ("write <mailto:ana@example.com|ana@example.com>", "write [email]"),
    ("ring <tel:+14155550132|+1 415 555 0132>", "ring [phone]"),
    # plain handles and IDs
    ("ping @ana.lopez about it", "ping [person] about it"),
    ("ping @ana.", "ping [person]."),
    ("@Ana Lopez keeps shouting", "[person] keeps shouting"),
    ("@here please read", "[group] please read"),
    ("user U01ABCDEF2 again", "user [person] again"),
    # emails
    ("mail ana.lopez+hr@example.co.uk today", "mail [email] today"),
    ("(ana_l@mail.example.org)", "([email])"),
    ("a@b.co+x@y.com", "[email]"),
    # phones: international
    ("call +44 20 7946 0958.", "call [phone]."),
    ("call +1 (415) 555-0132", "call [phone]"),
    ("call +44 (0) 20 7946 0958", "call [phone]"),
    ("call +49 30 1234567", "call [phone]"),
    ("call +33.1.23.45.67.89", "call [phone]"),
    # phones: national
    ("call (415) 555-0132", "call [phone]"),
    ("call 415-555-0132", "call [phone]"),
    ("call 415.555.0132", "call [phone]"),
    ("call 415 555 0132", "call [phone]"),
    ("call 1 800 555 0199", "call [phone]"),
    ("call 020 7946 0958", "call [phone]"),
    ("call 07700 900123", "call [phone]"),
    ("call 01 23 45 67 89", "call [phone]"),
    ("call 4155550132", "call [phone]"),
    ("ext 555-0132", "ext [phone]"),
    ("room 3 415-555-0132 5 people", "room 3 [phone] 5 people"),
    ("on 01.05.2024 020 7946 0958", "on 01.05.2024 [phone]"),
    # links
    ("https://example.com/u?id=42.", "[link]."),
    ("(www.example.com/ana)", "([link])"),
    ("see linkedin.com/in/ana-lopez for", "see [link] for"),
    ("HTTP://EXAMPLE.COM/X, ok", "[link], ok"),
    # control and invisible characters, look-alikes
    ("a\tb", "a b"),
    ("a\x00\x07\x1bb", "a b"),
    ("ana\u200b@example.com", "[email]"),
    ("line one\r\nline two", "line one\nline two"),
    ("a\n\n\n\n\nb", "a\n\nb"),
    ("\uff41\uff4e\uff41\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d", "[email]"),
    ("  padded  ", "padded"),
]

SURVIVES = [
    "this took 5 minutes",
    "in 2024 and 2025",
    "rated it 3/5, or 10/10",
    "10,000 people and 1 000 000 euros",
    "on 2024-05-01 10 people came",
    "scores 1 2 3 4 5 6 7 8 9 10",
    "years 2023 2024 2025",
    "pi is 3.14159265358979",
    "version 1.2.3 at 10:30",
    "a < b > c and I <3 it",
    "email me at the usual place",
    "C++11 and +5 points, 50%",
    "Q3 2024 in room 101",
    "the UNBELIEVABLE workload",
    "e.g. this and/or that",
    "meet @ 5pm",
    "José said “merci” — ça va? 👍🏽",
]


@pytest.mark.parametrize(("text", "expected"), SCRUBBED)
def test_scrub_text_replaces_identifiers(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


@pytest.mark.parametrize("text", SURVIVES)
def test_scrub_text_keeps_ordinary_text(text: str) -> None:
    assert scrub_text(text) == text


def test_scrub_text_caps_length_at_a_word_boundary() -> None:
    assert scrub_text("word " * 1000, max_chars=52) == ("word " * 10).strip()
    # Never half a placeholder: "[pers" would be noise in a digest.
    assert scrub_text("a" * 45 + " <@U01ABCDEF>", max_chars=50) == "a" * 45
    assert len(scrub_text("x" * 5000)) == 2000


def test_scrub_text_cap_applies_after_scrubbing() -> None:
    # The email sits across the cap; it is replaced, not cut in half and kept.
    text = "hi " * 10 + "ana.lopez@example.com" + " more" * 10
    assert scrub_text(text, max_chars=40) == ("hi " * 10).strip() + " [email]"


def test_scrub_text_refuses_a_cap_below_one() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        scrub_text("x", max_chars=0)


HOSTILE = {
    "long word": "a" * 100_000,
    "dotted": "a." * 50_000,
    "at signs": "a@" * 50_000,
    "email without tld": "a" * 50_000 + "@" + "b" * 50_000,
    "address chain": "a@b.co+" * 14_000,
    "digits": "1" * 100_000,
    "spaced digits then a letter": "1 " * 50_000 + "a",
    "parenthesised groups": "(1) " * 25_000 + "(1)a",
    "plus signs": "+1" * 50_000,
    "open mentions": "<@" * 50_000,
    "unclosed link": "<http://" + "a" * 100_000,
    "dotted labels": ("abcdefghij" * 6 + ".") * 1_600,
    "handles": "@a A" * 25_000,
    "dates": "01.05.2024 " * 9_000,
    "phones": "020 7946 0958 " * 7_000,
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_scrub_text_is_fast_on_hostile_input(text: str) -> None:
    # The patterns are built to be linear (see bot.privacy); this is a sanity bound, ~100x the
    # measured time, that catastrophic backtracking would blow through by orders of magnitude.
    started = time.perf_counter()
    scrub_text(text, max_chars=len(text))  # no cap: the whole 100 kB goes through the patterns
    assert time.perf_counter() - started < 3.0


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

fragments = st.one_of(
    st.text(max_size=12),
    st.emails(),
    st.from_regex(r"<@[UW][A-Z0-9]{2,10}(\|[a-z. ]{0,10})?>?", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9._+-]{0,8}@[a-z0-9-]{1,8}(\.[a-z]{2,4}){1,2}", fullmatch=True),
    # Glue: separators, look-alikes and pieces of other identifiers, to probe match boundaries.
    st.sampled_from([" ", "\n", "<", ">", "@", ".", "+", "|", "-", "(", ")", "1", "0", "a", "A", "_"]),
    st.sampled_from(["\u200b", "\uff20", "\uff1c", "www.", "x.com/", "https://", "U0ABCDEFG1"]),
    st.sampled_from(["020 7946 0958", "+44", "01.05.2024", "<mailto:", "<#C1|", "e.co"]),
)


@given(parts=st.lists(fragments, max_size=12), max_chars=st.integers(min_value=1, max_value=400))
def test_scrub_text_output_never_holds_an_email_or_a_mention(parts: list[str], max_chars: int) -> None:
    out = scrub_text("".join(parts), max_chars=max_chars)
    assert EMAIL.search(out) is None
    assert "<@U" not in out
    assert "<@W" not in out
    assert len(out) <= max_chars


# --- named members ------------------------------------------------------------------------

MEMBERS = ["Ana Lopez", "ana.lopez", "Will", "Grace Hopper (she/her)", "Jo", "Łukasz Nowak", "Bo Li"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Met Ana Lopez by the lifts", "Ana Lopez"),
        ("met ANA LÓPEZ today", "Ana Lopez"),
        ("Ana López's manager again", "Ana Lopez"),
        ("saw ana.lopez in the kitchen", "Ana Lopez"),  # the handle names the same person
        ("Grace Hopper asked for a follow-up", "Grace Hopper (she/her)"),
        ("lukasz nowak felt excluded", "Łukasz Nowak"),
        ("Bo Li was upset", "Bo Li"),
        ("Will talk to Grace later", "Will"),  # capitalised, an everyday-word name counts alone
        ("We will review it", None),  # in lower case it is the word
        ("banana lopezville", None),  # whole words only
        ("Jo was there", "Jo"),  # capitalised, a two-letter name counts
        ("jo was there", None),  # but not in lower case
        ("Ana said Lopezes are nice", "Ana Lopez"),  # a first name alone counts
        ("a banana said lopez", "Ana Lopez"),  # so does a surname of four letters or more, in any case
        ("ana said so", None),  # but one of three letters only with a capital
        ("", None),
    ],
)
def test_find_named_member(text: str, expected: str | None) -> None:
    assert find_named_member(text, MEMBERS) == expected


def test_find_named_member_returns_the_name_the_text_mentions_first() -> None:
    assert find_named_member("Bo Li and Ana Lopez", ["Ana Lopez", "Bo Li"]) == "Bo Li"
    assert find_named_member("Ana Lopez and Bo Li", iter(["Bo Li", "Ana Lopez"])) == "Ana Lopez"


def test_find_named_member_with_no_usable_names() -> None:
    assert find_named_member("Ana was there with van de Berg", ["", "  ", "(she/her)", "van de", "A"]) is None


# --- risk ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I want to kill myself", "self_harm"),
        ("I keep thinking about killing myself", "self_harm"),
        ("KILL MYSELF", "self_harm"),
        ("honestly I just want to die", "self_harm"),
        ("I want to\n  die", "self_harm"),
        ("I'm going to end it all", "self_harm"),
        ("I don\u2019t want to live anymore", "self_harm"),
        ("I've been feeling suicidal", "self_harm"),
        ("I have been self-harming", "self_harm"),
        ("everyone would be better off without me", "self_harm"),
        ("I could hurt someone if this goes on", "violence"),
        ("someone should bring a gun to the review", "violence"),
        ("I'll shoot up the office", "violence"),
        ("he wrote 'kill myself' in the chat", "self_harm"),
        ("I want to die and hurt someone", "self_harm"),  # the author may be the one at risk
    ],
)
def test_detect_risk_flags(text: str, kind: str) -> None:
    assert detect_risk(text) == RiskSignal(kind)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "this deadline is killing me",
        "I could die of embarrassment",
        "we killed it in the demo",
        "shoot me an email",
        "can you shoot someone a message",
        "we ran suicide prevention training",
        "self-harm awareness session next week",
        "bullying is hurting people here",
        "I never meant to hurt anyone's feelings",
        "I cut myself some slack",
        "I'm dying to see the results",
        "the coffee here is to die for",
        "kill the process and restart",
        "a skill myself",
        "",
    ],
)
def test_detect_risk_ignores_ordinary_workplace_phrases(text: str) -> None:
    assert detect_risk(text) is None


def test_risk_signal_carries_nothing_of_the_text() -> None:
    signal = detect_risk("I want to kill myself, Ana Lopez knows")
    assert signal is not None
    assert [f.name for f in dataclasses.fields(signal)] == ["kind"]
    assert "Ana" not in repr(signal)
    assert "kill" not in repr(signal)


# --- support resources -----------------------------------------------------------------


def test_packaged_support_resources_fill_every_field() -> None:
    resources = load_support_resources()
    assert all(getattr(resources, f.name).strip() for f in dataclasses.fields(SupportResources))
    assert "116 123" in resources.crisis_line  # a real line, not a placeholder


def test_support_resources_can_come_from_a_settings_path(tmp_path: Path) -> None:
    path = tmp_path / "resources.yml"
    path.write_text(
        "eap_contact: EAP 0800 000 000\ncrisis_line: Call 116 123\n"
        "peer_supporter_now: 'DM #supporters'\nemergency_number: '112'\n",
        encoding="utf-8",
    )
    assert load_support_resources(path) == SupportResources(
        eap_contact="EAP 0800 000 000",
        crisis_line="Call 116 123",
        peer_supporter_now="DM #supporters",
        emergency_number="112",
    )


@pytest.mark.parametrize(
    "body",
    [
        "eap_contact: x\ncrisis_line: x\npeer_supporter_now: x\n",  # one missing
        "eap_contact: x\ncrisis_line: x\npeer_supporter_now: x\nemergency_number: ''\n",
        "eap_contact: x\ncrisis_line: x\npeer_supporter_now: x\nemergency_number: x\nextra: x\n",
        "- not a mapping\n",
    ],
)
def test_an_invalid_support_resources_file_is_reported_and_the_built_in_one_used(
    tmp_path: Path, body: str
) -> None:
    path = tmp_path / "resources.yml"
    path.write_text(body, encoding="utf-8")
    problem = support_resources_problem(path)
    assert problem is not None and str(path) in problem
    # The safety net cannot fail closed: the built-in resources stand in.
    assert load_support_resources(path) == load_support_resources()


def test_an_unreadable_support_resources_file_falls_back_to_the_built_in_one(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yml"
    assert "cannot be read" in (support_resources_problem(missing) or "")
    assert load_support_resources(missing) == load_support_resources()
    undecodable = tmp_path / "latin1.yml"
    undecodable.write_bytes(b"eap_contact: caf\xe9\n")
    assert "cannot be read" in (support_resources_problem(undecodable) or "")
