"""The end-to-end suites' Teams fixtures (the Slack ones live in tests/conftest.py)."""

from tests.teams_runtime import teams_fake, teams_people, teams_runtime, teams_settings, tenant  # noqa: F401
