"""The digest's chart goes to a channel, which has no language of its own: it is in DEFAULT_LANGUAGE.

End to end: a coordinator whose Slack speaks one language asks for the digest while the workspace's
default is the other; the uploaded chart's title and alt text, and the chart in words the digest
shows, are in the default, never in the asker's language.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.i18n import _, speaking
from bot.measures import label_of
from bot.playbook import load_practices
from bot.questions import load_question_bank
from bot.runtime import Runtime
from handlers.slack.simulation.people import People
from handlers.slack.simulation.slack_api import FakeSlack, UploadedFile
from handlers.slack.simulation.workspace import COORDINATOR_CHANNEL_ID, Workspace, build_workspace
from tests.e2e.test_digest import _view, all_text, bad, run_round
from tests.support import eventually

CASES = [("de-DE", "en", "de"), ("en-US", "de", "en")]


@pytest.fixture
def workspace(asker: str) -> Workspace:
    """A small workspace whose first coordinator uses Slack in `asker`."""
    ws = build_workspace(employees=8)
    ws.users[ws.coordinators()[0]].locale = asker
    return ws


@pytest.fixture
def settings(settings: Settings, default: str) -> Settings:
    return dataclasses.replace(settings, default_language=default)


def _construct_names(language: str) -> set[str]:
    with speaking(language):
        return {label_of(q.construct) for q in load_question_bank().questions}


def _title_start(language: str) -> str:
    with speaking(language):
        return _("PeerPulse constructs · {day}").split("{day}")[0]


@pytest.mark.parametrize(("asker", "default", "other"), CASES)
async def test_the_chart_speaks_the_default_language_whoever_asks(
    runtime: Runtime,
    people: People,
    slack: FakeSlack,
    workspace: Workspace,
    asker: str,
    default: str,
    other: str,
) -> None:
    await run_round(runtime, people, workspace, bad, respondents=10)
    status, _body = await people.command(workspace.coordinators()[0], "/pulse", "digest")
    assert status == 200

    def shared() -> list[UploadedFile]:
        # The test clock stands still; let it tick so a Retry-After the outbox honours can pass.
        runtime.clock.advance(timedelta(milliseconds=100))  # type: ignore[attr-defined]
        runtime.services.outbox.wakeup.set()
        return slack.uploaded_files(COORDINATOR_CHANNEL_ID)

    # The chart is shared after the digest's messages, so they are all in by then.
    [chart] = await eventually(shared, timeout=20)
    with speaking(default):
        heading = _("PeerPulse weekly digest · {day}").split("{day}")[0]
    messages = [m for m in slack.messages(COORDINATOR_CHANNEL_ID) if heading in str(m.blocks)]
    assert messages
    assert chart.title.startswith(_title_start(default)), chart.title
    assert not chart.title.startswith(_title_start(other))
    alt = chart.alt_txt or ""
    text = all_text(messages)
    # The constructs charted are named in the default language, in the picture's words and the digest's.
    only_default = _construct_names(default) - _construct_names(other)
    only_other = _construct_names(other) - _construct_names(default)
    assert only_default and only_other
    assert any(name in alt for name in only_default), alt
    assert not [name for name in only_other if name in alt or name in text], (alt, text)
    # The suggestions speak the channel's language; the adopt form speaks the clicker's.
    coordinator = workspace.coordinators()[0]
    message, button = next((m, b) for m in messages for b in people.find_buttons(m, "digest_adopt_"))
    practice = next(p for p in load_practices() if p.id == json.loads(button.value)["p"])
    with speaking(default):
        assert f"*1. {_(practice.title)}*" in text
    status, _body = await people.click(coordinator, message, button)
    assert status == 200
    modal = await eventually(lambda: _view(slack, "action_adopt_view"))
    [field] = [b["element"] for b in modal["blocks"] if b.get("block_id") == "title"]
    with speaking(asker):
        assert field["initial_value"] == _(practice.title)
    with speaking(default):
        assert chart.initial_comment == _("Favourable share by construct over the last rounds (95% CI).")
