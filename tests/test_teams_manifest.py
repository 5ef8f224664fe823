"""deploy/teams/manifest.json is a valid Teams app manifest (schema v1.30) for what PeerPulse offers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from PIL import Image

from handlers.slack.commands.pulse import ADMIN_SUBCOMMANDS

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "deploy" / "teams"
SCHEMA = REPO / "tests" / "data" / "teams-manifest-schema" / "MicrosoftTeams.schema.1.30.json"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    """The parsed manifest template."""
    data = json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """Microsoft's published schema, vendored."""
    data = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_manifest_validates_against_microsoft_s_schema(
    manifest: dict[str, Any], schema: dict[str, Any]
) -> None:
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(manifest)
    ]
    assert errors == []


def test_the_schema_check_catches_a_broken_manifest(manifest: dict[str, Any], schema: dict[str, Any]) -> None:
    # A check that could not fail would prove nothing: an unknown field and a too-long name must fail.
    broken = {**manifest, "botName": "x", "name": {"short": "P" * 31}}
    assert len(list(jsonschema.Draft4Validator(schema).iter_errors(broken))) >= 2


def test_the_manifest_says_which_schema_version_it_follows(
    manifest: dict[str, Any], schema: dict[str, Any]
) -> None:
    assert manifest["manifestVersion"] == schema["properties"]["manifestVersion"]["const"] == "1.30"
    assert manifest["$schema"].endswith("/v1.30/MicrosoftTeams.schema.json")


def test_the_bot_is_the_app_and_chats_one_to_one_and_in_the_coordinators_team(
    manifest: dict[str, Any],
) -> None:
    (bot,) = manifest["bots"]
    # One Entra app registration serves as both the Teams app and the bot; the template's zero GUID
    # is replaced with it (README, "Running it on Teams").
    assert bot["botId"] == manifest["id"]
    assert set(bot["scopes"]) == {"personal", "team"}
    assert not bot["isNotificationOnly"]  # people answer pulses and write to it


def test_commands_offered_to_everyone_do_not_advertise_the_coordinators(manifest: dict[str, Any]) -> None:
    (bot,) = manifest["bots"]
    titles = [c["title"] for lst in bot["commandLists"] for c in lst["commands"]]
    assert {"pulse", "feedback", "peer-log", "help"} <= set(titles)
    words = {word for title in titles for word in title.split()}
    assert not words & ADMIN_SUBCOMMANDS


def test_the_icons_are_the_sizes_teams_asks_for() -> None:
    with Image.open(PACKAGE / "color.png") as color:
        assert color.size == (192, 192)
    with Image.open(PACKAGE / "outline.png") as outline:
        assert outline.size == (32, 32)
        # Teams asks for a white outline on a transparent background.
        rgba = outline.convert("RGBA")
        pixels = [rgba.getpixel((x, y)) for x in range(32) for y in range(32)]
        assert any(p[3] == 0 for p in pixels)
        assert all(p[:3] == (255, 255, 255) for p in pixels if p[3] > 0)
