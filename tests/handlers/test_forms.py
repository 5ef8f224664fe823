"""The modal-submission plumbing: what a form reads, and how a refusal comes back into the modal."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest

from bot.errors import InvalidInput, NotAllowed, StorageUnavailable
from handlers.slack.payloads import team_of
from handlers.slack.replies import SOMETHING_WENT_WRONG
from handlers.slack.simulation.signing import state_checkboxes, state_date, state_select, state_text
from handlers.slack.views.forms import REFUSED, SubmittedView, submit_form

SERVICES: Any = SimpleNamespace(team_id="T_DEFAULT")


def _body(values: dict[str, Any], *, metadata: Any = "", team: Any = None) -> dict[str, Any]:
    return {
        "team": team or {"id": "T1"},
        "user": {"id": "U1"},
        "view": {"private_metadata": metadata, "state": {"values": values}},
    }


class Acks:
    """Records what the listener acked with."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


def test_reads_each_kind_of_input_by_block() -> None:
    view = SubmittedView(
        _body(
            {
                "name": {"value": state_text("Bullying policy")},
                "owner": {"value": {"type": "users_select", "selected_user": "U2"}},
                "due": {"value": state_date("2026-07-01")},
                "measure": {"value": state_select("psych_safety")},
                "follow_up": {"value": state_checkboxes(["yes"])},
                "category": {"category_input": state_select("other")},
            }
        ),
        action_id="value",
    )
    assert view.text("name") == "Bullying policy"
    assert view.user("owner") == "U2"
    assert view.date("due") == "2026-07-01"
    assert view.option("measure") == "psych_safety"
    assert view.options("follow_up") == ["yes"]
    assert view.option("category", "category_input") == "other"


def test_missing_or_empty_inputs_read_as_nothing() -> None:
    view = SubmittedView(
        _body({"name": {"value": state_text(None)}, "measure": {"value": state_select(None)}}),
        action_id="value",
    )
    assert view.text("name") is None
    assert view.option("measure") is None
    assert view.text("absent") is None
    assert view.date("absent") is None
    assert view.options("absent") == []
    assert view.input("absent") == {}


def test_metadata_as_text_and_as_json_fields() -> None:
    assert SubmittedView(_body({}, metadata="abc123"), action_id="value").metadata == "abc123"
    fields = SubmittedView(_body({}, metadata='{"a": "x", "n": 5, "l": [1]}'), action_id="value")
    assert fields.metadata_fields() == {"a": "x"}  # only strings: the client sends metadata back
    for junk in ("not json", "[1, 2]", '"text"', "", None, {"a": "x"}):
        assert SubmittedView(_body({}, metadata=junk), action_id="value").metadata_fields() == {}


def test_team_comes_from_the_payload_or_the_default() -> None:
    assert team_of(_body({}), SERVICES) == "T1"
    assert team_of(_body({}, team={"id": ""}), SERVICES) == "T_DEFAULT"
    assert team_of({}, SERVICES) == "T_DEFAULT"


async def test_success_returns_the_result_and_leaves_the_ack_to_the_listener() -> None:
    ack = Acks()

    async def work() -> str:
        return "saved"

    assert await submit_form(ack, work, fallback_block="name") == "saved"
    assert ack.calls == []


async def test_field_errors_go_next_to_their_blocks() -> None:
    ack = Acks()

    async def work() -> None:
        raise InvalidInput("Some fields need attention.", fields={"title": "Too long.", "odd": "Odd."})

    outcome = await submit_form(ack, work, fallback_block="note_block", field_blocks={"title": "title_block"})
    assert outcome is REFUSED
    assert ack.calls == [
        {"response_action": "errors", "errors": {"title_block": "Too long.", "note_block": "Odd."}}
    ]


async def test_field_names_are_block_ids_when_no_mapping_is_given() -> None:
    ack = Acks()

    async def work() -> None:
        raise InvalidInput("Some fields need attention.", fields={"date": "In the future."})

    assert await submit_form(ack, work, fallback_block="name") is REFUSED
    assert ack.calls == [{"response_action": "errors", "errors": {"date": "In the future."}}]


async def test_a_refusal_of_the_whole_form_sits_on_the_fallback_block() -> None:
    ack = Acks()

    async def work() -> None:
        raise NotAllowed("Only coordinators can do that.")

    assert await submit_form(ack, work, fallback_block="name") is REFUSED
    assert ack.calls == [{"response_action": "errors", "errors": {"name": "Only coordinators can do that."}}]


async def test_an_unexpected_failure_is_shown_plainly_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    ack = Acks()

    async def work() -> None:
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR):
        assert await submit_form(ack, work, fallback_block="name") is REFUSED
    assert ack.calls == [{"response_action": "errors", "errors": {"name": SOMETHING_WENT_WRONG}}]
    assert any(r.exc_info and "work failed" in r.getMessage() for r in caplog.records)


async def test_errors_not_caught_propagate_without_an_ack() -> None:
    ack = Acks()

    async def work() -> None:
        raise StorageUnavailable("down")

    with pytest.raises(StorageUnavailable):
        await submit_form(ack, work, fallback_block="name", catching=(InvalidInput,))
    assert ack.calls == []
