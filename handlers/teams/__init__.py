"""PeerPulse on Microsoft Teams — the first slice, not yet a platform.

What exists:
- `simulation/`: a fake of Microsoft's side on a real local aiohttp server — a Bot Connector
  (create 1:1 conversation with 403 when the app is not installed, send, update, paged members),
  its client-credentials token stub, the documented rate limits answered with 429 + Retry-After,
  OpenID metadata + JWKS, and a signer that signs inbound activities as the Bot Connector does;
  plus a simulated tenant (users, rosters, installs, time zones as clientInfo reports them).
- `auth.py` + `inbound.py`: verification of inbound Bot Connector JWTs (signature via OpenID
  metadata and JWKS, issuer, audience, expiry, `serviceurl`, endorsements) and the guard that
  answers 401 to anything else, ready to sit in front of `POST /api/messages`.
- `connector.py`, `pacing.py`, `adapter.py`: the domain's Directory and Messenger ports over the Bot
  Connector REST API, every call paced under Teams' limits; they pass the same contract tests as
  memory and Slack and drive the real outbox. Teams has no message history for bots, so
  `find_posted` answers None and an unconfirmed send is sent again (at least once; answers are
  de-duplicated, so a rare duplicate card is cosmetic).
- `deploy/teams/manifest.json` (+ icons): the app manifest template, schema v1.30, validated in CI.

Still to come (later sessions), which is why no `peerpulse.platforms` entry point is registered yet:
the Platform itself (listeners, the `POST /api/messages` route behind `inbound.py`, install events
and stored conversation references with their regional serviceUrl — the messenger uses one
service URL until then — time-zone capture from clientInfo), Adaptive Card renderers (messages are
sent as their fallback text until then), settings, the demo and the benchmarks.
"""
