"""Inbound activities are accepted only with a token the Bot Connector would have signed for us."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from handlers.teams.auth import _REMEMBERED_TOKENS, BotConnectorAuth, Unauthorized
from handlers.teams.simulation.connector import FakeTeams
from handlers.teams.simulation.signing import TokenSigner


@pytest.fixture
async def auth(fake_teams: FakeTeams) -> AsyncIterator[BotConnectorAuth]:
    async with aiohttp.ClientSession() as session:
        yield BotConnectorAuth(
            app_id=fake_teams.tenant.app_id,
            openid_metadata_url=fake_teams.openid_metadata_url,
            session=session,
        )


def _bearer(token: str) -> str:
    return f"Bearer {token}"


async def test_a_token_signed_as_the_connector_signs_is_accepted(
    fake_teams: FakeTeams, auth: BotConnectorAuth
) -> None:
    token = fake_teams.signer.sign(app_id=fake_teams.tenant.app_id, service_url=fake_teams.service_url)
    claims = await auth.verify(_bearer(token), service_url=fake_teams.service_url)
    assert claims["aud"] == fake_teams.tenant.app_id
    assert claims["serviceurl"] == fake_teams.service_url


async def test_a_token_signed_with_another_key_under_the_same_kid_is_refused(
    fake_teams: FakeTeams, auth: BotConnectorAuth
) -> None:
    forger = TokenSigner(kid=fake_teams.signer.kid)
    token = forger.sign(app_id=fake_teams.tenant.app_id, service_url=fake_teams.service_url)
    with pytest.raises(Unauthorized, match="Signature"):
        await auth.verify(_bearer(token), service_url=fake_teams.service_url)


async def test_a_token_from_an_unpublished_key_is_refused(
    fake_teams: FakeTeams, auth: BotConnectorAuth
) -> None:
    token = TokenSigner(kid="not-published").sign(
        app_id=fake_teams.tenant.app_id, service_url=fake_teams.service_url
    )
    with pytest.raises(Unauthorized, match="unknown signing key"):
        await auth.verify(_bearer(token), service_url=fake_teams.service_url)


async def test_an_expired_token_is_refused_beyond_the_clock_skew(
    fake_teams: FakeTeams, auth: BotConnectorAuth
) -> None:
    hour_ago = time.time() - 3600
    token = fake_teams.signer.sign(
        app_id=fake_teams.tenant.app_id, service_url=fake_teams.service_url, now=hour_ago, lifetime=600
    )
    with pytest.raises(Unauthorized, match="expired"):
        await auth.verify(_bearer(token), service_url=fake_teams.service_url)


async def test_a_token_just_past_expiry_is_accepted_within_the_clock_skew(
    fake_teams: FakeTeams, auth: BotConnectorAuth
) -> None:
    token = fake_teams.signer.sign(
        app_id=fake_teams.tenant.app_id,
        service_url=fake_teams.service_url,
        now=time.time() - 660,
        lifetime=600,
    )
    assert await auth.verify(_bearer(token), service_url=fake_teams.service_url)


async def test_a_token_for_another_app_is_refused(fake_teams: FakeTeams, auth: BotConnectorAuth) -> None:
    token = fake_teams.signer.sign(app_id="someone-elses-bot", service_url=fake_teams.service_url)
    with pytest.raises(Unauthorized, match=r"(?i)audience"):
        await auth.verify(_bearer(token), service_url=fake_teams.service_url)


async def test_a_token_from_another_issuer_is_refused(fake_teams: FakeTeams, auth: BotConnectorAuth) -> None:
    token = fake_teams.signer.sign(
        app_id=fake_teams.tenant.app_id,
        service_url=fake_teams.service_url,
        issuer="https://sts.windows.net/evil/",
    )
    with pytest.raises(Unauthorized, match="issuer"):
        await auth.verify(_bearer(token), service_url=fake_teams.service_url)


async def test_a_token_for_another_service_url_is_refused(
    fake_teams: FakeTeams, auth: BotConnectorAuth
) -> None:
    token = fake_teams.signer.sign(app_id=fake_teams.tenant.app_id, service_url="https://smba.evil.example/")
    with pytest.raises(Unauthorized, match="serviceUrl"):
        await auth.verify(_bearer(token), service_url=fake_teams.service_url)


async def test_a_token_with_a_null_serviceurl_claim_is_refused(
    fake_teams: FakeTeams, auth: BotConnectorAuth
) -> None:
    signer = fake_teams.signer
    token = signer.sign(
        app_id=fake_teams.tenant.app_id, service_url=fake_teams.service_url, extra={"serviceurl": None}
    )
    with pytest.raises(Unauthorized):
        await auth.verify(_bearer(token), service_url=fake_teams.service_url)


async def test_a_key_that_does_not_endorse_the_channel_is_refused(
    fake_teams: FakeTeams, auth: BotConnectorAuth
) -> None:
    token = fake_teams.signer.sign(app_id=fake_teams.tenant.app_id, service_url=fake_teams.service_url)
    with pytest.raises(Unauthorized, match="endorse"):
        await auth.verify(_bearer(token), service_url=fake_teams.service_url, channel_id="webchat")


@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Bearer not-a-jwt"])
async def test_a_missing_or_malformed_header_is_refused(
    fake_teams: FakeTeams, auth: BotConnectorAuth, header: str | None
) -> None:
    with pytest.raises(Unauthorized):
        await auth.verify(header, service_url=fake_teams.service_url)


async def test_rotated_keys_are_fetched_when_a_new_kid_appears(
    fake_teams: FakeTeams, auth: BotConnectorAuth
) -> None:
    old = fake_teams.signer.sign(app_id=fake_teams.tenant.app_id, service_url=fake_teams.service_url)
    assert await auth.verify(_bearer(old), service_url=fake_teams.service_url)
    fake_teams.rotate_keys()
    auth._fetched_at -= 120  # the last fetch was over a minute ago
    new = fake_teams.signer.sign(app_id=fake_teams.tenant.app_id, service_url=fake_teams.service_url)
    assert await auth.verify(_bearer(new), service_url=fake_teams.service_url)
    # The retired key is gone from the JWKS, so what it signed is no longer accepted.
    with pytest.raises(Unauthorized, match="unknown signing key"):
        await auth.verify(_bearer(old), service_url=fake_teams.service_url)


async def test_unknown_kids_cannot_make_us_fetch_keys_more_than_once_a_minute(
    fake_teams: FakeTeams, auth: BotConnectorAuth
) -> None:
    good = fake_teams.signer.sign(app_id=fake_teams.tenant.app_id, service_url=fake_teams.service_url)
    await auth.verify(_bearer(good), service_url=fake_teams.service_url)
    fetched = auth._fetched_at
    for n in range(5):
        token = TokenSigner(kid=f"made-up-{n}").sign(
            app_id=fake_teams.tenant.app_id, service_url=fake_teams.service_url
        )
        with pytest.raises(Unauthorized):
            await auth.verify(_bearer(token), service_url=fake_teams.service_url)
    assert auth._fetched_at == fetched


async def test_a_token_seen_before_is_refused_once_it_expires(
    fake_teams: FakeTeams, auth: BotConnectorAuth
) -> None:
    # The connector sends one token with many activities: a remembered check must still expire.
    lifetime = 600
    token = fake_teams.signer.sign(
        app_id=fake_teams.tenant.app_id,
        service_url=fake_teams.service_url,
        now=time.time() - lifetime - auth.leeway + 3,
        lifetime=lifetime,
    )
    for _ in range(3):
        assert await auth.verify(_bearer(token), service_url=fake_teams.service_url)
    assert token in auth._verified
    await asyncio.sleep(4)
    with pytest.raises(Unauthorized, match="expired"):
        await auth.verify(_bearer(token), service_url=fake_teams.service_url)
    assert token not in auth._verified


async def test_a_token_seen_before_is_checked_again_for_each_activity_s_service_url_and_channel(
    fake_teams: FakeTeams, auth: BotConnectorAuth
) -> None:
    token = fake_teams.signer.sign(app_id=fake_teams.tenant.app_id, service_url=fake_teams.service_url)
    assert await auth.verify(_bearer(token), service_url=fake_teams.service_url)
    with pytest.raises(Unauthorized, match="serviceUrl"):
        await auth.verify(_bearer(token), service_url="https://smba.evil.example/")
    with pytest.raises(Unauthorized, match="endorse"):
        await auth.verify(_bearer(token), service_url=fake_teams.service_url, channel_id="webchat")
    # A token differing in one character of its signature is not the one remembered.
    forged = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(Unauthorized):
        await auth.verify(_bearer(forged), service_url=fake_teams.service_url)
    assert await auth.verify(_bearer(token), service_url=fake_teams.service_url)


async def test_only_a_few_verified_tokens_are_remembered(
    fake_teams: FakeTeams, auth: BotConnectorAuth
) -> None:
    tokens = [
        fake_teams.signer.sign(
            app_id=fake_teams.tenant.app_id, service_url=fake_teams.service_url, now=time.time() - n
        )
        for n in range(100)
    ]
    for token in tokens:
        assert await auth.verify(_bearer(token), service_url=fake_teams.service_url)
    assert len(auth._verified) == _REMEMBERED_TOKENS
    assert list(auth._verified) == tokens[-_REMEMBERED_TOKENS:]
