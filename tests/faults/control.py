"""Moved to tests/support/control.py (shared with tests/cluster); re-exported here for branches written
before the move."""

from tests.support.control import *  # noqa: F403
