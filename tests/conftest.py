"""Test configuration: the fixtures of the plain modules in tests/support/, registered here."""

pytest_plugins = [
    "tests.support.stack",
    "tests.support.feed_server",
    "tests.support.ingest_app",
]
