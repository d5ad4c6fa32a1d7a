"""Moved to tests/support/pushing.py (shared with tests/cluster); re-exported here for branches written
before the move."""

from tests.support.pushing import *  # noqa: F403
