"""``python -m services.indexer``: run the indexer until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import sys

from services.indexer.app import main

if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
