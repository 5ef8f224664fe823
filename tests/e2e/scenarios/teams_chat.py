"""`Chat` on Teams: installs, typed messages, card taps and dialogs through `handlers/teams/simulation`.

What the simulated people cannot do yet in one call (tap an Action.Submit in a chat, the way Teams sends
it as a message carrying the button's data) is put together here from the simulation's own activities.
"""

from __future__ import annotations

import base64
import itertools
import re
from datetime import date, timedelta
from typing import Any

from bot.policies import INTERVAL, LAST_REVIEWED, LINK, NAME, OWNER, REVIEWED_ON, SUMMARY
from bot.runtime import Runtime
from bot.updates import DESTINATION, TEXT
from handlers.teams.cards.answers import ANSWER_VERB, COMMENT_ACTION
from handlers.teams.cards.improvement import ADOPT, CLOSE, DUE, MEASURE, NOTE, SHARE, TITLE
from handlers.teams.cards.peer_log import OPEN_SESSION
from handlers.teams.cards.policies import ADD_ACTION, REVIEW_ACTION
from handlers.teams.dialogs import FEEDBACK_ACTION
from handlers.teams.ids import person_id
from handlers.teams.simulation.activities import personal_message
from handlers.teams.simulation.connector import FakeTeams, SentActivity
from handlers.teams.simulation.people import TeamsPeople, answer_buttons, submit_buttons
from handlers.teams.simulation.signing import TokenSigner
from handlers.teams.simulation.tenant import COORDINATORS_TEAM_ID
from storage.models import SurveyRound
from tests.e2e.scenarios.chat import (
    Chooser,
    Digest,
    Home,
    Option,
    PolicyEntry,
    Session,
    action_id,
    digest_delivered,
    outbox_settled,
    policy_id,
    published,
    texts_in,
    until,
    words,
)
from tests.support import eventually, round_settled
from tests.teams_runtime import SUPPORTERS_TEAM_ID

DIGEST_TITLE = "PeerPulse weekly digest"
_MENTION = re.compile(r"<at>(.*?)</at>")


def _activity_words(activity: SentActivity) -> str:
    return words("\n".join([activity.text, *texts_in([a.get("content") for a in activity.attachments])]))


def _is_pulse(activity: SentActivity) -> bool:
    return any(b.get("verb") == ANSWER_VERB for b in answer_buttons(activity))


def _named(text: str) -> str:
    """Mentions as Teams shows them: the person's name."""
    return _MENTION.sub(lambda m: "@" + m.group(1), text)


def _with_action(buttons: list[dict[str, Any]], action: str, **data: str) -> list[dict[str, Any]]:
    """The buttons for this action (whose data also holds `data`)."""
    return [
        b
        for b in buttons
        if b["data"].get("action") == action and all(b["data"].get(k) == v for k, v in data.items())
    ]


def _accepted(answer: dict[str, Any]) -> str:
    """A dialog's answer to a Send, in words, after checking nothing came back under a field."""
    task = answer["task"]
    if task["type"] == "message":
        return words(str(task["value"]))
    body = task["value"]["card"]["content"]["body"]
    refused = [item["text"] for item in body if item.get("color") == "attention"]
    assert not refused, refused
    return words("\n".join(texts_in(body)))


def _buttons_by_title(activity: SentActivity) -> dict[str, dict[str, Any]]:
    return {b["title"]: b for b in submit_buttons(activity)}


class TeamsChat:
    """The simulated tenant's people, talking to the running app through signed Bot Connector requests."""

    platform = "teams"

    def __init__(self, runtime: Runtime, people: TeamsPeople, fake: FakeTeams) -> None:
        self.runtime = runtime
        self.people = people
        self.fake = fake
        self.tenant = fake.tenant
        self._taps: set[str] = set()

    async def start(self) -> None:
        """Everyone installs the app, as an organisation's rollout does: each chat is known from then on."""
        for user in self.audience():
            assert await self.people.install(user) == 200

    def coordinators(self) -> list[str]:
        """Members of the coordinators' team."""
        return list(self.tenant.teams[COORDINATORS_TEAM_ID].members)

    def supporters(self) -> list[str]:
        """Members of the supporters' team."""
        return list(self.tenant.teams[SUPPORTERS_TEAM_ID].members)

    def employees(self) -> list[str]:
        """Members (not guests) in neither role's team."""
        staff = {*self.coordinators(), *self.supporters()}
        return [u for u in self.audience() if u not in staff]

    def audience(self) -> list[str]:
        """The tenant's members; guests get no pulse."""
        return [u.id for u in self.tenant.people()]

    def person(self, user: str) -> str:
        """The Teams user id, escaped as the core keeps it."""
        return person_id(user)

    def name(self, user: str) -> str:
        """The user's display name."""
        return self.tenant.users[user].name

    def markers(self) -> set[str]:
        """Teams user ids (raw and as the core has them), Entra object ids, names, emails, 1:1 chat ids."""
        found: set[str] = set()
        for user in self.tenant.users.values():
            found |= {
                user.id,
                person_id(user.id),
                user.aad_object_id,
                user.name,
                user.email,
                self.fake.personal_conversation(user.id),
            }
        return found

    def tap_marks(self) -> set[str]:
        """The Action.Execute ids of the taps made so far."""
        return set(self._taps)

    def _chat(self, user: str) -> str:
        return self.people.chat(user)

    def _replies(self, user: str, before: int) -> list[SentActivity]:
        # A coordinator is in the audience too: a pulse (answer buttons) arriving is not a reply; a card
        # with other Action.Execute buttons (the actions list's paging) is.
        return [a for a in self.fake.sent_to(self._chat(user))[before:] if not _is_pulse(a)]

    async def _submit_tap(self, user: str, button: dict[str, Any], card: SentActivity) -> SentActivity:
        """An Action.Submit tapped in the chat: Teams sends a message with its data, in reply to the card."""
        activity = personal_message(
            self.tenant,
            self.tenant.users[user],
            text="",
            service_url=self.people.service_url,
            conversation_id=self._chat(user),
        )
        del activity["text"]
        activity.update(value=button["data"], replyToId=card.id)
        updates = card.updates
        status, _ = await self.people.post(activity)
        assert status == 200
        # The answer rewrites the card tapped.
        return (
            await eventually(
                lambda: [
                    a for a in self.fake.sent_to(self._chat(user)) if a.id == card.id and a.updates > updates
                ]
            )
        )[0]

    async def open_round_as(self, coordinator: str) -> SurveyRound:
        """`pulse send`, then "Send it" on the card it asks with; every pulse delivered."""
        before = len(self.fake.sent_to(self._chat(coordinator)))
        assert await self.people.say(coordinator, "pulse send") == 200
        question = await eventually(
            lambda: [a for a in self._replies(coordinator, before) if "Send it" in _buttons_by_title(a)]
        )
        opened = await self._submit_tap(coordinator, _buttons_by_title(question[0])["Send it"], question[0])
        assert "Pulse round opened" in opened.text, opened.text
        services = self.runtime.services
        round_ = await services.surveys.current_round(team_id=services.team_id)
        assert round_ is not None
        await until(lambda: round_settled(self.runtime, round_.id))
        return round_

    def _pulse(self, user: str, round_id: str) -> SentActivity | None:
        for activity in reversed(self.fake.sent_to(self._chat(user))):
            buttons = answer_buttons(activity)
            if buttons and all(b["verb"] == ANSWER_VERB and b["data"]["r"] == round_id for b in buttons):
                return activity
        return None

    def pulse_of(self, user: str, round_id: str) -> dict[str, list[Option]] | None:
        """The answer buttons of the person's pulse card for this round."""
        pulse = self._pulse(user, round_id)
        if pulse is None:
            return None
        found: dict[str, list[Option]] = {}
        for button in answer_buttons(pulse):
            data = button["data"]
            if "d" not in data:
                option = Option(data["q"], data["v"], button["title"], (pulse, button))
                found.setdefault(data["q"], []).append(option)
        return found

    def _tap_activity(self, user: str, option: Option) -> dict[str, Any]:
        pulse, button = option.button
        tap = self.people.tap_activity(user, verb=ANSWER_VERB, data=button["data"], message_id=pulse.id)
        self._taps.add(tap["value"]["action"]["id"])
        return tap

    async def answer(self, user: str, round_id: str, choose: Chooser) -> int:
        """Tap the chosen button of each question on the pulse card (an `adaptiveCard/action` each)."""
        taps = 0
        for question, options in (self.pulse_of(user, round_id) or {}).items():
            picked = choose(question, options)
            if picked is not None:
                await self.tap(user, picked)
                taps += 1
        assert self._pulse(user, round_id) is not None, f"{user} has no pulse for {round_id}"
        return taps

    async def tap(self, user: str, option: Option, *, times: int = 1) -> None:
        """The `adaptiveCard/action` invoke, from the user's own chat; the same invoke `times` times."""
        tap = self._tap_activity(user, option)
        for _ in range(times):
            status, body = await self.people.post(tap)
            assert (status, body["statusCode"]) == (200, 200), body

    async def tap_forged(self, user: str, option: Option) -> int:
        """The invoke, signed by a key the Bot Connector never published."""
        tap = self._tap_activity(user, option)
        forged = TokenSigner(kid=self.fake.signer.kid).sign(
            app_id=self.tenant.app_id, service_url=tap["serviceUrl"]
        )
        status, _ = await self.people.post(tap, authorization=f"Bearer {forged}")
        return status

    async def write_comment(self, user: str, round_id: str, text: str) -> str:
        """The card's comment button opens a dialog; send the text in it."""
        pulse = self._pulse(user, round_id)
        assert pulse is not None
        (button,) = [b for b in submit_buttons(pulse) if b["data"].get("action") == COMMENT_ACTION]
        dialog = await self.people.open_dialog(user, button, message_id=pulse.id)
        sent = await self.people.send_dialog(user, dialog, {"comment": text})
        return words("\n".join(texts_in(sent)))

    async def send_feedback(self, user: str, category: str, text: str) -> str:
        """`feedback` brings a card whose button opens the dialog; send the category and text."""
        before = len(self.fake.sent_to(self._chat(user)))
        assert await self.people.say(user, "feedback") == 200
        cards = await eventually(
            lambda: [
                b
                for a in self._replies(user, before)
                for b in submit_buttons(a)
                if b["data"].get("action") == FEEDBACK_ACTION
            ]
        )
        dialog = await self.people.open_dialog(user, cards[0])
        sent = await self.people.send_dialog(user, dialog, {"category": category, "text": text})
        return words("\n".join(texts_in(sent)))

    async def say(self, user: str, text: str) -> list[str]:
        """Type in the 1:1 chat; the bot's replies."""
        before = len(self.fake.sent_to(self._chat(user)))
        assert await self.people.say(user, text) == 200
        replies = await eventually(lambda: self._replies(user, before))
        return [_activity_words(a) for a in replies]

    async def request_digest(self, coordinator: str) -> Digest:
        """`pulse digest`; the digest's cards and the chart card in the coordinators' team."""
        seen = len(self.fake.sent_to(COORDINATORS_TEAM_ID))
        await self.say(coordinator, "pulse digest")

        def cards() -> list[dict[str, Any]]:
            posted = self.fake.sent_to(COORDINATORS_TEAM_ID)[seen:]
            return [a["content"] for s in posted for a in s.attachments]

        def images() -> list[dict[str, Any]]:
            return [b for c in cards() for b in c.get("body", []) if b.get("type") == "Image"]

        def digest() -> list[dict[str, Any]]:
            return [c for c in cards() if str(c.get("fallbackText", "")).startswith(DIGEST_TITLE)]

        async def arrived() -> bool:
            # The test clock stands still; let it tick so the chart, queued a moment after the digest, is due.
            self.runtime.clock.advance(timedelta(milliseconds=100))  # type: ignore[attr-defined]
            self.runtime.services.outbox.wakeup.set()
            return bool(digest()) and await digest_delivered(self.runtime)

        await until(arrived)
        chart = images()[0] if images() else None
        return Digest(
            text=words("\n".join(itertools.chain.from_iterable(texts_in(c) for c in digest()))),
            chart=base64.b64decode(str(chart["url"]).removeprefix("data:image/png;base64,"))
            if chart
            else None,
            chart_words=words(str(chart.get("altText", ""))) if chart else "",
        )

    def replies_to(self, user: str) -> list[str]:
        """The bot's messages in the person's 1:1 chat."""
        return [_activity_words(a) for a in self.fake.sent_to(self._chat(user))]

    def coordinators_channel(self) -> list[str]:
        """The cards and messages posted in the coordinators' team."""
        return [_named(_activity_words(a)) for a in self.fake.sent_to(COORDINATORS_TEAM_ID)]

    async def _card_with(self, user: str, text: str, action: str) -> tuple[SentActivity, dict[str, Any]]:
        """Type `text`; the reply with a button for `action`, and that button."""
        before = len(self.fake.sent_to(self._chat(user)))
        assert await self.people.say(user, text) == 200
        found = await eventually(
            lambda: [
                (a, b) for a in self._replies(user, before) for b in _with_action(submit_buttons(a), action)
            ]
        )
        return found[0]

    async def log_session(self, supporter: str, session: Session) -> str:
        """`peer-log` answers with a card whose button opens the dialog; send it; the chat's confirmation."""
        card, button = await self._card_with(supporter, "peer-log", OPEN_SESSION)
        dialog = await self.people.open_dialog(supporter, button, message_id=card.id)
        before = len(self.fake.sent_to(self._chat(supporter)))
        inputs = {
            "session_date": session.on.isoformat(),
            "duration_minutes": str(session.minutes),
            "category": session.category,
            "contact_channel": session.channel,
            "outcome": session.outcome,
            "follow_up": "yes" if session.follow_up_on else "no",
            "follow_up_on": session.follow_up_on.isoformat() if session.follow_up_on else "",
            "note": session.note,
        }
        _accepted(await self.people.send_dialog(supporter, dialog, inputs))
        logged = await eventually(
            lambda: [a for a in self._replies(supporter, before) if "Session logged" in a.text]
        )
        return _activity_words(logged[0])

    async def add_policy(self, coordinator: str, policy: PolicyEntry) -> None:
        """`pulse policies` → "Add a policy" → the dialog, the coordinator as owner."""
        card, button = await self._card_with(coordinator, "pulse policies", ADD_ACTION)
        dialog = await self.people.open_dialog(coordinator, button, message_id=card.id)
        inputs = {
            NAME: policy.name,
            LINK: policy.link,
            OWNER: self.person(coordinator),
            INTERVAL: str(policy.interval_months),
            LAST_REVIEWED: policy.last_reviewed.isoformat() if policy.last_reviewed else "",
        }
        _accepted(await self.people.send_dialog(coordinator, dialog, inputs))

    async def review_policy(self, coordinator: str, name: str, *, on: date, summary: str) -> None:
        """`pulse policies` → the policy's "Mark reviewed" → the dialog."""
        wanted = await policy_id(self.runtime, name)
        before = len(self.fake.sent_to(self._chat(coordinator)))
        assert await self.people.say(coordinator, "pulse policies") == 200
        found = await eventually(
            lambda: [
                (a, b)
                for a in self._replies(coordinator, before)
                for b in _with_action(submit_buttons(a), REVIEW_ACTION, p=wanted)
            ]
        )
        card, button = found[0]
        dialog = await self.people.open_dialog(coordinator, button, message_id=card.id)
        inputs = {REVIEWED_ON: on.isoformat(), SUMMARY: summary}
        _accepted(await self.people.send_dialog(coordinator, dialog, inputs))

    async def adopt_suggestion(self, coordinator: str, *, title: str, measure: str) -> None:
        """The digest's first "Adopt as action" in the coordinators' team, then the dialog."""
        seen = len(self.fake.sent_to(COORDINATORS_TEAM_ID))
        await self.request_digest(coordinator)
        adopt = [
            (a, b)
            for a in self.fake.sent_to(COORDINATORS_TEAM_ID)[seen:]
            for b in _with_action(submit_buttons(a), ADOPT)
        ]
        assert adopt, "the digest suggested nothing to adopt"
        digest, button = adopt[0]
        dialog = await self.people.open_channel_dialog(
            coordinator, button, channel=COORDINATORS_TEAM_ID, message_id=digest.id
        )
        due = self.runtime.services.clock.now().date() + timedelta(days=30)
        inputs = {TITLE: title, "owner": self.person(coordinator), DUE: due.isoformat(), MEASURE: measure}
        said = _accepted(await self.people.send_dialog(coordinator, dialog, inputs))
        assert said.startswith("Adopted"), said

    async def close_action(self, coordinator: str, title: str, *, note: str) -> None:
        """`pulse actions` → the action's "Close" → the dialog."""
        wanted = await action_id(self.runtime, title)
        before = len(self.fake.sent_to(self._chat(coordinator)))
        assert await self.people.say(coordinator, "pulse actions") == 200
        found = await eventually(
            lambda: [
                (a, b)
                for a in self._replies(coordinator, before)
                for b in _with_action(submit_buttons(a), CLOSE, a=wanted)
            ]
        )
        listing, button = found[0]
        dialog = await self.people.open_dialog(coordinator, button, message_id=listing.id)
        said = _accepted(await self.people.send_dialog(coordinator, dialog, {NOTE: note}))
        assert said.startswith("Closed"), said

    async def publish_update(self, coordinator: str, title: str, *, text: str) -> None:
        """The closed note's share button → the draft dialog → its preview → Publish; the messages sent."""
        wanted = await action_id(self.runtime, title)
        notes = await eventually(
            lambda: [
                (a, b)
                for a in self.fake.sent_to(COORDINATORS_TEAM_ID)
                for b in _with_action(submit_buttons(a), SHARE, a=wanted)
            ]
        )
        note, button = notes[-1]
        draft = await self.people.open_channel_dialog(
            coordinator, button, channel=COORDINATORS_TEAM_ID, message_id=note.id
        )
        preview = await self.people.send_dialog(coordinator, draft, {TEXT: text, DESTINATION: "dm"})
        _accepted(preview)
        shared = len(self.coordinators_channel())
        _accepted(await self.people.send_dialog(coordinator, preview, {}))
        await until(lambda: published(self, shared))
        await until(lambda: outbox_settled(self.runtime))

    async def home(self, user: str) -> Home:
        """Typed `home`: the card it answers with."""
        before = len(self.fake.sent_to(self._chat(user)))
        assert await self.people.say(user, "home") == 200
        (card,) = await eventually(lambda: [a for a in self._replies(user, before) if a.attachments])
        content = [a.get("content") for a in card.attachments]
        # Teams shows a mention as the person's name.
        buttons = [str(b["title"]) for b in [*submit_buttons(content), *answer_buttons(card)]]
        return Home(text=_named(words("\n".join(texts_in(content)))), buttons=buttons)
