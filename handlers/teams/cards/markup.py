"""The catalogue's Slack mrkdwn, rewritten as the markdown subset Adaptive Card TextBlocks render. Pure.

The catalogue's strings carry Slack markup (`*bold*`, `<url|text>`, `:emoji:`, Slack date tokens,
`/commands` in backticks) and are shared with Slack, so German comes for free; this module is the
only place that knows both syntaxes. TextBlocks render `**bold**`, `_italic_`, `[text](url)` and,
in Teams, the `{{DATE()}}`/`{{TIME()}}` functions, shown in the reader's own time zone and language.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.i18n import _, format_day

# Every emoji code the catalogue and the support resources use, as the character Teams shows.
EMOJI = {
    "alarm_clock": "⏰",
    "calendar": "📅",
    "chart_with_upwards_trend": "📈",
    "checkered_flag": "🏁",
    "file_cabinet": "🗄️",
    "grey_question": "❔",
    "handshake": "🤝",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "large_green_circle": "🟢",
    "large_yellow_circle": "🟡",
    "leftwards_arrow_with_hook": "↩️",
    "lock": "🔒",
    "loudspeaker": "📢",
    "memo": "📝",
    "mortar_board": "🎓",
    "pray": "🙏",
    "raised_hands": "🙌",
    "red_circle": "🔴",
    "seedling": "🌱",
    "small_red_triangle_down": "🔻",
    "spiral_note_pad": "🗒️",
    "sunflower": "🌻",
    "triangular_flag_on_post": "🚩",
    "warning": "⚠️",
    "wastebasket": "🗑️",
    "wave": "👋",
    "white_check_mark": "✅",
    "white_circle": "⚪",
    "zzz": "💤",
}

# Slack's date tokens, as the Adaptive Card function that formats the same in the reader's client.
_DATE_FORMATS = {
    "date_short_pretty": "SHORT",
    "date_short": "SHORT",
    "date_long_pretty": "LONG",
    "date_long": "LONG",
    "date_pretty": "COMPACT",
    "date": "COMPACT",
    "date_num": "COMPACT",
}
_TIME_TOKENS = ("time", "time_secs")

_DATE = re.compile(r"<!date\^(\d+)\^([^|^>]*)(?:\^[^|>]*)?\|([^>]*)>")
_DATE_TOKEN = re.compile(r"\{(\w+)\}")
_LINK = re.compile(r"<((?:https?|mailto|tel):[^|>\s]+)(?:\|([^>]*))?>")
_MENTION = re.compile(r"<@([A-Za-z0-9%:_.-]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#[A-Za-z0-9]+\|([^>]*)>")
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
_SLACK = re.compile(r"\bSlack\b")
# A stand-in for a command while the rest is rewritten (a private-use character no text carries).
_SLOT = "\ue000{}\ue001"
_SLOTS = re.compile("\ue000(\\d+)\ue001")


def card_date(moment: datetime, *, form: str = "SHORT") -> str:
    """A date and time Teams shows in each reader's own time zone and language."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # Teams accepts the functions only with a strict RFC 3339 time; UTC's "Z" is the simplest form.
    iso = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # Teams fills in the date and the time in the reader's language; the word between them is ours.
    at = _("at")
    return f"{{{{DATE({iso}, {form})}}}} {at} {{{{TIME({iso})}}}}"


def written_date(moment: datetime, *, zone: str) -> str:
    """The same moment written out in `zone`, for text no client formats (notifications, fallbacks)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(zone))
    return f"{format_day(local.date())}, {local:%H:%M} {local:%Z}"


def _date(match: re.Match[str]) -> str:
    moment = datetime.fromtimestamp(int(match.group(1)), tz=UTC)
    iso = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    unknown = False

    def token(found: re.Match[str]) -> str:
        nonlocal unknown
        name = found.group(1)
        if name in _DATE_FORMATS:
            return f"{{{{DATE({iso}, {_DATE_FORMATS[name]})}}}}"
        if name in _TIME_TOKENS:
            return f"{{{{TIME({iso})}}}}"
        unknown = True
        return found.group(0)

    written = _DATE_TOKEN.sub(token, match.group(2))
    # A token Teams has no function for: the text Slack itself shows where it cannot format one.
    return match.group(3) if unknown else written


def _link(match: re.Match[str]) -> str:
    url, label = match.group(1), match.group(2)
    if not label:
        return url
    # Brackets in a label would end the markdown link early.
    return f"[{label.replace('[', '(').replace(']', ')')}]({url.replace(')', '%29')})"


def to_markdown(text: str, *, names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn as TextBlock markdown; text without Slack markup comes back unchanged.

    `names` gives the display name for a `<@id>` mention, written as a plain @name. Without `names`
    the mark is kept for handlers/teams/names.py, which makes it a real Teams mention (it needs an
    entity the card carries) just before the message leaves.
    """
    if names is None:
        return _converted(text)
    return _convert(text, names)


@functools.lru_cache(maxsize=2048)
def _converted(text: str) -> str:
    # A pulse card is redrawn on every tap from the same strings: the regexes were a fifth of a tap's CPU.
    return _convert(text, None)


def _convert(text: str, names: Mapping[str, str] | None) -> str:
    commands: list[str] = []

    def code(match: re.Match[str]) -> str:
        # Teams commands are typed without the slash (the manifest's commandLists); shown in bold.
        commands.append(match.group(1).removeprefix("/"))
        return _SLOT.format(len(commands) - 1)

    text = _CODE.sub(code, text)
    text = _DATE.sub(_date, text)
    text = _LINK.sub(_link, text)
    if names is not None:
        text = _MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(2) or m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + m.group(1), text)
    text = _BOLD.sub(r"**\1**", text)
    # Adaptive Cards have no strikethrough: the words stay, the tildes go.
    text = _STRIKE.sub(r"\1", text)
    text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    # A few shared strings name the platform (where a message sits, who confirms it); on Teams it is Teams.
    text = _SLACK.sub("Teams", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _SLOTS.sub(lambda m: f"**{commands[int(m.group(1))]}**", text)


# Formatting characters swapped for look-alikes, as Slack's own renderer does with people's words:
# TextBlock markdown has no reliable escape, and "*URGENT*" must read as typed, not as our bold.
_LOOKALIKES = str.maketrans(
    {"*": "∗", "_": "ˍ", "~": "˜", "`": "ˋ", "[": "［", "]": "］", "<": "‹", ">": "›", "{": "｛", "}": "｝"}
)


def inert(text: str) -> str:
    """Someone's own words, safe to place in a catalogued string: no markup, links or date functions."""
    # An emoji code loses its opening colon to a look-alike, so it is shown as typed.
    return _EMOJI.sub(r"꞉\1:", " ".join(text.split()).translate(_LOOKALIKES))


def linked(words: str, url: str) -> str:
    """Someone's words made inert, linked to `url` where it is a web address (a bare name otherwise)."""
    if url.startswith(("https://", "http://")):
        return f"<{url}|{inert(words)}>"
    return inert(words)
