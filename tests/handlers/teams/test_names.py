"""People named in what goes to Teams: real mentions with display names, never an opaque id."""

from __future__ import annotations

import json
from typing import Any

from handlers.teams.cards.card import action_response, attachment, card, dialog, message, text
from handlers.teams.ids import person_id
from handlers.teams.names import REFRESH_SECONDS, DisplayNames, with_mentions

SAM = "29:1sam-aad-id"
LEE = "29:1lee-aad-id"
NAMES = {SAM: "Sam River"}


def _card_saying(words: str) -> dict[str, Any]:
    return card([text(words)], fallback=words)


def test_a_card_names_a_known_person_as_a_mention_it_carries() -> None:
    content = _card_saying(f"owner <@{person_id(SAM)}>, due Friday")
    named = with_mentions(content, NAMES)
    assert named["body"][0]["text"] == "owner <at>Sam River</at>, due Friday"
    assert named["msteams"]["entities"] == [
        {"type": "mention", "text": "<at>Sam River</at>", "mentioned": {"id": SAM, "name": "Sam River"}}
    ]
    # The preview shows text as it is: a plain name there, no markup, no id.
    assert named["fallbackText"] == "owner @Sam River, due Friday"
    assert content["body"][0]["text"] == f"owner <@{person_id(SAM)}>, due Friday", "the input was changed"


def test_someone_no_roster_holds_is_someone_never_an_id() -> None:
    named = with_mentions(_card_saying(f"reviewed by <@{person_id(LEE)}>"), NAMES)
    dumped = json.dumps(named)
    assert "@someone" in named["body"][0]["text"]
    assert "lee-aad-id" not in dumped and "<@" not in dumped
    assert "msteams" not in named


def test_each_card_of_a_message_lists_its_own_mentions_once() -> None:
    both = message(_card_saying(f"<@{person_id(SAM)}> and <@{person_id(SAM)}>"), summary="s")
    both["attachments"].append(attachment(_card_saying("nobody here")))
    named = with_mentions(both, NAMES)
    first, second = (a["content"] for a in named["attachments"])
    assert [e["mentioned"]["id"] for e in first["msteams"]["entities"]] == [SAM]
    assert "msteams" not in second
    assert "entities" not in named


def test_a_plain_reply_carries_its_mentions_on_the_activity() -> None:
    named = with_mentions({"type": "message", "text": f"Thanks, <@{person_id(SAM)}>!"}, NAMES)
    assert named["text"] == "Thanks, <at>Sam River</at>!"
    assert named["entities"][0]["mentioned"] == {"id": SAM, "name": "Sam River"}


def test_dialogs_and_invoke_answers_name_people_too() -> None:
    content = _card_saying(f"owner <@{person_id(SAM)}>")
    for body in (dialog("Title", content), action_response(content)):
        dumped = json.dumps(with_mentions(body, NAMES))
        assert "<at>Sam River</at>" in dumped and "<@" not in dumped


def test_a_name_is_inert_text_not_markup() -> None:
    named = with_mentions(_card_saying(f"<@{person_id(SAM)}>"), {SAM: "*Boss* [x](https://evil.example)"})
    shown = named["body"][0]["text"]
    assert "*" not in shown and "](" not in shown


async def test_an_unknown_id_reads_the_people_roster_at_most_once_per_spell() -> None:
    now = [0.0]
    reads: list[float] = []

    async def roster() -> list[dict[str, Any]]:
        reads.append(now[0])
        return [{"id": SAM, "name": "Sam River"}]

    names = DisplayNames(clock=lambda: now[0])
    names.people = roster
    first = await names.mention(_card_saying(f"<@{person_id(SAM)}>"))
    assert "<at>Sam River</at>" in json.dumps(first)
    # Known now: no further read; an unknown one within the spell waits for the next one.
    await names.mention(_card_saying(f"<@{person_id(SAM)}>"))
    await names.mention(_card_saying(f"<@{person_id(LEE)}>"))
    assert reads == [0.0]
    now[0] = REFRESH_SECONDS
    await names.mention(_card_saying(f"<@{person_id(LEE)}>"))
    assert reads == [0.0, REFRESH_SECONDS]


async def test_text_without_marks_is_sent_as_it_is_without_a_roster_read() -> None:
    async def roster() -> list[dict[str, Any]]:
        raise AssertionError("no read needed")

    names = DisplayNames()
    names.people = roster
    content = _card_saying("Nothing to name here")
    assert await names.mention(content) == content
