"""Moved to :mod:`tests.support.pushing` (shared with the end-to-end scaling test); this name stays for
fault scenarios written before the move."""

from tests.support.pushing import *  # noqa: F403
