"""PeerPulse on Microsoft Teams — the first slice, not yet a platform.

What exists:
- `simulation/`: a fake of Microsoft's side on a real local aiohttp server — a Bot Connector
  (create 1:1 conversation with 403 when the app is not installed, send, update, paged members),
  its client-credentials token stub, the documented rate limits answered with 429 + Retry-After,
  OpenID metadata + JWKS, and a signer that signs inbound activities as the Bot Connector does;
  plus a simulated tenant (users, rosters, installs, time zones as clientInfo reports them).
- `auth.py`: verification of inbound Bot Connector JWTs (signature, issuer, audience, expiry,
  `serviceurl`, endorsements).
- `connector.py` + `adapter.py`: the domain's Directory and Messenger ports over the Bot Connector
  REST API, run through the same contract tests as memory and Slack.

Still to come (later sessions), which is why no `peerpulse.platforms` entry point is registered yet:
the Platform itself (listeners, `POST /api/messages` behind `auth.py`, install events and stored
conversation references with their regional serviceUrl, time-zone capture), Adaptive Card
renderers (messages are sent as their fallback text until then), a pacer for Teams' limits, the
demo, the manifest and the benchmarks.
"""
