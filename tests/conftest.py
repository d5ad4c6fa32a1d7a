"""Test configuration: the fixtures of the plain modules in tests/support/, registered here, and one
marker per test folder (``-m integration`` selects exactly tests/integration/, and so on)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = [
    "tests.support.stack",
    "tests.support.feed_server",
    "tests.support.ingest_app",
]

TESTS = Path(__file__).resolve().parent
#: Each folder of tests is also a marker (registered in pyproject.toml).
FOLDERS = ("unit", "integration", "e2e", "faults", "security", "deploy", "cluster")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.resolve().relative_to(TESTS).parts
        if len(parts) < 2 or parts[0] not in FOLDERS:
            raise pytest.UsageError(
                f"{item.nodeid}: every test lives in one of tests/{{{','.join(FOLDERS)}}}/"
            )
        item.add_marker(getattr(pytest.mark, parts[0]))
