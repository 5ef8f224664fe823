"""PeerPulse on Microsoft Teams: a platform plug-in (`PLATFORM=teams`) on the same core as Slack.

What exists:
- `simulation/`: a fake of Microsoft's side on a real local aiohttp server — a Bot Connector (global
  and regional under /{region}/, create 1:1 conversation with 403 when the app is not installed,
  send, update, paged members), its client-credentials token stub, the documented rate limits
  answered with 429 + Retry-After, OpenID metadata + JWKS, and a signer that signs inbound
  activities as the Bot Connector does; a simulated tenant (users, rosters, installs, clientInfo time
  zones) and `people.py`, which sends installs, typed messages and card taps to a running app.
- `settings.py`: TeamsSettings from TEAMS_* (entry point `peerpulse.platform_settings` = teams).
- `platform.py`: TeamsPlatform (entry point `peerpulse.platforms` = teams): a token proves the
  credentials at start, `check` reads the role and people rosters, `routes()` serves
  `POST /api/messages` (`server.py`) behind `inbound.py`'s JWT guard (`auth.py`): 401 and nothing
  handled unless the Bot Connector signed it for this app and serviceUrl.
- Listeners: `installs.py` (installationUpdate / conversationUpdate: each person's 1:1 chat and its
  regional serviceUrl kept in member_address via `addresses.py`), `messages.py` (typed `pulse`,
  `pulse optout|optin`, `help`, `feedback` (a card opening the dialog), help for anything else, the
  safety net first; the clientInfo time zone kept for the person's 10:00), `coordinator.py` (typed
  `pulse status|digest|send|close|cancel`, the domain deciding who may; send, close and cancel ask
  on a card first), `invokes.py` (`adaptiveCard/action`, verb `pulse.answer`,
  recorded through the domain's record_answer; answered with the card redrawn, which the connector's
  update then keeps), `dialogs.py` (task/fetch and task/submit: the pulse comment and feedback
  dialogs, stored through the same domain calls as Slack's modals, the safety net first).
- `ids.py`: Teams user ids ("29:…") reach the core percent-escaped, since the core keeps ':' out of
  person ids (its keyed hashes join parts with ':').
- `connector.py`, `pacing.py`, `adapter.py`: the Directory and Messenger ports over the Bot Connector,
  every call paced under Teams' limits, each conversation's messages sent to its own serviceUrl.
  Teams has no message history for bots, so `find_posted` answers None and an unconfirmed send is
  sent again (at least once; answers are de-duplicated, so a rare duplicate card is cosmetic).
- `cards/`: Adaptive Card renderers (schema 1.5) for the employee's surfaces from the same
  view-models and catalogue as Slack; `render.py` draws the pulse, its reminder and its close as
  cards whose answer buttons carry the shared answer token (`handlers/shared/answer_token.py`) to
  the `pulse.answer` invoke; the digest (split under Teams' 28 KB card limit, the chart inline),
  "you said, we did" updates and announcements are cards too.
- `demo.py`: `PLATFORM=teams make demo`, a simulated tenant end to end.
- `deploy/teams/manifest.json` (+ icons): the app manifest template, schema v1.30, validated in CI.

Still to come: supporters' peer-log and training dialogs, the home card per role, the other
coordinators' commands (schedule, questions, supporters, actions, policies) and the digest's Adopt
button, support and policy reminders' renderers, names instead of ids in mentions, and the
benchmarks on Teams.
"""
