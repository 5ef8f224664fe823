"""You said, we did: tell employees what changed because of what they said, k-safely.

An update is drafted from a closed action, edited by a coordinator, checked, previewed and then
published to the audience channel or, as DMs, to the pulse audience through the outbox. Nothing
published may carry a figure from fewer than k people or repeat a quote that a digest showed, so
every publish runs the same checks as the preview. The quote check knows only quotes coordinators
were shown (keyed hashes, storage.digest_models.ShownQuoteGram): a refusal can never confirm a
guess about a comment nobody was shown.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal

from sqlmodel import col, select

from bot.actions import ActionService
from bot.announcements import UpdateShared, announcement
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import Envelope, Outbox
from bot.errors import Conflict, InvalidInput
from bot.i18n import N_, _
from bot.roles import SYSTEM, Actor, Roles
from bot.surveys import SurveyService
from bot.viewdata import view_payload
from storage.db import Database
from storage.digest_models import ImprovementAction, ShownQuoteGram
from storage.models import OutboxMessage
from storage.policy_models import PublishedUpdate

log = logging.getLogger(__name__)

# Form fields (and the block ids of the Slack modals).
TEXT = "update_text"
DESTINATION = "update_destination"

TEXT_MAX = 1000
COMMENT_DAYS = 90
QUOTE_WORDS = 8
SINCE_LAST_TIME_DAYS = 45
SINCE_LAST_TIME_CHARS = 200
DESTINATIONS = ("channel", "dm")

# Words that make a small number a count of people or of what people said.
# fmt: off
PEOPLE_WORDS = frozenset([
    "people", "person", "persons", "colleague", "colleagues", "coworker", "coworkers", "co-worker",
    "co-workers", "employee", "employees", "respondent", "respondents", "staff", "staffer", "staffers",
    "member", "members", "teammate", "teammates", "worker", "workers", "individual", "individuals",
    "participant", "participants", "men", "women", "you", "voices", "comment", "comments", "report",
    "reports", "response", "responses", "answer", "answers", "complaint", "complaints", "concern",
    "concerns", "suggestion", "suggestions", "case", "cases", "story", "stories",
    # German, since coordinators may write in it: "3 Kolleginnen", "drei von euch".
    "personen", "leute", "menschen", "kollegin", "kolleginnen", "kollege", "kollegen", "mitarbeitende",
    "mitarbeitenden", "mitarbeiter", "mitarbeiterin", "mitarbeiterinnen", "beschäftigte", "beschäftigten",
    "befragte", "befragten", "teilnehmende", "teilnehmenden", "mitglieder", "teammitglieder", "frauen",
    "männer", "euch", "ihnen", "stimmen", "kommentar", "kommentare", "meldung", "meldungen", "antwort",
    "antworten", "beschwerde", "beschwerden", "hinweis", "hinweise", "vorschlag", "vorschläge", "fall",
    "fälle", "geschichte", "geschichten",
])
# Words that count people only after "of" / "von": "3 of you", "3 von euch" (elsewhere, the reader).
READER_WORDS = frozenset(["you", "euch", "ihnen"])
OF_WORDS = frozenset(["of", "von"])
# Words that may stand between a number and what it counts ("3 of our team members").
FILLERS = frozenset([
    "of", "out", "in", "from", "among", "the", "our", "your", "their", "these", "those", "who",
    "anonymous", "different", "separate", "other", "more", "fellow", "individual", "team", "new", "brave",
    "von", "aus", "unter", "den", "der", "die", "unseren", "unserer", "unsere", "euren", "eurer", "eure",
    "ihren", "ihrer", "anonyme", "anonymen", "verschiedene", "verschiedenen", "weitere", "weiteren",
    "andere", "anderen", "neue", "neuen", "mutige", "mutigen",
])
_GERMAN_UNITS = [
    "null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf",
    "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn", "neunzehn",
]
_GERMAN_TENS = ["zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"]
_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
# fmt: on
NUMBER_WORDS: dict[str, int] = {
    **{w: i for i, w in enumerate(_UNITS)},
    **{w: 20 + 10 * i for i, w in enumerate(_TENS)},
    **{w: i for i, w in enumerate(_GERMAN_UNITS)},
    **{w: 20 + 10 * i for i, w in enumerate(_GERMAN_TENS)},
    # German's "one" declines: "eine Kollegin", "einer von euch".
    **dict.fromkeys(("ein", "eine", "einer", "einem", "einen"), 1),
}
_GAP = 3  # at most this many words between a number and the people-word it counts
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+(?:['’-][^\W\d_]+)*")
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:%|per\s*cent\b|percent\b)", re.IGNORECASE)
_POINTS = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:percentage\s+points?|points?|pts)\b", re.IGNORECASE)
_QUOTED = re.compile(
    r"[\"“”„«»][^\"“”„«»]*[^\W\d_][^\"“”„«»]*[\"“”„«»]"  # double quotes of any style
    r"|‘[^‘’]*[^\W\d_][^‘’]*’"  # curly single quotes (the closing one doubles as an apostrophe)
    r"|(?<!\w)'[^'\n]*[^\W\d_][^'\n]*'(?!\w)"  # straight single quotes, not apostrophes
)
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")

# What employees said, by the survey construct an action was measured on (plain words).
YOU_SAID = {
    "psych_safety": N_("it didn't always feel safe to speak up about problems in your team"),
    "awareness": N_("not everyone knew about peer support or how to reach a supporter"),
    "trust_confidentiality": N_("you weren't sure that what you tell a peer supporter stays confidential"),
    "experienced_disrespect": N_("being belittled, excluded or intimidated at work still happens"),
    "witnessed_disrespect": N_("you still see colleagues being belittled, excluded or intimidated"),
    "leadership_response": N_("leaders don't always act when disrespect is reported"),
    "recommend": N_("peer support isn't yet something you'd always recommend"),
}
# The favourable end of each construct, for "the share of you who … went from 40% to 55%".
FAVOURABLE = {
    "psych_safety": N_("feel it is safe to speak up"),
    "awareness": N_("know how to reach a peer supporter"),
    "trust_confidentiality": N_("trust that peer support stays confidential"),
    "experienced_disrespect": N_("have not been treated with disrespect lately"),
    "witnessed_disrespect": N_("have not seen a colleague treated with disrespect lately"),
    "leadership_response": N_("say leaders act on reports of disrespect"),
    "recommend": N_("would recommend peer support"),
}


@dataclass(frozen=True)
class UpdateMessage:
    """A "you said, we did" update as employees receive it, in the channel or a DM."""

    kind: ClassVar[str] = "you_said_we_did"

    text: str


@dataclass(frozen=True)
class Delivery:
    """An update's messages: how many Slack accepted, how many still wait, and Slack's refusals."""

    sent: int
    waiting: int
    errors: list[str]


@dataclass(frozen=True)
class Draft:
    """A closed action and the editable update drafted from it."""

    action: ImprovementAction
    text: str


@dataclass(frozen=True)
class Publication:
    """A published update, how many places it goes to, and whether this call published it."""

    update: PublishedUpdate
    recipients: int
    new: bool


def figures_of(action: ImprovementAction | None) -> list[float]:
    """The figures an update may quote: before and after, only when both were measured (k-safe)."""
    if action is None or action.before_value is None or action.after_value is None:
        return []
    return [action.before_value, action.after_value]


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


def draft_text(action: ImprovementAction) -> str:
    """The draft for an action: what people said, what was done, and the measured change if any."""
    known = YOU_SAID.get(action.construct_id)
    said = (
        _(known)
        if known is not None
        else _("{measure} needed attention").format(measure=action.construct_id.replace("_", " "))
    )
    title = action.title.strip().rstrip(".!?")
    parts = [_("You told us {said}, so we acted: {title}.").format(said=said, title=title)]
    if action.outcome_note:
        parts.append(_sentence(action.outcome_note))
    figures = figures_of(action)
    if figures:
        before, after = figures
        who = _(FAVOURABLE.get(action.construct_id, N_("answered favourably")))
        parts.append(
            _("In the pulse, the share of you who {who} went from {before} to {after}.").format(
                who=who, before=f"{before:.0%}", after=f"{after:.0%}"
            )
        )
    parts.append(_("Thank you for answering — please keep telling us how it's going."))
    return " ".join(parts)[:TEXT_MAX]


def first_sentence(text: str, *, limit: int = SINCE_LAST_TIME_CHARS) -> str:
    """The first sentence of the first line, cut at a word to at most `limit` characters."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    sentence = _SENTENCE_END.split(line, maxsplit=1)[0].strip()
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1]
    # Cut at a word boundary unless the limit already falls on one.
    if not sentence[limit - 1].isspace() and " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:—-") + "…"


def _number(token: str) -> float | None:
    token = token.casefold()
    if token[0].isdigit():
        # "1,000" groups thousands; "1,5" is a decimal comma.
        plain = token.replace(",", "") if _THOUSANDS.fullmatch(token) else token.replace(",", ".")
        try:
            return float(plain)
        except ValueError:
            return None
    if token in NUMBER_WORDS:
        return float(NUMBER_WORDS[token])
    tens, _, unit = token.partition("-")
    if tens in _TENS and unit in _UNITS[1:10]:
        return float(NUMBER_WORDS[tens] + NUMBER_WORDS[unit])
    return None


def _words(text: str) -> list[str]:
    return [w.casefold().replace("’", "'") for w in _WORD.findall(text)]


def _ngrams(words: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _small_counts(text: str, k: int) -> list[str]:
    """Phrases where a number from 1 to k-1 counts people or what people said."""
    tokens = list(_TOKEN.finditer(text))
    found = []
    for i, match in enumerate(tokens):
        value = _number(match.group())
        if value is None or not 1 <= value < k or value != int(value):
            continue
        following = text[match.end() : match.end() + 12].lstrip().casefold()
        if following.startswith(("%", "per cent", "percent", "point", "pts")):
            continue  # a share, checked against the measured figures instead
        for j in range(i + 1, min(len(tokens), i + 2 + _GAP)):
            word = tokens[j].group().casefold()
            # "you" counts people only as "3 of you"; elsewhere it is just the reader.
            if word in PEOPLE_WORDS and (
                word not in READER_WORDS or tokens[j - 1].group().casefold() in OF_WORDS
            ):
                found.append(text[match.start() : tokens[j].end()])
                break
            if word not in FILLERS and _number(word) is None:
                break
    return found


def quote_grams(text: str) -> set[tuple[str, ...]]:
    """Every run of QUOTE_WORDS words in the text, casefolded (what the quote check compares)."""
    return _ngrams(_words(text), QUOTE_WORDS)


def gram_hash(secret: str, *, team_id: str, gram: tuple[str, ...]) -> str:
    """The keyed hash a shown quote's word run is recorded as (never the words themselves)."""
    message = f"quote-gram:{team_id}:{' '.join(gram)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def shown_quote_rows(
    secret: str, *, team_id: str, digest_key: str, quotes: Iterable[str], shown_on: date
) -> list[dict[str, Any]]:
    """The ShownQuoteGram rows recording that a digest showed these quotes (keyed hashes only)."""
    grams = sorted({gram_hash(secret, team_id=team_id, gram=g) for q in quotes for g in quote_grams(q)})
    return [{"digest_key": digest_key, "gram": g, "team_id": team_id, "shown_on": shown_on} for g in grams]


def find_problems(
    text: str,
    *,
    allowed_figures: Iterable[float],
    k: int,
    comments: Iterable[str] = (),
    shown_grams: Collection[tuple[str, ...]] = (),
) -> list[str]:
    """Why this text may not be published (empty when it may): unmeasured or small figures, quotes.

    `shown_grams` are the text's own word runs that a digest already showed as part of a quote.
    """
    reasons: list[str] = []
    allowed = sorted({round(f * 100) for f in allowed_figures})
    gaps = {abs(a - b) for a in allowed for b in allowed if a != b}
    shown = _(" and ").join(f"{a}%" for a in allowed)
    for match in _PERCENT.finditer(text):
        value = float(match.group(1).replace(",", "."))
        if any(abs(value - a) <= 0.5 for a in allowed):
            continue
        if allowed:
            reasons.append(
                _(
                    "{figure} isn't a figure this action measured (only {shown} were measured "
                    "from {k} or more people)."
                ).format(figure=match.group().strip(), shown=shown, k=k)
            )
        else:
            reasons.append(
                _(
                    "{figure}: this action has no before-and-after measured from {k} or more "
                    "people, so the update can't quote a percentage."
                ).format(figure=match.group().strip(), k=k)
            )
    for match in _POINTS.finditer(text):
        value = float(match.group(1).replace(",", "."))
        if not any(abs(value - g) <= 1 for g in gaps):
            reasons.append(
                _("{figure} isn't the measured change; quote the before and after instead.").format(
                    figure=match.group().strip()
                )
            )
    for phrase in _small_counts(text, k):
        reasons.append(
            _(
                "“{phrase}” counts fewer than {k} people, which could point at who they are; "
                "leave the number out or say “a few”."
            ).format(phrase=phrase, k=k)
        )
    if _QUOTED.search(text):
        reasons.append(
            _(
                "Text in quotation marks reads as a quote from someone's comment; say it in your own words "
                "without quotation marks."
            )
        )
    words = _words(text)
    if len(words) >= QUOTE_WORDS:
        mine = _ngrams(words, QUOTE_WORDS)
        for shared in [mine & set(shown_grams), *(mine & quote_grams(c) for c in comments)]:
            if shared:
                first = next(i for i in range(len(words)) if tuple(words[i : i + QUOTE_WORDS]) in shared)
                sample = " ".join(words[first : first + QUOTE_WORDS])
                reasons.append(
                    _(
                        "“{sample}…” repeats a quote from a digest word for word ({n} or more words "
                        "in a row); put it in your own words."
                    ).format(sample=sample, n=QUOTE_WORDS)
                )
                break
    return reasons


# How long sharing to a channel waits for the platform to accept the post before saying it is queued.
CONFIRM_WITHIN_SECONDS = 20.0
SINCE_CACHE_SIZE = 64
SINCE_CACHE_SETTLED = timedelta(seconds=10)


class UpdateService:
    """Drafting, checking and publishing "you said, we did" updates: coordinators only."""

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        clock: Clock,
        outbox: Outbox,
        surveys: SurveyService,
        actions: ActionService,
        roles: Roles,
    ) -> None:
        self.db = db
        self.roles = roles
        self.settings = settings
        self.clock = clock
        self.outbox = outbox
        self.surveys = surveys
        self.actions = actions
        # Each pulse click redraws its DM with the line it was sent with; the line is fixed per round.
        self._since_cache: dict[tuple[str, datetime], str | None] = {}

    def draft_for(self, action: ImprovementAction) -> str:
        """An editable draft for a closed action."""
        return draft_text(action)

    async def draft(self, *, team_id: str, action_id: str, by: str) -> Draft:
        """A coordinator's draft for a closed action; Conflict while the action is still open."""
        await self.roles.require_coordinator(by)
        action = await self.actions.get(team_id=team_id, action_id=action_id, by=SYSTEM)
        if action.status != "closed":
            raise Conflict(_("Close the action first: an update tells people what was done."))
        return Draft(action, draft_text(action))

    async def _shown_grams(self, *, team_id: str, text: str) -> set[tuple[str, ...]]:
        """The text's word runs that digests of the last 90 days showed as part of a quote.

        Only quotes coordinators were shown are recorded (as keyed hashes), so a refusal says nothing
        about any comment that was never shown.
        """
        grams = {
            gram_hash(self.settings.peerpulse_secret, team_id=team_id, gram=g): g for g in quote_grams(text)
        }
        if not grams:
            return set()
        since = self.clock.now().date() - timedelta(days=COMMENT_DAYS)
        async with self.db.session() as session:
            found = await session.exec(
                select(ShownQuoteGram.gram).where(
                    ShownQuoteGram.team_id == team_id,
                    col(ShownQuoteGram.shown_on) >= since,
                    col(ShownQuoteGram.gram).in_(list(grams)),
                )
            )
            return {grams[h] for h in found}

    async def check(
        self, *, team_id: str, text: str, allowed_figures: Iterable[float], by: Actor
    ) -> list[str]:
        """Reasons the text may not be published; empty when it may."""
        # It answers whether a digest quoted these words, which only coordinators were shown.
        await self.roles.require_coordinator_or_system(by)
        return await self._problems(team_id=team_id, text=text, allowed_figures=allowed_figures)

    async def _problems(self, *, team_id: str, text: str, allowed_figures: Iterable[float]) -> list[str]:
        return find_problems(
            text,
            allowed_figures=allowed_figures,
            k=self.settings.min_group_size,
            shown_grams=await self._shown_grams(team_id=team_id, text=text),
        )

    async def validate(
        self, *, team_id: str, action_id: str | None, text: str, destination: str, by: str
    ) -> ImprovementAction | None:
        """Raise InvalidInput naming each problem next to its field; return the action. Coordinators only."""
        await self.roles.require_coordinator(by)
        return await self._validate(team_id=team_id, action_id=action_id, text=text, destination=destination)

    async def _validate(
        self, *, team_id: str, action_id: str | None, text: str, destination: str
    ) -> ImprovementAction | None:
        action = (
            await self.actions.get(team_id=team_id, action_id=action_id, by=SYSTEM) if action_id else None
        )
        errors: dict[str, str] = {}
        if not text.strip():
            errors[TEXT] = _("Write the update people will read.")
        elif len(text) > TEXT_MAX:
            errors[TEXT] = _("Keep the update under {n} characters.").format(n=TEXT_MAX)
        else:
            reasons = await self._problems(team_id=team_id, text=text, allowed_figures=figures_of(action))
            if reasons:
                errors[TEXT] = " ".join(reasons)
        if destination not in DESTINATIONS:
            errors[DESTINATION] = _("Choose where the update goes.")
        elif destination == "channel" and not self.settings.pulse_audience_channel:
            errors[DESTINATION] = _("No audience channel is set (PULSE_AUDIENCE_CHANNEL); send it as DMs.")
        if errors:
            raise InvalidInput(_("The update can't be published as written."), fields=errors)
        return action

    async def publish(
        self,
        *,
        team_id: str,
        action_id: str | None,
        text: str,
        destination: str,
        by: str,
        update_id: str | None = None,
    ) -> Publication:
        """A coordinator publishes: check again, record the update and queue it once per recipient.

        `update_id` makes it idempotent.
        """
        await self.roles.require_coordinator(by)
        text = text.strip()
        await self._validate(team_id=team_id, action_id=action_id, text=text, destination=destination)
        update_id = update_id or secrets.token_hex(16)
        if not re.fullmatch(r"[0-9a-f]{32}", update_id):
            raise InvalidInput(
                _("This preview is out of date; share the update again from the closed action.")
            )
        async with self.db.session() as session:
            existing = await session.get(PublishedUpdate, update_id)
        if existing is not None:
            if existing.team_id != team_id:
                raise InvalidInput(_("That update belongs to another workspace."))
            # The same preview submitted twice: its messages are queued already, exactly once each.
            return Publication(existing, 0, new=False)
        now = self.clock.now()
        update = PublishedUpdate(
            id=update_id,
            team_id=team_id,
            action_id=action_id,
            text=text,
            destination=destination,
            published_at=now,
            published_by=by,
        )
        if destination == "channel":
            assert self.settings.pulse_audience_channel is not None
            recipients = [self.settings.pulse_audience_channel]
        else:
            recipients = [m.id for m in await self.surveys.audience(team_id)]
        async with self.db.session() as session:
            session.add(update)
        message = view_payload(UpdateMessage(text))
        await self.outbox.enqueue(
            [Envelope("text", r, f"update:{update.id}:{r}", now, payload=message) for r in recipients]
        )
        log.info("published update %s to %d recipient(s) (%s)", update.id, len(recipients), destination)
        return Publication(update, len(recipients), new=True)

    async def share(
        self,
        *,
        team_id: str,
        action_id: str | None,
        text: str,
        destination: str,
        by: str,
        update_id: str | None = None,
        confirm_within: float = CONFIRM_WITHIN_SECONDS,
    ) -> Publication:
        """A coordinator shares an update: publish it, then tell the coordinators' channel how it went.

        A channel post is "published" only once the platform accepted it; a refused one is withdrawn
        (so it can be shared again) and the channel hears why.
        """
        publication = await self.publish(
            team_id=team_id,
            action_id=action_id,
            text=text,
            destination=destination,
            by=by,
            update_id=update_id,
        )
        if not publication.new:
            return publication  # announced when it was first shared
        action = (
            await self.actions.get(team_id=team_id, action_id=action_id, by=SYSTEM) if action_id else None
        )
        outcome: Literal["published", "failed", "waiting"] = "published"
        error: str | None = None
        if destination == "channel":
            delivery = await self.delivery(publication.update.id, by=by, within=confirm_within)
            if delivery.errors:
                await self.withdraw(publication.update.id, by=by)
                outcome, error = "failed", delivery.errors[0]
            elif delivery.waiting:
                outcome = "waiting"
        note = UpdateShared(
            by=by,
            title=action.title if action else None,
            text=publication.update.text,
            destination=destination,
            recipients=publication.recipients,
            outcome=outcome,
            error=error,
        )
        # Due just before the DMs it announces, so the channel hears of a fan-out as it starts.
        at = publication.update.published_at - timedelta(milliseconds=1)
        await self.outbox.enqueue([announcement(note, channel=self.settings.coordinator_channel, at=at)])
        return publication

    async def latest(self, *, team_id: str, as_of: datetime) -> PublishedUpdate | None:
        """The most recent update published in the 45 days up to `as_of`."""
        async with self.db.session() as session:
            return (
                await session.exec(
                    select(PublishedUpdate)
                    .where(
                        PublishedUpdate.team_id == team_id,
                        col(PublishedUpdate.published_at) <= as_of,
                        col(PublishedUpdate.published_at) >= as_of - timedelta(days=SINCE_LAST_TIME_DAYS),
                    )
                    .order_by(col(PublishedUpdate.published_at).desc())
                    .limit(1)
                )
            ).one_or_none()

    async def since_last_time(self, *, team_id: str, as_of: datetime) -> str | None:
        """One line for the pulse DM: the first sentence of the latest update, if recent."""
        key = (team_id, as_of)
        if key in self._since_cache:
            return self._since_cache[key]
        update = await self.latest(team_id=team_id, as_of=as_of)
        line = (first_sentence(update.text) or None) if update is not None else None
        if as_of < self.clock.now() - SINCE_CACHE_SETTLED:
            # Only a moment safely past can't gain an update any more; keep the last few rounds'.
            if len(self._since_cache) >= SINCE_CACHE_SIZE:
                self._since_cache.clear()
            self._since_cache[key] = line
        return line

    async def delivery(self, update_id: str, *, by: str, within: float) -> Delivery:
        """How the update's messages fared, waiting up to `within` seconds for the platform's answers."""
        await self.roles.require_coordinator(by)
        prefix = f"update:{update_id}:"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            async with self.db.session() as session:
                rows = list(
                    await session.exec(
                        select(OutboxMessage.status, OutboxMessage.last_error).where(
                            col(OutboxMessage.dedupe_key).startswith(prefix)
                        )
                    )
                )
            waiting = sum(1 for status, _ in rows if status in ("pending", "sending"))
            if not waiting or loop.time() >= deadline:
                errors = [error or "unknown error" for status, error in rows if status == "failed"]
                return Delivery(sent=sum(1 for s, _ in rows if s == "sent"), waiting=waiting, errors=errors)
            await asyncio.sleep(0.1)

    async def withdraw(self, update_id: str, *, by: str) -> None:
        """Forget an update the platform refused: nothing claims it was published, and it can be shared again."""
        await self.roles.require_coordinator(by)
        async with self.db.session() as session:
            update = await session.get(PublishedUpdate, update_id)
            if update is not None:
                await session.delete(update)
