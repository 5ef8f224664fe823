"""manifest.yml is a valid Slack app manifest that declares exactly what PeerPulse uses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "tests" / "data" / "slack-manifest-schema" / "manifest.schema.1.0.0.json"
REQUEST_URL = "https://peerpulse.example.com/slack/events"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    """The parsed manifest."""
    data = yaml.safe_load((REPO / "manifest.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_manifest_validates_against_slacks_schema(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(manifest)
    ]
    assert errors == []


def test_manifest_declares_the_three_slash_commands_at_the_events_url(manifest: dict[str, Any]) -> None:
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/pulse", "/peer-log", "/feedback"}
    assert {c["url"] for c in commands.values()} == {REQUEST_URL}
    assert commands["/pulse"]["description"] == "Your pulse surveys: whether you get them, opt out or back in"
    assert commands["/peer-log"]["description"] == "Log a peer-support session or training"
    assert commands["/feedback"]["description"] == "Leave anonymous feedback about the program"
    assert all(c.get("usage_hint") for c in commands.values())


def test_autocomplete_shows_employees_only_their_own_subcommands(manifest: dict[str, Any]) -> None:
    from handlers.slack.commands.pulse import COORDINATOR_USAGE, EMPLOYEE_USAGE

    pulse = next(c for c in manifest["features"]["slash_commands"] if c["command"] == "/pulse")
    # Slack shows a command's hint and description to everyone in the workspace.
    advertised = set(re.findall(r"[a-z-]+", pulse["usage_hint"] + " " + pulse["description"].lower()))
    coordinator_only = set(re.findall(r"`/pulse ([a-z-]+)`", COORDINATOR_USAGE))
    assert coordinator_only and not advertised & coordinator_only
    assert set(re.findall(r"`/pulse ([a-z-]+)`", EMPLOYEE_USAGE)) <= advertised


def test_manifest_asks_only_for_the_scopes_peerpulse_uses(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    assert set(scopes) == {"bot"}  # no user token: PeerPulse never acts as a person
    assert sorted(scopes["bot"]) == sorted(
        [
            "commands",
            "chat:write",
            "im:write",
            "im:history",
            "users:read",
            "channels:read",
            "groups:read",
            "files:write",
        ]
    )


def test_manifest_routes_events_and_interactivity_to_one_url(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["event_subscriptions"] == {
        "request_url": REQUEST_URL,
        "bot_events": ["app_home_opened", "message.im"],
    }
    assert settings["interactivity"] == {"is_enabled": True, "request_url": REQUEST_URL}
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_manifest_names_the_app_and_enables_app_home(manifest: dict[str, Any]) -> None:
    assert manifest["display_information"]["name"] == "PeerPulse"
    assert manifest["features"]["bot_user"] == {"display_name": "peerpulse", "always_online": True}
    app_home = manifest["features"]["app_home"]
    assert app_home["home_tab_enabled"] is True
    assert app_home["messages_tab_enabled"] is True
    # People may write to the bot and are answered (message.im, which im:history lets the bot receive).
    assert app_home["messages_tab_read_only_enabled"] is False
    assert "message.im" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert "im:history" in manifest["oauth_config"]["scopes"]["bot"]
