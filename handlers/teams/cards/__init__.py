"""Adaptive Cards for the employee's surfaces on Teams, from the same view-models and catalogue as Slack.

`markup` rewrites the catalogue's Slack mrkdwn as TextBlock markdown (German and every other
language come for free); `card` holds the shared parts (version 1.5, which Teams needs for
Action.Execute; the 28 KB card limit); `pulse` draws the pulse card in each state, the reminder and
the close; `answers` encodes what a tap carries so the `adaptiveCard/action` invoke needs no lookup;
`forms` the feedback and comment dialogs (task modules) with their field errors and confirmations;
`help` and `safety` the replies. Every card is validated against the Adaptive Cards 1.5 JSON schema
in tests/handlers/teams/cards/.
"""
