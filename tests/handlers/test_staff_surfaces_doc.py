"""What a peer supporter and a coordinator see, drawn from the code into docs/staff-surfaces.md.

The employee's surfaces are in docs/employee-surfaces.md. The surfaces here are the ones the
catalogue-coverage tests render (with their sample data) and check against Block Kit's limits;
this file only writes them out as text so a reader can review the words (the test fails if the
doc drifts; `UPDATE_DOCS=1` rewrites it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bot.i18n import speaking
from tests.handlers.test_catalogue_coverage import SURFACES as EVERYONE
from tests.handlers.test_catalogue_coverage_coordinators import SURFACES as COORDINATORS
from tests.handlers.test_employee_surfaces import _as_text, _quoted

DOC = Path(__file__).resolve().parents[2] / "docs" / "staff-surfaces.md"

# (heading, surface key) in the order a person meets them.
SUPPORTER = [
    ("`/peer-log`: logging a session", "session form"),
    ("After saving a session", "session saved"),
    ("`/peer-log list`: their own recent sessions", "session list"),
    ("A follow-up falls due (a DM)", "follow-up due"),
    ("`/peer-log training`: recording training", "training form"),
    ("Training lapsed (a DM)", "training reminder, lapsed"),
    ("`/peer-log help`", "peer-log help"),
]
COORDINATOR = [
    ("`/pulse send`: the question before a round goes out", "send confirmation, channel C0ALL"),
    ("After “Send it”", "round opened, True"),
    ("`/pulse close`: closing a round early", "close confirmation"),
    ("`/pulse cancel`: the question", "cancel prompt, at_least"),
    ("After cancelling", "cancelled"),
    ("The weekly digest, first message", "digest, part 0"),
    ("The weekly digest, second message", "digest, part 1"),
    ("The weekly digest in a quiet week", "digest, quiet week"),
    ("Adopting a suggestion as an action", "adopt"),
    ("`/pulse actions`", "actions page, open"),
    ("`/pulse actions closed`", "actions page, closed"),
    ("An action's history", "history"),
    ("`/pulse policies`: the policy register", "policy register"),
    ("A policy review falls due (a DM)", "policy reminder, overdue"),
    ("Reviewing a policy", "review policy"),
    ("Retiring a policy", "retire policy"),
    ("`/pulse help` for a coordinator", "coordinators' help"),
]


def _as_read(surface: Any) -> str:
    """A message, a modal or a plain text, the way it reads."""
    if isinstance(surface, str):
        return surface
    if isinstance(surface, list):
        return _as_text(surface)
    text = _as_text(surface["blocks"]) if surface.get("blocks") else str(surface.get("text", ""))
    if surface.get("type") == "modal":
        buttons = [surface[b]["text"] for b in ("close", "submit") if b in surface]
        return f"**{surface['title']['text']}**\n\n{text}\n\n" + " ".join(f"[{b}]" for b in buttons)
    return text


def render_doc() -> str:
    """docs/staff-surfaces.md as the code renders it today."""
    parts = [
        "# What a peer supporter and a coordinator see",
        "Rendered from the code with the sample data of the catalogue-coverage tests"
        " (`tests/handlers/test_catalogue_coverage*.py`), which also hold every surface here to"
        " Block Kit's limits; kept in step by `tests/handlers/test_staff_surfaces_doc.py`"
        " (`UPDATE_DOCS=1` rewrites this file). Their App Home is in"
        " [employee-surfaces.md](employee-surfaces.md); the chart is in [digest-chart.md](digest-chart.md).",
        "## A peer supporter",
    ]
    for heading, key in SUPPORTER:
        parts += [f"### {heading}", _quoted(_as_read(EVERYONE[key]()))]
    parts.append("## A coordinator")
    for heading, key in COORDINATOR:
        parts += [f"### {heading}", _quoted(_as_read(COORDINATORS[key]()))]
    return "\n\n".join(parts) + "\n"


def test_the_doc_shows_what_supporters_and_coordinators_see() -> None:
    with speaking("en"):
        rendered = render_doc()
    if os.environ.get("UPDATE_DOCS") == "1":
        DOC.write_text(rendered, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == rendered, "run with UPDATE_DOCS=1 after a deliberate change"
