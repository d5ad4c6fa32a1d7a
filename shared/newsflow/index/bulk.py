"""Bulk indexing done right: bounded batches, per-item outcomes, retries with exponential backoff.

The pure parts (batch bounds, item classification, backoff) are separate from the one function that
talks to Elasticsearch, :func:`bulk_until_settled`, which only returns when every action of a batch is
settled: indexed, conflicted (an older or equal revision: a success) or rejected (to the DLQ).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, cast

from elasticsearch import ApiError, AsyncElasticsearch, TransportError

from newsflow.index.documents import BulkAction
from newsflow.retry import Backoff, Stopped, sleep_or_stop

log = logging.getLogger(__name__)

T = TypeVar("T")


class Outcome(enum.Enum):
    """What happened to one bulk item."""

    OK = "ok"
    CONFLICT = "conflict"  # 409: Elasticsearch has this or a newer revision; counted as a success
    RETRY = "retry"  # 429 / 5xx / missing index: try again later
    REJECTED = "rejected"  # the document itself is bad (mapping error ...): dead-letter it


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one bulk item, with Elasticsearch's status and reason."""

    outcome: Outcome
    status: int
    error_type: str | None = None
    reason: str | None = None

    @property
    def settled(self) -> bool:
        """True when the item needs no further attempt."""
        return self.outcome is not Outcome.RETRY


def _error_reason(error: Mapping[str, Any]) -> str:
    parts: list[str] = []
    current: Mapping[str, Any] | None = error
    while current is not None and len(parts) < 4:
        text = str(current.get("reason", ""))
        text = text if len(text) <= 600 else text[:600] + "..."
        parts.append(f"{current.get('type', 'error')}: {text}")
        caused = current.get("caused_by")
        current = caused if isinstance(caused, Mapping) else None
    return " / caused by ".join(parts)


def classify_item(item: Mapping[str, Any]) -> ItemResult:
    """Classify one entry of a bulk response's ``items`` (``{"index": {...}}`` or ``{"delete": {...}}``)."""
    op, body = next(iter(item.items()))
    status = int(body.get("status", 0))
    error = body.get("error")
    error_type = str(error.get("type")) if isinstance(error, Mapping) else None
    reason = _error_reason(error) if isinstance(error, Mapping) else None
    if 200 <= status < 300:
        return ItemResult(Outcome.OK, status)
    if op == "delete" and status == 404 and error is None:
        return ItemResult(Outcome.OK, status)  # already absent: the retraction holds
    if status == 409:
        return ItemResult(Outcome.CONFLICT, status, error_type, reason)
    missing_index = status == 404 and error_type == "index_not_found_exception"
    if status == 429 or status >= 500 or status == 0 or missing_index:
        return ItemResult(Outcome.RETRY, status, error_type, reason)
    return ItemResult(Outcome.REJECTED, status, error_type, reason)


@dataclass
class Batch(Generic[T]):
    """Items gathered for one bulk request, bounded by count, bytes and age."""

    max_docs: int
    max_bytes: int
    max_seconds: float
    clock: Callable[[], float] = time.monotonic
    items: list[T] = field(default_factory=list)
    size_bytes: int = 0
    started_at: float | None = None

    def add(self, item: T, size: int) -> None:
        """Add an item of ``size`` bytes; the clock starts with the first item."""
        if self.started_at is None:
            self.started_at = self.clock()
        self.items.append(item)
        self.size_bytes += size

    def __len__(self) -> int:
        return len(self.items)

    def room(self) -> int:
        """How many more items fit by count."""
        return max(0, self.max_docs - len(self.items))

    def remaining_seconds(self) -> float:
        """Time left before the batch is due (the full window while it is empty)."""
        if self.started_at is None:
            return self.max_seconds
        return max(0.0, self.max_seconds - (self.clock() - self.started_at))

    def full(self) -> bool:
        """True when the batch must be flushed now (count, bytes or age reached)."""
        if not self.items:
            return False
        return (
            len(self.items) >= self.max_docs
            or self.size_bytes >= self.max_bytes
            or self.remaining_seconds() <= 0.0
        )


@dataclass
class BulkStats:
    """Counters of one settled batch."""

    ok: int = 0
    conflicts: int = 0
    rejected: int = 0
    retries: int = 0  # bulk attempts beyond the first


_BULK_FILTER = "errors,items.*.status,items.*.result,items.*.error"


async def bulk_until_settled(
    es: AsyncElasticsearch,
    actions: Sequence[BulkAction],
    *,
    backoff: Backoff,
    refresh: Literal["wait_for"] | None = None,
    require_alias: bool = False,
    stop: asyncio.Event | None = None,
    on_unavailable: Callable[[BaseException], None] | None = None,
    on_available: Callable[[], None] | None = None,
) -> tuple[list[ItemResult], BulkStats]:
    """Send ``actions`` until every one is settled; return their results in order and counters.

    Retryable items (429, 5xx) and whole-request failures (connection refused, timeouts, 429/5xx) are
    retried with exponential backoff, forever, calling ``on_unavailable`` each time; a stop request
    while waiting raises :class:`Stopped`. A whole-request 4xx other than 429 is a bug and is raised.
    """
    results: list[ItemResult | None] = [None] * len(actions)
    pending = list(range(len(actions)))
    stats = BulkStats()
    first = True
    while pending:
        if not first:
            stats.retries += 1
            if await sleep_or_stop(backoff.next_delay(), stop):
                raise Stopped()
        first = False
        body = [actions[i].payload for i in pending]
        try:
            response = await es.bulk(
                operations=cast(Sequence[Mapping[str, Any]], body),
                refresh=refresh,
                require_alias=require_alias or None,
                filter_path=_BULK_FILTER,
            )
        except (TransportError, ApiError) as exc:
            status = exc.meta.status if isinstance(exc, ApiError) else 0
            if isinstance(exc, ApiError) and status != 429 and status < 500:
                raise
            log.warning("bulk request failed, will retry error=%s docs=%d", _short(exc), len(pending))
            if on_unavailable is not None:
                on_unavailable(exc)
            continue
        if on_available is not None:
            on_available()
        items = response.body.get("items", [])
        if len(items) != len(pending):
            raise RuntimeError(f"bulk answered {len(items)} items for {len(pending)} actions")
        still: list[int] = []
        for index, item in zip(pending, items, strict=True):
            result = classify_item(item)
            results[index] = result
            if not result.settled:
                still.append(index)
        if still:
            sample = results[still[0]]
            log.warning(
                "bulk items to retry count=%d status=%s reason=%s",
                len(still),
                sample.status if sample else None,
                sample.reason if sample else None,
            )
        else:
            backoff.reset()
        pending = still
    final = [r for r in results if r is not None]
    for result in final:
        if result.outcome is Outcome.OK:
            stats.ok += 1
        elif result.outcome is Outcome.CONFLICT:
            stats.conflicts += 1
        elif result.outcome is Outcome.REJECTED:
            stats.rejected += 1
    return final, stats


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) < 300 else text[:300] + "..."
