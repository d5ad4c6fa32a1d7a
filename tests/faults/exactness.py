"""Moved to :mod:`tests.support.exactness` (shared with the end-to-end scaling test); this name stays for
fault scenarios written before the move."""

from tests.support.exactness import *  # noqa: F403
