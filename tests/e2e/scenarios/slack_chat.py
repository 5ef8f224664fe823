"""`Chat` on Slack: slash commands, DMs, buttons and modals through `handlers/slack/simulation`."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from typing import Any

from bot.runtime import Runtime
from handlers.slack.blocks.digest import ADOPT_ACTION, CLOSE_ACTION
from handlers.slack.blocks.updates import SHARE_UPDATE_ACTION
from handlers.slack.simulation.people import Button, People
from handlers.slack.simulation.people_policies import (
    add_policy,
    open_update_draft,
    publish_preview,
    review_policy,
    submit_draft,
)
from handlers.slack.simulation.people_support import open_modal, session_state, submit
from handlers.slack.simulation.signing import (
    app_home_opened,
    block_actions,
    state_date,
    state_select,
    state_text,
)
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import (
    BOT_USER_ID,
    COORDINATOR_CHANNEL_ID,
    Workspace,
    dm_channel_id,
)
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
    published,
    texts_in,
    until,
    words,
)
from tests.support import eventually, round_settled

FEEDBACK_VIEW = "feedback_view"
ADOPT_VIEW = "action_adopt_view"
CLOSE_VIEW = "action_close_view"
_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_home_events = itertools.count(1)


def _message_words(message: Message) -> str:
    # A message with blocks shows them; its `text` is only their notification fallback.
    return words("\n".join(texts_in(message.blocks)) if message.blocks else message.text or "")


class SlackChat:
    """The simulated workspace's members, talking to the running app through signed Slack requests."""

    platform = "slack"

    def __init__(self, runtime: Runtime, people: People, slack: FakeSlack, workspace: Workspace) -> None:
        self.runtime = runtime
        self.people = people
        self.slack = slack
        self.workspace = workspace
        self._triggers: set[str] = set()

    async def start(self) -> None:
        """Nothing to set up: Slack knows every member's DM already."""

    def coordinators(self) -> list[str]:
        """Members of the coordinators' private channel."""
        return self.workspace.coordinators()

    def supporters(self) -> list[str]:
        """Members of the peer supporters' private channel."""
        return self.workspace.supporters()

    def employees(self) -> list[str]:
        """Active humans in neither role channel."""
        staff = {*self.coordinators(), *self.supporters()}
        return [u for u in self.audience() if u not in staff]

    def audience(self) -> list[str]:
        """Every active human: a round's audience when no audience channel is set."""
        return [u.id for u in self.workspace.active_humans()]

    def person(self, user: str) -> str:
        """Slack user ids are the core's person ids."""
        return user

    def name(self, user: str) -> str:
        """The member's real name."""
        return self.workspace.users[user].real_name

    def markers(self) -> set[str]:
        """User ids, DM channel ids, handles and names."""
        found: set[str] = set()
        for user in self.workspace.users.values():
            found |= {user.id, dm_channel_id(user.id), user.name, user.real_name}
        return found

    def tap_marks(self) -> set[str]:
        """The trigger ids of the clicks made so far."""
        return set(self._triggers)

    async def open_round_as(self, coordinator: str) -> SurveyRound:
        """`/pulse send`, then "Send it"; every member's pulse DM delivered."""
        status, reply = await self.people.send_pulse(coordinator)
        assert status == 200, reply
        services = self.runtime.services
        opened: list[SurveyRound] = []

        async def current() -> bool:
            found = await services.surveys.current_round(team_id=services.team_id)
            opened.extend([found] if found is not None else [])
            return found is not None

        await until(current)
        await until(lambda: round_settled(self.runtime, opened[0].id))
        return opened[0]

    def _pulse_message(self, user: str, round_id: str) -> Message | None:
        for message in reversed(self.slack.dm_messages(user)):
            buttons = self.people.buttons(message)
            if buttons and all(b.answer.get("r") == round_id for b in buttons):
                return message
        return None

    def pulse_of(self, user: str, round_id: str) -> dict[str, list[Option]] | None:
        """The answer buttons of the person's pulse DM for this round."""
        message = self._pulse_message(user, round_id)
        if message is None:
            return None
        return {
            question: [Option(question, b.answer["v"], b.label, (message, b)) for b in buttons]
            for question, buttons in self.people.answer_buttons(message).items()
        }

    def _click_body(self, user: str, message: Message, button: Button) -> tuple[bytes, str]:
        trigger = self.slack.new_trigger_id(user)
        self._triggers.add(trigger)
        return block_actions(
            user_id=user,
            action_id=button.action_id,
            block_id=button.block_id,
            value=button.value,
            channel_id=message.channel,
            message_ts=message.ts,
            trigger_id=trigger,
            response_url=self.slack.new_response_url(message.channel, message.ts),
            message={"ts": message.ts, "text": message.text, "blocks": message.blocks or []},
        )

    async def _click(self, user: str, message: Message, button: Button) -> None:
        status, reply = await self.people.post(self._click_body(user, message, button))
        assert status == 200, reply

    async def tap(self, user: str, option: Option, *, times: int = 1) -> None:
        """Click the button (in whoever's DM it is); the same click delivered `times` times."""
        message, button = option.button
        body = self._click_body(user, message, button)
        for _ in range(times):
            status, reply = await self.people.post(body)
            assert status == 200, reply

    async def tap_forged(self, user: str, option: Option) -> int:
        """The click, signed with a secret that is not the app's."""
        message, button = option.button
        body, content_type = self._click_body(user, message, button)
        status, _ = await self.people.sender.send(
            self.people.events_url, body, content_type, signing_secret="not-the-apps-signing-secret"
        )
        return status

    async def answer(self, user: str, round_id: str, choose: Chooser) -> int:
        """Click the chosen button of each question in the pulse DM."""
        message = self._pulse_message(user, round_id)
        assert message is not None, f"{user} has no pulse for {round_id}"
        taps = 0
        for question, options in (self.pulse_of(user, round_id) or {}).items():
            picked = choose(question, options)
            if picked is not None:
                await self._click(user, message, picked.button[1])
                taps += 1
        return taps

    async def write_comment(self, user: str, round_id: str, text: str) -> str:
        """The DM's comment button opens a modal; submit the text in it."""
        message = self._pulse_message(user, round_id)
        assert message is not None
        button = self.people.comment_button(message)
        assert button is not None, "the pulse has no free-text question"
        opened = len(self.slack.opened_views())
        await self._click(user, message, button)
        views = await eventually(lambda: [v for v in self.slack.opened_views()[opened:] if v.user_id == user])
        modal = views[0].view
        box = next(b for b in modal["blocks"] if b["type"] == "input")
        status, body = await self.people.submit_view(
            user,
            callback_id=modal["callback_id"],
            private_metadata=modal.get("private_metadata", ""),
            state_values={box["block_id"]: {box["element"]["action_id"]: state_text(text)}},
        )
        assert status == 200, body
        return words("\n".join(texts_in(body)))

    async def send_feedback(self, user: str, category: str, text: str) -> str:
        """`/feedback` opens the modal; submit the category and text."""
        opened = len(self.slack.opened_views())
        status, reply = await self.people.command(user, "/feedback")
        assert status == 200, reply
        await eventually(
            lambda: [
                v
                for v in self.slack.opened_views()[opened:]
                if v.user_id == user and v.view.get("callback_id") == FEEDBACK_VIEW
            ]
        )
        status, body = await self.people.submit_view(
            user,
            callback_id=FEEDBACK_VIEW,
            private_metadata="",
            state_values={
                "category": {"category_input": state_select(category)},
                "text": {"text_input": state_text(text)},
            },
        )
        assert status == 200, body
        return words("\n".join(texts_in(body)))

    def _bot_dms(self, user: str) -> list[Message]:
        return [m for m in self.slack.dm_messages(user) if m.user == BOT_USER_ID]

    async def say(self, user: str, text: str) -> list[str]:
        """`pulse …` as the `/pulse` slash command (its reply); anything else typed in the bot's DM."""
        command, _, rest = text.partition(" ")
        if command in {"pulse", "feedback", "peer-log"}:
            status, reply, url = await self.people.command_reply(user, f"/{command}", rest)
            assert status == 200, reply
            said = [words("\n".join(texts_in(reply)) if isinstance(reply, dict) else str(reply or ""))]
            # A reply that comes later (after a "working on it") arrives at the command's response_url.
            return [s for s in said if s] + [
                words(str(p.body.get("text", ""))) for p in self.slack.responses(url)
            ]
        before = len(self._bot_dms(user))
        status, reply = await self.people.write_to_bot(user, text)
        assert status == 200, reply
        replies = await eventually(lambda: self._bot_dms(user)[before:])
        return [_message_words(m) for m in replies]

    async def request_digest(self, coordinator: str) -> Digest:
        """`/pulse digest`; the digest's messages and its uploaded chart in the coordinators' channel."""

        def digest() -> list[Message]:
            return [
                m for m in self.slack.messages(COORDINATOR_CHANNEL_ID) if "weekly digest" in (m.text or "")
            ]

        seen, files = len(digest()), len(self.slack.uploaded_files(COORDINATOR_CHANNEL_ID))
        await self.say(coordinator, "pulse digest")

        async def arrived() -> bool:
            # The test clock stands still; let it tick so the chart, queued a moment after the digest, is due.
            self.runtime.clock.advance(timedelta(milliseconds=100))  # type: ignore[attr-defined]
            self.runtime.services.outbox.wakeup.set()
            return bool(digest()[seen:]) and await digest_delivered(self.runtime)

        await until(arrived)
        uploaded = self.slack.uploaded_files(COORDINATOR_CHANNEL_ID)[files:]
        return Digest(
            text="\n".join(_message_words(m) for m in digest()[seen:]),
            chart=bytes(uploaded[0].content) if uploaded else None,
            chart_words=words(uploaded[0].alt_txt or "") if uploaded else "",
        )

    def replies_to(self, user: str) -> list[str]:
        """The bot's messages in the person's DM."""
        return [_message_words(m) for m in self._bot_dms(user)]

    def coordinators_channel(self) -> list[str]:
        """The messages in the coordinators' private channel."""
        return [self._named(_message_words(m)) for m in self.slack.messages(COORDINATOR_CHANNEL_ID)]

    def _named(self, text: str) -> str:
        """Mentions as Slack's client shows them: the person's name."""
        return _MENTION.sub(lambda m: "@" + self.name(m.group(1)), text)

    async def _view(self, user: str, callback_id: str, opened: int) -> dict[str, Any]:
        """The modal with this callback id the app opened for the user after the first `opened` views."""
        views = await eventually(
            lambda: [
                v.view
                for v in self.slack.opened_views()[opened:]
                if v.user_id == user and v.view.get("callback_id") == callback_id
            ]
        )
        return dict(views[-1])

    async def _submit(self, user: str, view: dict[str, Any], state: dict[str, Any]) -> None:
        """Submit a modal; Slack closes it on an empty answer, which is what acceptance looks like."""
        status, body = await self.people.submit_view(
            user,
            callback_id=view["callback_id"],
            private_metadata=view.get("private_metadata", ""),
            state_values=state,
        )
        assert status == 200 and not body, body

    async def log_session(self, supporter: str, session: Session) -> str:
        """`/peer-log` opens the modal; submit it; the "Session logged" DM."""
        seen = len(self._bot_dms(supporter))
        view = await open_modal(self.people, self.slack, supporter)
        state = session_state(
            on=session.on,
            minutes=session.minutes,
            category=session.category,
            channel=session.channel,
            outcome=session.outcome,
            follow_up_on=session.follow_up_on,
            note=session.note or None,
        )
        status, body = await submit(self.people, supporter, view, state)
        assert (status, body) == (200, ""), body
        logged = await eventually(
            lambda: [m for m in self._bot_dms(supporter)[seen:] if "Session logged" in m.text]
        )
        return _message_words(logged[0])

    async def add_policy(self, coordinator: str, policy: PolicyEntry) -> None:
        """`/pulse policies` → "Add a policy" → the modal, the coordinator as owner."""
        status, body = await add_policy(
            self.people,
            coordinator,
            name=policy.name,
            link=policy.link,
            owner=coordinator,
            interval=str(policy.interval_months),
            last_reviewed=policy.last_reviewed,
        )
        assert status == 200 and not body, body

    async def review_policy(self, coordinator: str, name: str, *, on: date, summary: str) -> None:
        """`/pulse policies` → the policy's "Mark reviewed" → the modal."""
        status, body = await review_policy(self.people, coordinator, name, on=on, summary=summary)
        assert status == 200 and not body, body

    async def adopt_suggestion(self, coordinator: str, *, title: str, measure: str) -> None:
        """The digest's first "Adopt as action" in the coordinators' channel, then the modal."""
        seen = len(self.slack.messages(COORDINATOR_CHANNEL_ID))
        await self.request_digest(coordinator)
        adopt = [
            (m, b)
            for m in self.slack.messages(COORDINATOR_CHANNEL_ID)[seen:]
            for b in self.people.find_buttons(m, f"{ADOPT_ACTION}_")
        ]
        assert adopt, "the digest suggested nothing to adopt"
        message, button = adopt[0]
        opened = len(self.slack.opened_views())
        await self._click(coordinator, message, button)
        view = await self._view(coordinator, ADOPT_VIEW, opened)
        due = self.runtime.services.clock.now().date() + timedelta(days=30)
        await self._submit(
            coordinator,
            view,
            {
                "title": {"value": state_text(title)},
                "owner": {"value": {"type": "users_select", "selected_user": coordinator}},
                "due": {"value": state_date(due.isoformat())},
                "measure": {"value": state_select(measure)},
                "success": {"value": state_text("")},
            },
        )

    async def close_action(self, coordinator: str, title: str, *, note: str) -> None:
        """`/pulse actions` → the action's "Close" → the modal."""
        status, reply = await self.people.command(coordinator, "/pulse", "actions")
        assert status == 200 and isinstance(reply, dict), reply
        listing = Message(channel=dm_channel_id(coordinator), ts="1.0", text="", blocks=reply["blocks"])
        wanted = await action_id(self.runtime, title)
        (close,) = [b for b in self.people.find_buttons(listing, f"{CLOSE_ACTION}_") if b.value == wanted]
        opened = len(self.slack.opened_views())
        await self._click(coordinator, listing, close)
        view = await self._view(coordinator, CLOSE_VIEW, opened)
        await self._submit(coordinator, view, {"note": {"value": state_text(note)}})

    async def publish_update(self, coordinator: str, title: str, *, text: str) -> None:
        """The closed note's share button → the draft modal → its preview → Publish; the DMs sent."""
        wanted = await action_id(self.runtime, title)
        notes = await eventually(
            lambda: [
                m
                for m in self.slack.messages(COORDINATOR_CHANNEL_ID)
                if any(b.value == wanted for b in self.people.find_buttons(m, SHARE_UPDATE_ACTION))
            ]
        )
        draft = await open_update_draft(self.people, coordinator, notes[-1])
        answer = await submit_draft(self.people, coordinator, draft, text=text, destination="dm")
        assert answer.get("response_action") == "update", answer
        shared = len(self.coordinators_channel())
        await publish_preview(self.people, coordinator, answer["view"])
        await until(lambda: published(self, shared))
        await until(lambda: outbox_settled(self.runtime))

    async def home(self, user: str) -> Home:
        """The App Home tab opened: the view the app published for the person."""
        published = len(self.slack.calls_to("views.publish"))
        status, _ = await self.people.event(
            app_home_opened(user), event_id=f"EvScenarioHome{next(_home_events):06d}"
        )
        assert status == 200
        await eventually(lambda: self.slack.calls_to("views.publish")[published:])
        view = self.slack.home_view(user)
        assert view is not None
        blocks = view["blocks"]
        buttons = [
            e["text"]["text"]
            for b in blocks
            for e in [*b.get("elements", []), *([b["accessory"]] if "accessory" in b else [])]
            if e.get("type") == "button"
        ]
        # Slack's client shows a mention as the person's name.
        return Home(text=self._named(words("\n".join(texts_in(blocks)))), buttons=buttons)
