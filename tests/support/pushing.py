"""What the fault scenarios push: realistic articles from the seed generator, and a newsroom-like
client that retries each batch until ingest answers 202 and records what it was told was accepted."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx

SOURCE = "faults"  # the source the fault pipelines' API key writes

Articles = list[dict[str, Any]]


@cache
def _corpus(count: int, seed: int) -> tuple[Any, ...]:
    from newsflow.local.corpus import generate

    return tuple(generate(count, seed))


def make_articles(tag: str, count: int = 600, seed: int = 11, paragraphs: int = 2) -> Articles:
    """Realistic articles (ingest's contract) from the seed generator, with ids unique to ``tag``.

    About one id in twelve has two or three revisions (separate items, in publication order). Bodies
    are cut to their first ``paragraphs`` paragraphs so that enrichment (~30 full articles/s on this
    2-core machine) keeps each scenario within minutes.
    """
    out: Articles = []
    for a in _corpus(count, seed):
        body = "\n\n".join(a.body.split("\n\n")[:paragraphs])
        out.append(
            {
                "id": f"{tag}-{a.id}",
                "url": f"{a.url}?t={tag}",
                "title": a.title,
                "body": body,
                "published_at": a.published_at,
                "updated_at": a.updated_at,
                "revision": a.revision,
                "authors": list(a.authors),
                "section": a.section,
                "language": a.language,
                "tags": list(a.tags),
            }
        )
    return out


def stored_id(article: dict[str, Any]) -> str:
    """The id ingest stores an article pushed with the pipeline's key under: ``<source>:<id>``."""
    return f"{SOURCE}:{article['id']}"


def latest(articles: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Stored id (:func:`stored_id`) -> highest revision."""
    result: dict[str, int] = {}
    for a in articles:
        result[stored_id(a)] = max(result.get(stored_id(a), -1), int(a["revision"]))
    return result


@dataclass
class PushLog:
    """What the client was told: only 202-accepted items count as accepted."""

    accepted: dict[str, int] = field(default_factory=dict)  # id (as ingest answered) -> highest revision
    accepted_items: int = 0
    statuses: Counter[int | str] = field(default_factory=Counter)
    #: id -> when (time.monotonic()) ingest accepted its highest revision: publish time for latencies
    accepted_at: dict[str, float] = field(default_factory=dict)

    def note(self, status: int | str) -> None:
        self.statuses[status] += 1

    def accept(self, article_id: str, revision: int) -> None:
        self.accepted_items += 1
        if revision > self.accepted.get(article_id, -1):
            self.accepted_at[article_id] = time.monotonic()
        self.accepted[article_id] = max(self.accepted.get(article_id, -1), revision)


async def push_chunk(
    client: httpx.AsyncClient,
    url: str,
    key: str,
    chunk: Articles,
    log: PushLog,
    *,
    deadline: float,
    retry: bool = True,
) -> bool:
    """POST one batch; retry 429/503 and connection errors (honouring Retry-After, capped) until a
    202 or the deadline. Returns True when accepted."""
    delay = 0.2
    while True:
        try:
            response = await client.post(
                f"{url}/v1/articles/batch",
                json={"articles": chunk},
                headers={"Authorization": f"Bearer {key}"},
                timeout=30.0,
            )
        except httpx.HTTPError as exc:
            log.note(type(exc).__name__)
            status: int | None = None
        else:
            status = response.status_code
            log.note(status)
            if status == 202:
                body = response.json()
                for item, result in zip(chunk, body["results"], strict=True):
                    assert result["status"] == "accepted", result
                    log.accept(result["id"], int(item["revision"]))  # the id ingest stored it under
                return True
            assert status in (429, 503), f"unexpected answer {status}: {response.text[:500]}"
            with contextlib.suppress(ValueError):
                delay = min(float(response.headers.get("retry-after", delay)), 2.0)
        if not retry:
            return False
        if time.monotonic() + delay > deadline:
            raise TimeoutError(f"batch not accepted before the deadline (last answer {status})")
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 2.0)


async def push(
    url: str,
    key: str,
    articles: Articles,
    log: PushLog | None = None,
    *,
    chunk_size: int = 50,
    within: float = 240.0,
    pause: float = 0.0,
) -> PushLog:
    """Push ``articles`` in order, in batches, retrying each until accepted (a newsroom client)."""
    log = log or PushLog()
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        for start in range(0, len(articles), chunk_size):
            await push_chunk(client, url, key, articles[start : start + chunk_size], log, deadline=deadline)
            if pause:
                await asyncio.sleep(pause)
    return log
