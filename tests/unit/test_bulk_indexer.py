"""Bulk item classification, batch bounds and backoff."""

from __future__ import annotations

import pytest

from newsflow.index.bulk import Batch, Outcome, classify_item
from newsflow.retry import Backoff

CONFLICT = {"type": "version_conflict_engine_exception"}


@pytest.mark.parametrize(
    ("item", "outcome"),
    [
        ({"index": {"status": 201, "result": "created"}}, Outcome.OK),
        ({"index": {"status": 200, "result": "updated"}}, Outcome.OK),
        ({"delete": {"status": 200, "result": "deleted"}}, Outcome.OK),
        ({"delete": {"status": 404, "result": "not_found"}}, Outcome.OK),
        ({"index": {"status": 409, "error": CONFLICT}}, Outcome.CONFLICT),
        ({"delete": {"status": 409, "error": CONFLICT}}, Outcome.CONFLICT),
        ({"index": {"status": 429, "error": {"type": "es_rejected_execution_exception"}}}, Outcome.RETRY),
        ({"index": {"status": 503, "error": {"type": "unavailable_shards_exception"}}}, Outcome.RETRY),
        ({"index": {"status": 404, "error": {"type": "index_not_found_exception"}}}, Outcome.RETRY),
        ({"index": {"status": 400, "error": {"type": "document_parsing_exception"}}}, Outcome.REJECTED),
        ({"index": {"status": 400, "error": {"type": "illegal_argument_exception"}}}, Outcome.REJECTED),
    ],
)
def test_classify_item(item: dict[str, dict[str, object]], outcome: Outcome) -> None:
    assert classify_item(item).outcome is outcome


def test_rejection_reason_keeps_elasticsearch_cause_chain() -> None:
    result = classify_item(
        {
            "index": {
                "status": 400,
                "error": {
                    "type": "document_parsing_exception",
                    "reason": "[1:20] failed to parse field [published_at] of type [date]",
                    "caused_by": {
                        "type": "illegal_argument_exception",
                        "reason": "Document contains at least one immense term",
                    },
                },
            }
        }
    )
    assert result.outcome is Outcome.REJECTED
    assert result.error_type == "document_parsing_exception"
    assert result.reason is not None
    assert "published_at" in result.reason and "immense term" in result.reason


def test_batch_is_full_by_count() -> None:
    batch: Batch[int] = Batch(max_docs=3, max_bytes=10_000, max_seconds=60, clock=lambda: 0.0)
    for i in range(2):
        batch.add(i, 10)
    assert not batch.full() and batch.room() == 1
    batch.add(2, 10)
    assert batch.full() and batch.room() == 0


def test_batch_is_full_by_bytes() -> None:
    batch: Batch[int] = Batch(max_docs=100, max_bytes=100, max_seconds=60, clock=lambda: 0.0)
    batch.add(1, 60)
    assert not batch.full()
    batch.add(2, 60)
    assert batch.full()


def test_batch_is_full_by_age_counted_from_first_item() -> None:
    now = [100.0]
    batch: Batch[int] = Batch(max_docs=100, max_bytes=10_000, max_seconds=0.5, clock=lambda: now[0])
    now[0] = 200.0
    assert not batch.full() and batch.remaining_seconds() == 0.5  # empty: the window has not started
    batch.add(1, 1)
    now[0] = 200.4
    assert not batch.full()
    now[0] = 200.5
    assert batch.full()


def test_backoff_grows_exponentially_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(initial=0.1, maximum=1.0)
    delays = [backoff.next_delay() for _ in range(8)]
    ceilings = [min(1.0, 0.1 * 2**i) for i in range(8)]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert max(delays) <= 1.0
    backoff.reset()
    assert backoff.next_delay() <= 0.1
