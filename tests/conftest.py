"""Test configuration: fixtures come from the plain modules of tests/support/ (registered here)."""

pytest_plugins = ["tests.support.stack", "tests.support.feed_server"]
