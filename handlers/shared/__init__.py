"""What every chat platform says and carries alike, drawn by each in its own format.

The words come from the catalogue in its light markup (`*bold*`, `_italic_`, `` `command` ``,
`:emoji:`), which Slack shows as it is and Teams translates (`handlers/teams/cards/markup.py`).
Platforms may import this package; it imports none of them.
"""
