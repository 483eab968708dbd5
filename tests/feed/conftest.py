"""The browser fixtures of tests/web, for the feed's browser tests."""

from tests.web.conftest import (  # noqa: F401 - fixtures, found by pytest by name
    browser,
    live_server,
    page,
    playwright_instance,
    watch,
)
