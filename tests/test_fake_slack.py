"""Tests of the fake Slack Web API server, driven through the real slack_sdk client."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qs

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.payload_utils import (
    is_action,
    is_event,
    is_slash_command,
    is_view_submission,
)
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack.simulation.signing import (
    SlackSender,
    app_home_opened,
    block_actions,
    event_callback,
    sign_request,
    slash_command,
    state_date,
    state_select,
    view_submission,
)
from handlers.slack.simulation.slack_api import (
    BURST_SECONDS,
    DEFAULT_APP_TOKEN,
    METHOD_TIERS,
    RESPONSE_URL_TTL,
    RESPONSE_URL_USES,
    TIER_PER_MINUTE,
    FakeSlack,
)
from handlers.slack.simulation.workspace import (
    AUDIENCE_CHANNEL_ID,
    BOT_USER_ID,
    COORDINATOR_CHANNEL_ID,
    SLACKBOT_ID,
    SUPPORTERS_CHANNEL_ID,
    Workspace,
    build_workspace,
    dm_channel_id,
)

TOKEN = "xoxb-test-token"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MODAL = {
    "type": "modal",
    "callback_id": "peer_log",
    "title": {"type": "plain_text", "text": "Log a session"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
}


@pytest.fixture
def ws() -> Workspace:
    return build_workspace()


@pytest.fixture
def fake(ws: Workspace) -> Iterator[FakeSlack]:
    with FakeSlack(ws) as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=fake.url, retry_handlers=[])


def employee(ws: Workspace, n: int = 0) -> str:
    return ws.active_humans()[n].id


# --------------------------------------------------------------------- workspace


def test_workspace_is_deterministic_and_realistic(ws: Workspace) -> None:
    again = build_workspace()
    assert list(ws.users) == list(again.users)
    humans = ws.active_humans()
    assert len(humans) == 40
    assert len({u.tz for u in humans}) >= 6
    assert len({u.real_name for u in ws.users.values()}) == len(ws.users)
    assert all(re.fullmatch(r"U[0-9A-Z]{10}", u.id) for u in humans)
    assert sum(u.is_bot for u in ws.users.values()) == 2
    assert sum(u.deleted for u in ws.users.values()) == 1
    assert sum(u.is_restricted for u in ws.users.values()) == 1
    assert SLACKBOT_ID in ws.users
    tokyo = next(u for u in humans if u.tz == "Asia/Tokyo")
    assert tokyo.tz_offset == 9 * 3600
    assert len(ws.coordinators()) == 2
    assert len(ws.supporters()) == 3
    assert set(ws.coordinators()) <= {u.id for u in humans}
    assert set(ws.channels[AUDIENCE_CHANNEL_ID].members) == {u.id for u in humans}
    assert all(re.fullmatch(r"[a-z]+\.[a-z]", u.display_name) for u in humans)
    first = humans[0]
    assert ws.user_by_name(first.name) is first


def test_workspace_scales_to_ten_thousand_quickly() -> None:
    start = time.perf_counter()
    big = build_workspace(employees=10_000, coordinators=5, supporters=40)
    assert time.perf_counter() - start < 1.0
    assert len(big.active_humans()) == 10_000
    assert len({u.name for u in big.users.values()}) == len(big.users)


# --------------------------------------------------------------------- auth, users, channels


async def test_auth_test_identifies_the_bot(client: AsyncWebClient, ws: Workspace) -> None:
    resp = await client.auth_test()
    assert resp["user_id"] == BOT_USER_ID
    assert resp["team_id"] == ws.team_id
    assert resp["bot_id"]


async def test_bad_or_missing_token_is_refused(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as bad:
        await AsyncWebClient(token="xoxb-wrong", base_url=fake.url).auth_test()
    assert bad.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as missing:
        await AsyncWebClient(base_url=fake.url).auth_test()
    assert missing.value.response["error"] == "not_authed"


async def test_unknown_method(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        await client.api_call("pulse.nonexistent")
    assert err.value.response["error"] == "unknown_method"


async def test_users_list_pagination_returns_every_user(ws: Workspace) -> None:
    # Unlimited on purpose: this checks the paging shape; 8 pages at once exceed Tier 2's burst.
    with FakeSlack(ws, tiers=False) as fake:
        client = AsyncWebClient(token=TOKEN, base_url=fake.url, retry_handlers=[])
        seen: list[str] = []
        async for page in await client.users_list(limit=7):
            seen += [m["id"] for m in page["members"]]
        assert sorted(seen) == sorted(ws.users)
        assert len(fake.calls_to("users.list")) == -(-len(ws.users) // 7)


async def test_users_info_matches_slack_shape(client: AsyncWebClient, ws: Workspace) -> None:
    uid = employee(ws)
    user = (await client.users_info(user=uid))["user"]
    assert user["tz"] == ws.users[uid].tz
    assert user["tz_offset"] == ws.users[uid].tz_offset
    assert user["profile"]["display_name"] == ws.users[uid].display_name
    assert user["is_bot"] is False
    deleted = next(u for u in ws.users.values() if u.deleted)
    gone = (await client.users_info(user=deleted.id))["user"]
    assert gone["deleted"] is True
    assert "tz" not in gone
    with pytest.raises(SlackApiError) as err:
        await client.users_info(user="UNOSUCHUSER")
    assert err.value.response["error"] == "user_not_found"


async def test_conversations_members_pages_and_hides_private_channels(
    client: AsyncWebClient, fake: FakeSlack, ws: Workspace
) -> None:
    members: list[str] = []
    async for page in await client.conversations_members(channel=AUDIENCE_CHANNEL_ID, limit=9):
        members += page["members"]
    assert members == ws.channels[AUDIENCE_CHANNEL_ID].members
    coord = await client.conversations_members(channel=COORDINATOR_CHANNEL_ID)
    assert set(coord["members"]) == {*ws.coordinators(), BOT_USER_ID}
    fake.remove_member(SUPPORTERS_CHANNEL_ID, BOT_USER_ID)
    with pytest.raises(SlackApiError) as err:
        await client.conversations_members(channel=SUPPORTERS_CHANNEL_ID)
    assert err.value.response["error"] == "channel_not_found"


async def test_conversations_open_gives_stable_dm_ids(client: AsyncWebClient, ws: Workspace) -> None:
    uid = employee(ws)
    first = await client.conversations_open(users=uid)
    second = await client.conversations_open(users=[uid])
    assert first["channel"]["id"] == second["channel"]["id"] == dm_channel_id(uid)
    assert second["already_open"] is True
    info = await client.conversations_info(channel=dm_channel_id(uid))
    assert info["channel"]["is_im"] is True
    assert info["channel"]["user"] == uid
    with pytest.raises(SlackApiError) as err:
        await client.conversations_open(users=BOT_USER_ID)
    assert err.value.response["error"] == "cannot_dm_bot"


# --------------------------------------------------------------------- messages


async def test_post_to_user_id_lands_in_dm_with_metadata(
    client: AsyncWebClient, fake: FakeSlack, ws: Workspace
) -> None:
    uid = employee(ws)
    metadata = {"event_type": "pulse_sent", "event_payload": {"round": "r1"}}
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "How was your week?"}}]
    resp = await client.chat_postMessage(channel=uid, text="Pulse", blocks=blocks, metadata=metadata)
    assert resp["channel"] == dm_channel_id(uid)
    assert [m.text for m in fake.dm_messages(uid)] == ["Pulse"]
    assert fake.messages(uid)[0].blocks == blocks

    history = await client.conversations_history(channel=resp["channel"], include_all_metadata=True)
    assert history["messages"][0]["ts"] == resp["ts"]
    assert history["messages"][0]["metadata"] == metadata
    plain = await client.conversations_history(channel=resp["channel"])
    assert "metadata" not in plain["messages"][0]


async def test_history_is_newest_first_and_filters_by_time(
    ws: Workspace,
) -> None:
    with FakeSlack(ws, per_channel_rate=1000) as fake:
        client = AsyncWebClient(token=TOKEN, base_url=fake.url)
        ts = [
            (await client.chat_postMessage(channel=COORDINATOR_CHANNEL_ID, text=f"m{i}"))["ts"]
            for i in range(5)
        ]
        assert ts == sorted(ts, key=float)
        newest = await client.conversations_history(channel=COORDINATOR_CHANNEL_ID, limit=2)
        assert [m["text"] for m in newest["messages"]] == ["m4", "m3"]
        assert newest["has_more"] is True
        window = await client.conversations_history(
            channel=COORDINATOR_CHANNEL_ID, oldest=ts[1], latest=ts[3]
        )
        assert [m["text"] for m in window["messages"]] == ["m2"]


async def test_form_encoded_json_fields_are_decoded(client: AsyncWebClient, fake: FakeSlack) -> None:
    blocks = [{"type": "divider"}]
    await client.api_call(
        "chat.postMessage",
        data={"channel": COORDINATOR_CHANNEL_ID, "text": "digest", "blocks": json.dumps(blocks)},
    )
    assert fake.messages(COORDINATOR_CHANNEL_ID)[0].blocks == blocks


async def test_update_delete_and_ephemeral(client: AsyncWebClient, fake: FakeSlack, ws: Workspace) -> None:
    uid = employee(ws)
    posted = await client.chat_postMessage(channel=uid, text="before")
    await client.chat_update(channel=posted["channel"], ts=posted["ts"], text="after")
    assert [m.text for m in fake.dm_messages(uid)] == ["after"]
    with pytest.raises(SlackApiError) as err:
        await client.chat_update(channel=posted["channel"], ts="1.000001", text="x")
    assert err.value.response["error"] == "message_not_found"
    await client.chat_delete(channel=posted["channel"], ts=posted["ts"])
    assert fake.dm_messages(uid) == []

    eph = await client.chat_postEphemeral(channel=AUDIENCE_CHANNEL_ID, user=uid, text="psst")
    assert fake.ephemerals(uid)[0].message_ts == eph["message_ts"]
    guest = next(u for u in ws.users.values() if u.is_restricted)
    with pytest.raises(SlackApiError) as err:
        await client.chat_postEphemeral(channel=AUDIENCE_CHANNEL_ID, user=guest.id, text="x")
    assert err.value.response["error"] == "user_not_in_channel"


# --------------------------------------------------------------------- rate limits and faults


async def test_per_channel_rate_limit_answers_429_with_retry_after(
    client: AsyncWebClient, fake: FakeSlack, ws: Workspace
) -> None:
    uid, other = employee(ws, 0), employee(ws, 1)
    await client.chat_postMessage(channel=uid, text="one")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel=uid, text="two")
    assert err.value.response.status_code == 429
    assert int(err.value.response.headers["Retry-After"]) >= 1
    assert err.value.response["error"] == "ratelimited"
    await client.chat_postMessage(channel=other, text="elsewhere")
    assert [m.text for m in fake.dm_messages(uid)] == ["one"]
    assert fake.ratelimited_count == 1


async def test_workspace_rate_limit_is_a_token_bucket(ws: Workspace) -> None:
    with FakeSlack(ws, workspace_rate=2) as fake:
        client = AsyncWebClient(token=TOKEN, base_url=fake.url)
        for n in range(2):
            await client.chat_postMessage(channel=employee(ws, n), text="burst")
        with pytest.raises(SlackApiError) as err:
            await client.chat_postMessage(channel=employee(ws, 2), text="too many")
        assert err.value.response.status_code == 429
        await asyncio.sleep(0.55)
        await client.chat_postMessage(channel=employee(ws, 3), text="refilled")
        assert len(fake.all_messages()) == 3


async def test_injected_500_then_success(client: AsyncWebClient, fake: FakeSlack, ws: Workspace) -> None:
    uid = employee(ws)
    fake.fail("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel=uid, text="pulse")
    assert err.value.response.status_code == 500
    assert fake.dm_messages(uid) == []
    await client.chat_postMessage(channel=uid, text="pulse")
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [500, 200]
    assert len(fake.dm_messages(uid)) == 1


async def test_injected_error_and_429_and_wildcard(
    client: AsyncWebClient, fake: FakeSlack, ws: Workspace
) -> None:
    fake.fail("chat.postMessage", error="channel_not_found")
    fake.fail("*", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel=employee(ws), text="x")
    assert err.value.response.status_code == 200
    assert err.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as limited:
        await client.users_info(user=employee(ws))
    assert limited.value.response.headers["Retry-After"] == "7"
    assert fake.ratelimited_count == 1
    assert fake.all_messages() == []


async def test_injected_delay_provokes_client_timeout(fake: FakeSlack, ws: Workspace) -> None:
    fake.fail("chat.postMessage", status=503, delay=1.0)
    impatient = AsyncWebClient(token=TOKEN, base_url=fake.url, timeout=0.2, retry_handlers=[])  # type: ignore[arg-type]
    with pytest.raises(TimeoutError):
        await impatient.chat_postMessage(channel=employee(ws), text="slow")
    assert fake.all_messages() == []


async def test_refused_connections_recover(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.refuse_connections(0.3)
    with pytest.raises(aiohttp.ClientConnectorError):
        await client.auth_test()
    await asyncio.sleep(0.4)
    assert (await client.auth_test())["ok"] is True


# --------------------------------------------------------------------- views and files


async def test_views_open_needs_a_fresh_trigger(
    client: AsyncWebClient, fake: FakeSlack, ws: Workspace
) -> None:
    with pytest.raises(SlackApiError) as expired:
        await client.views_open(trigger_id=fake.new_trigger_id(age=3.5), view=MODAL)
    assert expired.value.response["error"] == "expired_trigger_id"
    with pytest.raises(SlackApiError) as invalid:
        await client.views_open(trigger_id="123.456.deadbeef", view=MODAL)
    assert invalid.value.response["error"] == "invalid_trigger_id"
    assert fake.opened_views() == []

    trigger = fake.new_trigger_id(employee(ws))
    opened = await client.views_open(trigger_id=trigger, view=MODAL)
    assert opened["view"]["id"].startswith("V")
    [view] = fake.opened_views()
    assert view.user_id == employee(ws)
    assert view.view["callback_id"] == "peer_log"
    with pytest.raises(SlackApiError) as reused:
        await client.views_open(trigger_id=trigger, view=MODAL)
    assert reused.value.response["error"] == "trigger_exchanged"


async def test_views_update_and_publish(client: AsyncWebClient, fake: FakeSlack, ws: Workspace) -> None:
    opened = await client.views_open(trigger_id=fake.new_trigger_id(), view={**MODAL, "external_id": "log-1"})
    updated = {**MODAL, "title": {"type": "plain_text", "text": "Saved"}}
    await client.views_update(external_id="log-1", view=updated)
    assert fake.opened_views()[0].view["title"]["text"] == "Saved"
    with pytest.raises(SlackApiError) as conflict:
        await client.views_update(view_id=opened["view"]["id"], view=updated, hash="stale")
    assert conflict.value.response["error"] == "hash_conflict"

    uid = employee(ws)
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    first = await client.views_publish(user_id=uid, view=home)
    second = await client.views_publish(user_id=uid, view={**home, "blocks": []})
    assert first["view"]["id"] == second["view"]["id"]
    assert fake.home_view(uid) == {**home, "blocks": []}


async def test_files_upload_v2_roundtrip(client: AsyncWebClient, fake: FakeSlack) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    resp = await client.files_upload_v2(
        channel=COORDINATOR_CHANNEL_ID,
        content=png,
        filename="trend.png",
        title="Trend",
        initial_comment="Weekly digest chart",
    )
    assert resp["file"]["name"] == "trend.png"
    [uploaded] = fake.uploaded_files(COORDINATOR_CHANNEL_ID)
    assert uploaded.content == png
    assert uploaded.filename == "trend.png"
    assert uploaded.initial_comment == "Weekly digest chart"
    [message] = fake.messages(COORDINATOR_CHANNEL_ID)
    assert message.files is not None
    assert message.files[0]["id"] == uploaded.id


async def test_files_upload_v2_keeps_alt_text_and_refuses_it_above_1000_characters(
    client: AsyncWebClient, fake: FakeSlack
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(16))
    await client.files_upload_v2(
        channel=COORDINATOR_CHANNEL_ID, content=png, filename="chart.png", alt_txt="x" * 1000
    )
    [uploaded] = fake.uploaded_files(COORDINATOR_CHANNEL_ID)
    assert uploaded.alt_txt == "x" * 1000
    [message] = fake.messages(COORDINATOR_CHANNEL_ID)
    assert message.files is not None and message.files[0]["alt_txt"] == "x" * 1000
    with pytest.raises(SlackApiError) as raised:
        await client.files_upload_v2(
            channel=COORDINATOR_CHANNEL_ID, content=png, filename="chart.png", alt_txt="x" * 1001
        )
    assert raised.value.response["error"] == "alt_txt_too_large"
    assert len(fake.uploaded_files(COORDINATOR_CHANNEL_ID)) == 1


# --------------------------------------------------------------------- signed requests to the app


def test_signature_is_verified_by_slack_sdk() -> None:
    body, _ = slash_command("/peer-log", "training", user_id="U0123456789")
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, sign_request(body, SECRET))
    assert not verifier.is_valid_request(body + b"x", sign_request(body, SECRET))
    assert not verifier.is_valid_request(body, sign_request(body, "other-secret"))
    stale = sign_request(body, SECRET, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)


def test_payloads_parse_like_slack_requests() -> None:
    uid = "U0123456789"
    command = AsyncBoltRequest(
        body=slash_command("/pulse", "status", user_id=uid)[0].decode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert is_slash_command(command.body)
    assert command.body["channel_id"] == dm_channel_id(uid)

    body, content_type = block_actions(
        user_id=uid, action_id="pulse_answer", value="4", block_id="q1", message_ts="1.000100"
    )
    action = AsyncBoltRequest(body=body.decode(), headers={"content-type": content_type})
    assert is_action(action.body)
    assert action.body["container"]["message_ts"] == "1.000100"
    assert action.body["actions"][0]["value"] == "4"

    body, content_type = view_submission(
        user_id=uid,
        callback_id="peer_log",
        private_metadata="m",
        state_values={
            "when": {"date": state_date("2025-01-02")},
            "kind": {"pick": state_select("listening")},
        },
    )
    payload = json.loads(parse_qs(body.decode())["payload"][0])
    submission = AsyncBoltRequest(body=body.decode(), headers={"content-type": content_type})
    assert is_view_submission(submission.body)
    assert payload["view"]["state"]["values"]["kind"]["pick"]["selected_option"]["value"] == ("listening")

    body, content_type = event_callback(app_home_opened(uid))
    event = AsyncBoltRequest(body=body.decode(), headers={"content-type": content_type})
    assert is_event(event.body)
    assert event.body["event"]["type"] == "app_home_opened"


async def test_sender_posts_signed_requests() -> None:
    seen: list[bool] = []

    async def handler(request: web.Request) -> web.Response:
        raw = await request.read()
        seen.append(SignatureVerifier(SECRET).is_valid_request(raw, dict(request.headers)))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/fake/events", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        body, content_type = slash_command("/feedback", "more training", user_id="U0123456789")
        async with SlackSender() as sender:
            status, answer = await sender.send(
                f"http://127.0.0.1:{site.port}/fake/events",
                body,
                content_type,
                signing_secret=SECRET,
            )
        assert (status, answer) == (200, {"ok": True})
        assert seen == [True]
    finally:
        await runner.cleanup()


async def test_response_urls_record_replies(fake: FakeSlack) -> None:
    url = fake.new_response_url()
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"response_type": "ephemeral", "text": "Logged."}) as response,
    ):
        assert response.status == 200
    assert [r.body["text"] for r in fake.responses(url)] == ["Logged."]


@pytest.mark.parametrize("method", ["users.list", "chat.update", "conversations.open", "views.publish"])
async def test_each_tiered_method_is_held_to_its_tier_by_default(ws: Workspace, method: str) -> None:
    tier = METHOD_TIERS[method]
    burst = int(max(1.0, TIER_PER_MINUTE[tier] / 60 * BURST_SECONDS))
    with FakeSlack(ws) as fake:
        client = AsyncWebClient(token=TOKEN, base_url=fake.url, retry_handlers=[])
        answers = []
        # A few beyond the burst: the bucket refills while the calls are made (more so under load).
        for _ in range(burst + 5):
            try:
                await client.api_call(method, params={"users": employee(ws), "limit": 1})
                answers.append(200)
            except SlackApiError as exc:
                answers.append(exc.response.status_code)
                if exc.response.status_code == 429:
                    retry_after = int(exc.response.headers["Retry-After"])
                    break
        # The burst is answered (ok or not, each call counts); soon after, 429 with Retry-After.
        assert 429 not in answers[:burst]
        assert answers[-1] == 429
        assert 1 <= retry_after <= 60 / TIER_PER_MINUTE[tier] + 1
        assert fake.ratelimited_count == 1
        # Another method has its own budget (limits are per method).
        await client.api_call("users.info", params={"user": employee(ws)})


async def test_app_level_tokens_open_socket_mode_connections_and_nothing_else(
    ws: Workspace, fake: FakeSlack
) -> None:
    client = AsyncWebClient(base_url=fake.url, retry_handlers=[])
    opened = await client.apps_connections_open(app_token=DEFAULT_APP_TOKEN)
    assert str(opened["url"]).startswith("wss://")
    for token, method in ((TOKEN, "apps.connections.open"), (DEFAULT_APP_TOKEN, "auth.test")):
        with pytest.raises(SlackApiError) as refused:
            await client.api_call(method, params={"token": token})
        assert refused.value.response["error"] == "not_allowed_token_type"
    # Tier 1: about one a minute.
    with pytest.raises(SlackApiError) as limited:
        await client.apps_connections_open(app_token=DEFAULT_APP_TOKEN)
    assert limited.value.response.status_code == 429


async def test_tiers_can_be_switched_off_explicitly(ws: Workspace) -> None:
    with FakeSlack(ws, tiers=False) as fake:
        client = AsyncWebClient(token=TOKEN, base_url=fake.url, retry_handlers=[])
        for _ in range(30):
            await client.users_list(limit=5)
        assert fake.ratelimited_count == 0


async def _post(url: str, body: dict[str, object]) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as response:
        return response.status, await response.text()


async def test_a_response_url_replaces_the_message_it_came_from_at_most_five_times(
    client: AsyncWebClient, fake: FakeSlack, ws: Workspace
) -> None:
    posted = await client.chat_postMessage(channel=employee(ws), text="0 of 6 answered")
    url = fake.new_response_url(str(posted["channel"]), str(posted["ts"]))
    for n in range(1, RESPONSE_URL_USES + 1):
        assert await _post(url, {"replace_original": True, "text": f"{n} of 6 answered"}) == (200, "ok")
    assert [m.text for m in fake.dm_messages(employee(ws))] == [f"{RESPONSE_URL_USES} of 6 answered"]
    assert await _post(url, {"replace_original": True, "text": "6 of 6 answered"}) == (404, "used_url")
    assert [m.text for m in fake.dm_messages(employee(ws))] == [f"{RESPONSE_URL_USES} of 6 answered"]
    # Without replace_original nothing is edited; the reply is only recorded.
    other = fake.new_response_url(str(posted["channel"]), str(posted["ts"]))
    assert (await _post(other, {"text": "a new reply"}))[0] == 200
    assert [m.text for m in fake.dm_messages(employee(ws))] == [f"{RESPONSE_URL_USES} of 6 answered"]


async def test_a_response_url_expires_after_thirty_minutes(fake: FakeSlack) -> None:
    url = fake.new_response_url(age=RESPONSE_URL_TTL + 1)
    assert await _post(url, {"text": "late"}) == (404, "expired_url")
