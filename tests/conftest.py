"""Test configuration: the real Kafka + Elasticsearch fixtures live in tests/stack_fixtures.py."""

pytest_plugins = ["tests.stack_fixtures"]
