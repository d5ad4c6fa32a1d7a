"""Where feed documents are parsed: inline (tests, tools) or in a worker process (the service).

Parsing a feed is pure Python and CPU-bound (about 1 ms per KB with feedparser): in the ingest
service's event loop a 10 MB feed would freeze the HTTP API for seconds, and a thread would still
hold the GIL. :class:`ProcessFeedParser` runs :func:`~newsflow.ingest.feed_mapping.parse_feed` in a
spawned worker process; results come back as pickled :class:`~newsflow.ingest.feed_mapping.ParsedFeed`
(unpickled by the executor's own thread, not by the event loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

from newsflow.ingest.feed_mapping import ParsedFeed, parse_feed
from newsflow.ingest.feeds import FeedError

#: A feed document: whole, or in the pieces it was read in (joined where it is parsed).
Document = bytes | Sequence[bytes]


def document_bytes(content: Document) -> bytes:
    """The document as one ``bytes`` (a copy of the pieces: done by the parser, off the event loop)."""
    return content if isinstance(content, bytes) else b"".join(content)


def parse_document(content: Document, *, source: str, url: str, content_type: str | None) -> ParsedFeed:
    """Join the document's pieces and parse it (what a worker process runs)."""
    return parse_feed(document_bytes(content), source=source, url=url, content_type=content_type)


class FeedParser(Protocol):
    """Parses one fetched feed document into articles."""

    async def __call__(
        self, content: Document, *, source: str, url: str, content_type: str | None
    ) -> ParsedFeed: ...


async def parse_inline(content: Document, *, source: str, url: str, content_type: str | None) -> ParsedFeed:
    """Parse in the calling thread (blocks the event loop for the duration: tests and tools only)."""
    return parse_document(content, source=source, url=url, content_type=content_type)


def _lower_priority() -> None:
    """Run the worker at a lower CPU priority than the service, which answers requests first."""
    with contextlib.suppress(OSError):  # not permitted here: run at the same priority
        os.nice(WORKER_NICENESS)


#: How much lower the parser workers' CPU priority is than the service's (``nice``).
WORKER_NICENESS = 10


class ProcessFeedParser:
    """Parses feeds in ``workers`` spawned processes; a worker that dies is replaced on the next call.

    Workers run at a lower CPU priority (:data:`WORKER_NICENESS`), so on a busy machine the API wins
    over parsing; they are recycled after ``max_tasks_per_child`` documents, which returns the memory
    a very large feed made the worker take.
    """

    def __init__(self, workers: int = 1, max_tasks_per_child: int = 50) -> None:
        self.workers = workers
        self.max_tasks_per_child = max_tasks_per_child
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_lower_priority,
                max_tasks_per_child=self.max_tasks_per_child,
            )
        return self._pool

    async def start(self) -> None:
        """Start the worker processes now (a spawn takes a fork of this process; better at start-up
        than in the middle of serving requests)."""
        pool = self._executor()
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(pool, os.getpid) for _ in range(self.workers)))

    async def __call__(
        self, content: Document, *, source: str, url: str, content_type: str | None
    ) -> ParsedFeed:
        job = functools.partial(parse_document, content, source=source, url=url, content_type=content_type)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor(), job)
        except BrokenProcessPool as exc:
            self.close()
            raise FeedError("the feed parser process died", reason="parser") from exc

    def close(self) -> None:
        """Stop the worker processes (pending parses are cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
