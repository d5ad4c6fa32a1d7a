"""Moved to tests/support/exactness.py (shared with tests/cluster); re-exported here for branches written
before the move."""

from tests.support.exactness import *  # noqa: F403
