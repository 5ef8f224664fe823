"""Slack mrkdwn helpers shared by the builders. Pure functions."""

from __future__ import annotations


def escape(text: str) -> str:
    """Text safe to put in mrkdwn: no stray <links>, <!channel> pings or entity tricks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A mrkdwn link whose label and address cannot break out of the <url|label> syntax."""
    return f"<{escape(url).replace('|', '%7C')}|{escape(label)}>"
