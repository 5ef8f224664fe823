"""Chat platforms: each subpackage plugs one platform into the core (`handlers.slack` for Slack)."""
