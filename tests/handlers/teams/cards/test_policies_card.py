"""The policy register's Teams cards and dialogs: valid Adaptive Cards 1.5 in every language, no word
outside the catalogue, within Teams' limits at the register's longest; people kept as marks that
become Teams mentions, policy names inert, each refusal under its field, and buttons that open the right dialog."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.i18n import PSEUDO_LANGUAGE, _, speaking
from bot.policies import (
    INTERVAL,
    LAST_REVIEWED,
    LINK,
    NAME,
    OWNER,
    RETIRE_REASON,
    REVIEWED_ON,
    SUMMARY,
    PolicyStatus,
    policy_status,
)
from handlers.teams.cards.card import CARD_LIMIT, MESSAGE_LIMIT, message, size
from handlers.teams.cards.policies import (
    ADD_ACTION,
    MAX_LISTED,
    POLICY_KEY,
    RETIRE_ACTION,
    REVIEW_ACTION,
    SUBMIT_SUFFIX,
    UNRETIRE_ACTION,
    build_done_dialog,
    build_policy_dialog,
    build_policy_reminder_card,
    build_register_card,
    build_retire_dialog,
    build_retired_card,
    build_review_dialog,
    build_unretire_dialog,
    policy_values,
)
from handlers.teams.ids import teams_id
from handlers.teams.names import with_mentions
from storage.policy_models import Policy, PolicyReview
from tests.handlers.teams.cards.checks import actions, cards_in, schema_errors, texts
from tests.handlers.test_catalogue_coverage import escaped_words

TODAY = date(2026, 6, 15)
OWNER_ID = "29%3A1owner"
NAMES = {OWNER_ID: "Ana Owner", "29%3A1rev": "Rui Reviewer"}
HOSTILE = "*URGENT* [click](https://evil.example) <@29%3A1rev> {{DATE(2026-01-01T00:00:00Z)}}"


def _policy(i: int, *, name: str | None = None, last: date | None = date(2025, 7, 1)) -> Policy:
    return Policy(
        id=f"{i:032x}",
        team_id="T1",
        name=name or f"Policy {i:02d}",
        link=f"https://intranet.example.com/p/{i}",
        owner_id=OWNER_ID,
        review_interval_months=12,
        last_reviewed_on=last,
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
    )


def _review(summary: str = "no change") -> PolicyReview:
    return PolicyReview(
        policy_id="0" * 32,
        reviewed_on=date(2025, 7, 1),
        reviewed_by="29%3A1rev",
        summary=summary,
        recorded_at=datetime(2025, 7, 1, tzinfo=UTC),
    )


def _status(i: int = 1, **kw: Any) -> PolicyStatus:
    return policy_status(_policy(i, **kw), today=TODAY, last_review=_review())


def _retired(i: int = 1) -> PolicyStatus:
    p = _policy(i)
    p.retired_at, p.retired_by, p.retired_reason = datetime(2026, 5, 1, tzinfo=UTC), OWNER_ID, "replaced"
    return policy_status(p, today=TODAY)


def _full_register() -> dict[str, Any]:
    long_name = "Anti-bullying and harassment policy for every site " * 3
    statuses = [_status(i, name=f"{long_name[:115]} {i:02d}") for i in range(MAX_LISTED + 5)]
    return build_register_card(statuses)


SURFACES: dict[str, Callable[[], dict[str, Any]]] = {
    "register, empty": lambda: build_register_card([]),
    "register": lambda: build_register_card([_status(1), _status(2, last=None)]),
    "register, longest": _full_register,
    "retired, none": lambda: build_retired_card([]),
    "retired": lambda: build_retired_card([_retired(1)]),
    "add dialog": lambda: build_policy_dialog(
        policy=None, owners=list(NAMES), values=policy_values(None, owner_id=OWNER_ID)
    ),
    "add dialog, refused": lambda: build_policy_dialog(
        policy=None,
        owners=list(NAMES),
        values={NAME: "AB", INTERVAL: "40"},
        errors={NAME: "x", LINK: "y", INTERVAL: "z", LAST_REVIEWED: "w", "": "v"},
    ),
    "edit dialog": lambda: build_policy_dialog(
        policy=_policy(1), owners=list(NAMES), values=policy_values(_policy(1), owner_id=OWNER_ID)
    ),
    "review dialog": lambda: build_review_dialog(
        policy=_policy(1),
        history=[_review(), _review("tightened")],
        values={REVIEWED_ON: "2026-06-15"},
    ),
    "retire dialog": lambda: build_retire_dialog(policy=_policy(1)),
    "bring back dialog": lambda: build_unretire_dialog(policy=_policy(1)),
    "done": lambda: build_done_dialog(
        _("Bring back"), _("“{name}” is back in the register.").format(name="Policy 01")
    ),
    "reminder, due": lambda: build_policy_reminder_card(
        policy_status(_policy(1, last=date(2025, 7, 1)), today=TODAY), kind="due"
    ),
    "reminder, overdue": lambda: build_policy_reminder_card(
        policy_status(_policy(1, last=date(2025, 1, 1)), today=TODAY), kind="overdue"
    ),
}
LANGUAGES = ("en", "de", PSEUDO_LANGUAGE)
NOT_WORDS = re.compile(r"\{\{(?:DATE|TIME)\([^)]*\)\}\}|\]\([^)\s]*\)|Policy \d\d|<@[^>]+>")
DATA = ("no change", "tightened", "replaced", "AB")


def _leaks(text: str) -> list[str]:
    for data in DATA:
        text = text.replace(data, " ")
    return escaped_words(NOT_WORDS.sub(" ", text))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("surface", SURFACES)
def test_every_policy_card_is_valid_and_fits(surface: str, language: str) -> None:
    with speaking(language):
        built = SURFACES[surface]()
    for content in cards_in(built):
        assert content["version"] == "1.5"
        assert schema_errors(content) == []
        assert size(content) < CARD_LIMIT
        assert size(message(content, summary="x")) < MESSAGE_LIMIT


@pytest.mark.parametrize(
    "surface", [s for s in SURFACES if s not in ("register, longest", "add dialog, refused")]
)
def test_no_policy_word_escapes_the_catalogue(surface: str) -> None:
    with speaking(PSEUDO_LANGUAGE):
        built = SURFACES[surface]()
    leaks = {t: words for t in texts(built) if (words := _leaks(t))}
    assert not leaks


def test_the_register_lists_the_soonest_due_and_says_what_it_left_out() -> None:
    with speaking("en"):
        content = _full_register()
    words = texts(content["body"])
    assert f"Showing the {MAX_LISTED} soonest due of {MAX_LISTED + 5}." in words
    per_policy = [a for a in actions(content) if a["data"].get("action") == REVIEW_ACTION]
    assert len(per_policy) == MAX_LISTED
    # Each button opens its dialog (task/fetch) for its own policy.
    assert all(a["data"]["msteams"] == {"type": "task/fetch"} for a in per_policy)
    assert [a["data"][POLICY_KEY] for a in per_policy] == [f"{i:032x}" for i in range(MAX_LISTED)]


def test_people_become_mentions_and_peoples_words_are_inert() -> None:
    with speaking("en"):
        content = build_register_card([_status(1, name=HOSTILE)])
    # The card keeps the shared wording's marks; they become Teams mentions as it leaves.
    sent = with_mentions(content, {teams_id(k): v for k, v in NAMES.items()})
    said = "\n".join(texts(sent["body"]))
    assert "Owner <at>Ana Owner</at>" in said and "<at>Rui Reviewer</at>" in said
    mentioned = {e["mentioned"]["name"] for e in sent["msteams"]["entities"]}
    assert mentioned == {"Ana Owner", "Rui Reviewer"}
    # The policy's own name cannot bold, link, mention or date anything.
    assert "**URGENT**" not in said and "](https://evil.example)" not in said and "{{DATE" not in said
    assert "∗URGENT∗" in said and said.count("<at>") == 2
    assert "[∗URGENT∗" in said  # the only link is the policy's own, around its inert name


def test_each_refusal_sits_under_its_field_and_a_whole_form_one_under_the_name() -> None:
    errors = {NAME: "name?", LINK: "link?", OWNER: "owner?", INTERVAL: "interval?", "": "whole form"}
    with speaking("en"):
        (content,) = cards_in(
            build_policy_dialog(policy=None, owners=list(NAMES), values={NAME: "AB"}, errors=errors)
        )
    body = content["body"]

    ids = [item.get("id") for item in body]
    assert body[ids.index(NAME) + 1]["text"] == "name?" and body[ids.index(NAME) + 2]["text"] == "whole form"
    assert body[ids.index(LINK) + 1]["text"] == "link?"
    assert body[ids.index(OWNER) + 1]["text"] == "owner?"
    assert body[ids.index(INTERVAL) + 1]["text"] == "interval?"
    assert body[ids.index(NAME)]["value"] == "AB"
    # A field with no error has none under it.
    assert body[ids.index(LAST_REVIEWED) + 1].get("color") != "attention"


@pytest.mark.parametrize(
    ("build", "action", "field"),
    [
        (lambda: build_policy_dialog(policy=None, owners=list(NAMES), values={}), ADD_ACTION, None),
        (lambda: build_retire_dialog(policy=_policy(3), reason="old"), RETIRE_ACTION, RETIRE_REASON),
        (
            lambda: build_review_dialog(policy=_policy(3), history=[], values={SUMMARY: "ok"}),
            REVIEW_ACTION,
            SUMMARY,
        ),
        (lambda: build_unretire_dialog(policy=_policy(3)), UNRETIRE_ACTION, None),
    ],
)
def test_a_dialogs_send_names_its_change_and_its_policy(
    build: Callable[[], dict[str, Any]], action: str, field: str | None
) -> None:
    with speaking("en"):
        (content,) = cards_in(build())
    (send,) = [a for a in actions(content) if a["type"] == "Action.Submit"]
    assert send["data"]["action"] == action + SUBMIT_SUFFIX
    assert send["data"].get(POLICY_KEY) == (None if action == ADD_ACTION else f"{3:032x}")
    if field is not None:
        # What was typed is shown again (a refused dialog keeps it).
        assert next(i for i in content["body"] if i.get("id") == field)["value"] in ("old", "ok")


def test_the_add_dialog_asks_for_the_last_review_and_the_edit_dialog_does_not() -> None:
    with speaking("en"):
        (adding,) = cards_in(build_policy_dialog(policy=None, owners=list(NAMES), values={}))
        (editing,) = cards_in(
            build_policy_dialog(
                policy=_policy(1), owners=list(NAMES), values=policy_values(_policy(1), owner_id="")
            )
        )
    assert LAST_REVIEWED in [i.get("id") for i in adding["body"]]
    assert LAST_REVIEWED not in [i.get("id") for i in editing["body"]]
    owner = next(i for i in editing["body"] if i.get("id") == OWNER)
    assert owner["value"] == OWNER_ID
    assert {c["value"]: c["title"] for c in owner["choices"]} == {k: f"<@{k}>" for k in NAMES}
    assert next(i for i in editing["body"] if i.get("id") == INTERVAL)["value"] == 12


def test_the_reminder_says_when_and_opens_the_review() -> None:
    overdue = policy_status(_policy(1, last=date(2025, 1, 1)), today=TODAY)
    with speaking("en"):
        content = build_policy_reminder_card(overdue, kind="overdue")
        due = build_policy_reminder_card(
            policy_status(_policy(2, last=date(2025, 7, 1)), today=TODAY), kind="due"
        )
    said = texts(content["body"])
    assert said[0].startswith(
        "⚠️ The review of **Policy 01** is overdue: it was due Thu 01 Jan 2026 (165 days ago)"
    )
    assert f"Owner <@{OWNER_ID}>" in said[0]
    assert said[1] == "[Open the document](https://intranet.example.com/p/1)"
    (button,) = actions(content)
    assert button["data"] == {
        "msteams": {"type": "task/fetch"},
        "action": REVIEW_ACTION,
        POLICY_KEY: f"{1:032x}",
    }
    assert "is due for review on Wed 01 Jul 2026 (due in 16 days)" in texts(due["body"])[0]
    assert content["fallbackText"].startswith("⚠️ The review of **Policy 01** is overdue")
