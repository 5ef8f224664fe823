"""Block Kit for the weekly digest, split to Slack's limits. Pure builders."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.actions import ActionPage
from bot.digest import QUOTE_CHARS, DigestReport, DigestView
from bot.i18n import _, format_day, ngettext
from bot.insights import Suppressed, ThemeSummary
from bot.measures import label_of
from handlers.shared.digest_words import (
    after_reading,
    digest_title,
    method_note,
    theme_line,
    themes_footnote,
    themes_heading,
)
from handlers.shared.digest_words import (
    construct_text as _construct_text,
)
from handlers.shared.digest_words import (
    decline_text as _decline_text,
)
from handlers.shared.digest_words import (
    evidence_text as _evidence_text,
)
from handlers.shared.digest_words import (
    open_action_text as _open_action_text,
)
from handlers.shared.digest_words import (
    pct as _pct,
)
from handlers.shared.digest_words import (
    pts as _pts,
)
from handlers.shared.digest_words import (
    reading as _reading,
)
from handlers.shared.digest_words import (
    support_text as _support_text,
)
from handlers.shared.digest_words import (
    verdict as _verdict,
)
from handlers.slack.blocks.mrkdwn import escape, quote
from handlers.slack.blocks.policies import policy_line
from storage.digest_models import ImprovementAction

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
ADOPT_ACTION = "digest_adopt"
UPDATE_ACTION = "action_update"
CLOSE_ACTION = "action_close"
REOPEN_ACTION = "action_reopen"
ACTION_DELETE_ACTION = "action_delete"
HISTORY_ACTION = "action_history"
PAGE_ACTION = "actions_page"  # its value says which list, which way, and from which boundary


def _section(text: str) -> dict[str, Any]:
    # Builders keep their sections short; split_long_sections() splits any that are not.
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def split_long_sections(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Split any section over Slack's 3,000 characters at line breaks into several sections."""
    out: list[dict[str, Any]] = []
    for block in blocks:
        text = block.get("text", {}).get("text", "") if block.get("type") == "section" else ""
        if len(text) <= MAX_SECTION_CHARS:
            out.append(block)
            continue
        chunk = ""
        for line in text.split("\n"):
            while len(line) > MAX_SECTION_CHARS:
                out.append(_section(line[:MAX_SECTION_CHARS]))
                line = line[MAX_SECTION_CHARS:]
            if chunk and len(chunk) + 1 + len(line) > MAX_SECTION_CHARS:
                out.append(_section(chunk))
                chunk = ""
            chunk = f"{chunk}\n{line}" if chunk else line
        if chunk:
            out.append(_section(chunk))
    return out


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:MAX_SECTION_CHARS]}]}


def _decline_blocks(report: DigestReport) -> list[dict[str, Any]]:
    """The "Prefer not to say" counts of sensitive questions; nothing when no such question was asked."""
    if not report.declines:
        return []
    lines = [_decline_text(line, report.k, quote=escape) for line in report.declines]
    return [
        _section(
            _("*“Prefer not to say”* on sensitive questions (latest closed round that asked each)")
            + "\n"
            + "\n".join(lines)
        ),
        _context(
            _(
                "Declines are counted apart: they are not answers, and no share, mean, trend or test above "
                "includes them. Someone who only declined still counts as having taken part."
            )
        ),
    ]


def _theme_blocks(report: DigestReport) -> list[dict[str, Any]]:
    heading, shown = themes_heading(report)
    if not shown:
        return [_section(heading)]
    blocks = [_section(heading)]
    for theme, summary in report.themes.themes.items():
        if isinstance(summary, Suppressed):
            continue  # not named: a withheld theme's name would say what a few people wrote
        assert isinstance(summary, ThemeSummary)
        text = theme_line(theme, summary, quote=escape)
        # One inert line per quote: a comment cannot add lines, pings or formatting to the digest.
        quotes = "\n".join(quote(q, limit=QUOTE_CHARS) for q in summary.quotes)
        blocks.append(_section(f"{text}\n{quotes}" if quotes else text))
    blocks.append(_context(themes_footnote(report.k)))
    return blocks


def _suggestion_blocks(report: DigestReport) -> list[dict[str, Any]]:
    if not report.suggestions:
        return [
            _section(_("*Suggested improvements* — nothing in this week's figures calls for a new practice."))
        ]
    blocks = [_section(_("*Suggested improvements* (from the evidence-based playbook)"))]
    for i, suggestion in enumerate(report.suggestions):
        p = suggestion.practice
        construct = report.construct_for_practice.get(p.id, "")  # "": the practice has no survey measure
        # Translated now, in the reader's language: the queued report keeps the playbook's English keys.
        title = _(p.title)
        blocks.append(
            _section(
                f"*{i + 1}. {title}*\n{_(p.action)}\n"
                + _("_Why:_ {why}").format(why=_(p.rationale))
                + "\n"
                + _("_Triggered by:_ {evidence}").format(evidence=_evidence_text(suggestion.evidence))
            )
        )
        blocks.append(_context(_("Source: {source}").format(source=p.source)))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"adopt_{p.id}"[:255],
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"{ADOPT_ACTION}_{i}",
                        "style": "primary",
                        "text": {"type": "plain_text", "text": _("Adopt as action")},
                        "value": json.dumps(
                            {"p": p.id, "c": construct, "t": title[:150]}, separators=(",", ":")
                        ),
                    }
                ],
            }
        )
    return blocks


DIGEST_OPEN_ACTIONS = 10  # the soonest due; `/pulse actions` pages through the rest


def _open_action_blocks(actions: list[ImprovementAction], *, today: date) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for i, action in enumerate(actions[:DIGEST_OPEN_ACTIONS]):
        blocks.append(
            _section(
                _open_action_text(action, today=today, title=action.title, progress=action.progress_note)
            )
        )
        blocks.append(
            {
                "type": "actions",
                "block_id": f"action_{action.id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"{UPDATE_ACTION}_{i}",
                        "text": {"type": "plain_text", "text": _("Update")},
                        "value": action.id,
                    },
                    {
                        "type": "button",
                        "action_id": f"{CLOSE_ACTION}_{i}",
                        "text": {"type": "plain_text", "text": _("Close")},
                        "value": action.id,
                    },
                ],
            }
        )
    return blocks


def _button(action_id: str, label: str, value: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label},
        "value": value,
        **extra,
    }


def _delete_button(i: int, action_id: str) -> dict[str, Any]:
    return _button(
        f"{ACTION_DELETE_ACTION}_{i}",
        _("Delete"),
        action_id,
        style="danger",
        confirm={
            "title": {"type": "plain_text", "text": _("Delete this action?")},
            "text": {
                "type": "plain_text",
                "text": _(
                    "It leaves the lists and the digest. Its history is kept, with who deleted it and when."
                ),
            },
            "confirm": {"type": "plain_text", "text": _("Delete")},
            "deny": {"type": "plain_text", "text": _("Keep it")},
            "style": "danger",
        },
    )


def page_value(status: str, direction: str, cursor: str | None) -> str:
    """The value of a paging button: which list, which way, from which boundary."""
    return json.dumps({"s": status, "d": direction, "c": cursor}, separators=(",", ":"))


def build_actions_page_blocks(page: ActionPage, *, today: date, notice: str = "") -> list[dict[str, Any]]:
    """`/pulse actions`: one page of open (or closed) actions with their buttons and paging."""
    other = "closed" if page.status == "open" else "open"
    label = _("Show closed actions") if other == "closed" else _("Show open actions")
    switch = _button(f"{PAGE_ACTION}_switch", label, page_value(other, "next", None))
    blocks: list[dict[str, Any]] = [_context(escape(notice))] if notice else []
    if not page.items:
        empty = (
            _("No open improvement actions. Adopt one from a digest suggestion.")
            if page.status == "open"
            else _("No closed improvement actions.")
        )
        blocks += [_section(empty), {"type": "actions", "block_id": "actions_page_nav", "elements": [switch]}]
        return blocks
    last = page.first_position + len(page.items) - 1
    blocks.append(
        _section(
            (
                _("*Open improvement actions* — {first}–{last} of {total} (soonest due first)")
                if page.status == "open"
                else _("*Closed improvement actions* — {first}–{last} of {total} (latest closed first)")
            ).format(first=page.first_position, last=last, total=page.total)
        )
    )
    for i, action in enumerate(page.items):
        title = escape(action.title)
        if page.status == "open":
            progress = escape(action.progress_note) if action.progress_note else None
            text = _open_action_text(action, today=today, title=title, progress=progress)
            buttons = [
                _button(f"{UPDATE_ACTION}_{i}", _("Update"), action.id),
                _button(f"{CLOSE_ACTION}_{i}", _("Close"), action.id),
            ]
        else:
            closed = format_day(action.closed_at.date(), year=True) if action.closed_at else "?"
            text = ":checkered_flag: " + _("*{title}* — closed {closed}, owner {owner}").format(
                title=title, closed=closed, owner=f"<@{action.owner_id}>"
            )
            text += "\n" + _("{measure}: before {before} → after {after}").format(
                measure=label_of(action.construct_id),
                before=_reading(action.before_value, action.before_low, action.before_high),
                after=after_reading(action),
            )
            buttons = [
                _button(
                    f"{REOPEN_ACTION}_{i}",
                    _("Reopen"),
                    action.id,
                    confirm={
                        "title": {"type": "plain_text", "text": _("Reopen this action?")},
                        "text": {
                            "type": "plain_text",
                            "text": _(
                                "Its after measure is cleared and taken again from the first round "
                                "that closes after it is closed again."
                            ),
                        },
                        "confirm": {"type": "plain_text", "text": _("Reopen")},
                        "deny": {"type": "plain_text", "text": _("Cancel")},
                    },
                )
            ]
        buttons += [_button(f"{HISTORY_ACTION}_{i}", _("History"), action.id), _delete_button(i, action.id)]
        blocks.append(_section(text))
        blocks.append({"type": "actions", "block_id": f"action_{action.id}", "elements": buttons})
    nav: list[dict[str, Any]] = []
    if page.prev_cursor is not None:
        nav.append(
            _button(f"{PAGE_ACTION}_prev", _("← Previous"), page_value(page.status, "prev", page.prev_cursor))
        )
    if page.next_cursor is not None:
        nav.append(
            _button(f"{PAGE_ACTION}_next", _("Next →"), page_value(page.status, "next", page.next_cursor))
        )
    nav.append(switch)
    blocks.append({"type": "actions", "block_id": "actions_page_nav", "elements": nav})
    return blocks


def _action_blocks(report: DigestReport) -> list[dict[str, Any]]:
    if not report.open_actions and not report.closed_actions:
        return [_section(_("*Actions* — none adopted yet. Adopt a suggestion above to track its effect."))]
    blocks: list[dict[str, Any]] = [_section(_("*Actions*"))]
    blocks += _open_action_blocks(report.open_actions, today=report.generated_at.date())
    if (more := len(report.open_actions) - DIGEST_OPEN_ACTIONS) > 0:
        blocks.append(
            _context(
                ngettext(
                    "{n} more open action: `/pulse actions` pages through them all.",
                    "{n} more open actions: `/pulse actions` pages through them all.",
                    more,
                ).format(n=more)
            )
        )
    for action in report.closed_actions:
        before = _reading(action.before_value, action.before_low, action.before_high)
        after = after_reading(action)
        verdict = _verdict(report.action_verdicts.get(action.id))
        blocks.append(
            _section(
                ":checkered_flag: "
                + _("*{title}* (closed {closed})").format(
                    title=action.title,
                    closed=format_day(action.closed_at.date()) if action.closed_at else "?",
                )
                + "\n"
                + _("{measure}: before {before} → after {after}").format(
                    measure=label_of(action.construct_id), before=before, after=after
                )
                + verdict
            )
        )
    return blocks


def _policy_blocks(report: DigestReport) -> list[dict[str, Any]]:
    if not report.policies:
        return [_section(_("*Policy reviews* — the register is empty; `/pulse policies` adds policies."))]
    due = [s for s in report.policies if s.state in ("due", "overdue")]
    if not due:
        count = len(report.policies)
        return [
            _section(
                _("*Policy reviews* — none due in the next 30 days ({n} in the register).").format(n=count)
            )
        ]
    return [
        _section(_("*Policy reviews due or overdue*") + "\n" + "\n".join(f"• {policy_line(s)}" for s in due))
    ]


def _chart_blocks(report: DigestReport) -> list[dict[str, Any]]:
    """The chart in words, before the chart itself (the same figures, none the chart withholds)."""
    if not report.chart_text:
        # A digest queued before the chart had words: it says only that the chart follows.
        return [
            _context(":chart_with_upwards_trend: " + _("The chart of the last rounds is attached below."))
        ]
    intro, *lines = (escape(line) for line in report.chart_text)
    text = "\n".join(
        [_("*The chart in words* :chart_with_upwards_trend: (the chart is attached below)") + f"\n{intro}"]
        + [f"• {line}" for line in lines]
    )
    # Kept within a section's 3,000 characters: split at line breaks if ever it grows past them.
    return split_long_sections([_section(text)])


def build_digest_blocks(report: DigestReport, *, chart: bool | None = None) -> list[dict[str, Any]]:
    """Every block of the digest, in reading order; `chart` says whether the chart follows it."""
    p = report.participation
    header = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": digest_title(report),
            },
        },
        # Only what holds: participation minus a question's answers (declined + skipped) may be 1..k-1,
        # so the digest promises nothing about differences, only that no small group's answers show.
        _context(
            ":lock: "
            + _(
                "Figures from fewer than {k} people are withheld, so no figure shows how fewer than "
                "{k} people answered. Closed rounds only."
            ).format(k=report.k)
        ),
    ]
    if isinstance(p.rate, float) and not isinstance(p.answered, Suppressed):
        participation = (
            _("*Participation* — latest round: at least {answered} of {invited} answered (at least {rate})")
            if p.at_least
            else _("*Participation* — latest round: {answered} of {invited} answered ({rate})")
        ).format(answered=p.answered, invited=p.invited, rate=_pct(p.rate))
        if isinstance(p.change_vs_last, float):
            participation += " · " + _("{change} on last round").format(change=_pts(p.change_vs_last))
        if isinstance(p.change_vs_average, float):
            participation += " · " + _("{change} on the {n}-round average").format(
                change=_pts(p.change_vs_average), n=p.rounds_in_average
            )
    elif p.invited:
        participation = _(
            "*Participation* — {invited} invited; fewer than {k} answered, so nothing more is shown"
        ).format(invited=p.invited, k=report.k)
    else:
        participation = _("*Participation* — no closed pulse round yet")
    blocks = [*header, _section(participation), {"type": "divider"}]
    blocks.append(_section(_("*How the program is doing* (favourable = the good end of each scale)")))
    blocks += [_section(_construct_text(line, report.k)) for line in report.constructs]
    blocks.append(_context(method_note(report)))
    blocks += _decline_blocks(report)
    if report.chart_png if chart is None else chart:
        blocks += _chart_blocks(report)
    blocks += [
        {"type": "divider"},
        _section(_("*Peer-support activity*")),
        _section(_support_text(report.support, report.k)),
    ]
    blocks += [{"type": "divider"}, *_theme_blocks(report)]
    blocks += [{"type": "divider"}, *_suggestion_blocks(report)]
    blocks += [{"type": "divider"}, *_action_blocks(report)]
    blocks += [{"type": "divider"}, *_policy_blocks(report)]
    return blocks


def split_messages(blocks: list[dict[str, Any]], *, fallback: str) -> list[dict[str, Any]]:
    """Split blocks into messages of at most 50 blocks, never separating a section from its buttons."""
    messages: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []
    for block in blocks:
        if len(current) >= MAX_BLOCKS - 1 and block.get("type") != "actions":
            messages.append({"text": fallback, "blocks": current})
            current = []
        current.append(block)
    if current:
        messages.append({"text": fallback, "blocks": current})
    if len(messages) > 1:
        for i, message in enumerate(messages, start=1):
            message["text"] = f"{fallback} ({i}/{len(messages)})"
    return messages


def build_digest_messages(report: DigestReport, *, chart: bool | None = None) -> list[dict[str, Any]]:
    """The digest as one or more postable messages within Block Kit's limits."""
    return split_messages(
        split_long_sections(build_digest_blocks(report, chart=chart)),
        fallback=digest_title(report),
    )


def blocks_as_text(blocks: list[dict[str, Any]]) -> str:
    """A plain-text rendering of blocks (for the terminal and logs)."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in {"header", "section"}:
            lines.append(str(block["text"]["text"]))
        elif kind == "context":
            lines.append("  " + " ".join(str(e.get("text", "")) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("-" * 72)
        elif kind == "actions":
            lines.append("  " + "  ".join(f"[{e['text']['text']}]" for e in block.get("elements", [])))
    return "\n".join(lines)


def digest_view_messages(view: DigestView) -> list[dict[str, Any]]:
    """Every message of a queued digest (each of its rows posts the one of its part)."""
    return build_digest_messages(view.report, chart=view.chart_follows)
