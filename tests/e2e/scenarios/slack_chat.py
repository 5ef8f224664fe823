"""`Chat` on Slack: slash commands, DMs, buttons and modals through `handlers/slack/simulation`."""

from __future__ import annotations

from datetime import timedelta

from bot.runtime import Runtime
from handlers.slack.simulation.people import Button, People
from handlers.slack.simulation.signing import block_actions, state_select, state_text
from handlers.slack.simulation.slack_api import FakeSlack, Message
from handlers.slack.simulation.workspace import (
    BOT_USER_ID,
    COORDINATOR_CHANNEL_ID,
    Workspace,
    dm_channel_id,
)
from storage.models import SurveyRound
from tests.e2e.scenarios.chat import Chooser, Digest, Option, digest_delivered, texts_in, until, words
from tests.support import eventually, round_settled

FEEDBACK_VIEW = "feedback_view"


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
