"""Slack mrkdwn helpers shared by the builders. Pure functions."""

from __future__ import annotations

import re


def escape(text: str) -> str:
    """Text safe to put in mrkdwn: no stray <links>, <!channel> pings or entity tricks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A mrkdwn link whose label and address cannot break out of the <url|label> syntax."""
    return f"<{escape(url).replace('|', '%7C')}|{escape(label)}>"


# Formatting characters swapped for look-alikes: Slack's mrkdwn has no escape for them, and a
# quoted "*URGENT*" or "~struck~" must read as the person typed it, not as our formatting.
_LOOKALIKES = str.maketrans({"*": "∗", "_": "ˍ", "~": "˜", "`": "ˋ"})
# What makes a line a quote, list item or heading when it starts one: "> ", "- ", "• ", "1. ", "#".
_LEADING_MARKERS = re.compile(r"^(?:\s*(?:&gt;|[>*•◦▪‣·#-]+|\d+[.)])(?=\s|$))+\s*")
_SPACES = re.compile(r"\s+")


def plain(text: str, *, limit: int | None = None) -> str:
    """User text as one inert line of mrkdwn: escaped, unformatted, no markers, newlines collapsed."""
    line = _LEADING_MARKERS.sub("", _SPACES.sub(" ", text).strip())
    if limit is not None and len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return escape(line).translate(_LOOKALIKES)


def quote(text: str, *, limit: int | None = None, keep_lines: bool = False) -> str:
    """User text as a mrkdwn block quote that cannot add lines, pings, links or formatting of its own.

    A comment is one quoted line (``keep_lines=False``); a coordinator's own multi-line update keeps
    its lines, each quoted and made inert the same way.
    """
    if not keep_lines:
        return "> " + plain(text, limit=limit)
    lines = [plain(line) for line in text.splitlines()]
    body = "\n".join(f"> {line}" for line in lines if line)
    return body if limit is None or len(body) <= limit else body[: limit - 1].rstrip() + "…"
