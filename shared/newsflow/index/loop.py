"""The indexer's consume → bulk → commit loop: news.articles.enriched into Elasticsearch.

One batch at a time: records are gathered up to the count/bytes/time bounds, decoded (undecodable ones
go to the DLQ), sent in one bulk request through the alias, retried until every item is settled
(indexed, conflicted or dead-lettered with Elasticsearch's reason), and only then are the batch's offsets
committed. While Elasticsearch is down the loop waits and retries with backoff, reports not-ready and
commits nothing; it resumes by itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from elasticsearch import AsyncElasticsearch
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from newsflow.index.bulk import Batch, BulkStats, ItemResult, Outcome, bulk_until_settled
from newsflow.index.documents import BulkAction, bulk_action
from newsflow.index.settings import IndexerSettings
from newsflow.models import DeadLetter, EnrichedArticle
from newsflow.retry import Backoff, Stopped
from newsflow.serde import HEADER_TRACEPARENT, DecodeError, dead_letter, decode, encode, header
from newsflow.tracing import parse_traceparent

log = logging.getLogger(__name__)

Record: TypeAlias = ConsumerRecord[bytes, bytes]

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 1800, 3600)
BATCH_SIZE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


class IndexerMetrics:
    """Prometheus metrics of the indexer, registered on ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.docs = Counter(
            "newsflow_indexer_docs",
            "Enriched articles settled by the indexer, by outcome",
            ["outcome"],
            registry=registry,
        )
        self.batches = Counter("newsflow_indexer_batches", "Batches committed", registry=registry)
        self.batch_size = Histogram(
            "newsflow_indexer_batch_size",
            "Records per settled batch",
            buckets=BATCH_SIZE_BUCKETS,
            registry=registry,
        )
        self.batch_seconds = Histogram(
            "newsflow_indexer_batch_seconds",
            "Time to settle one batch (bulk + retries + DLQ)",
            registry=registry,
        )
        self.bulk_retries = Counter(
            "newsflow_indexer_bulk_retries", "Bulk attempts beyond the first", registry=registry
        )
        self.commit_failures = Counter(
            "newsflow_indexer_commit_failures", "Offset commits refused (rebalance)", registry=registry
        )
        self.end_to_end = Histogram(
            "newsflow_end_to_end_latency_seconds",
            "Indexed acknowledgement time minus the article's ingested_at",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.es_available = Gauge(
            "newsflow_indexer_elasticsearch_available",
            "1 when the last bulk request reached Elasticsearch",
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "newsflow_consumer_lag",
            "Records not yet consumed per assigned partition (high watermark minus position)",
            ["topic", "partition"],
            registry=registry,
        )


@dataclass
class BatchReport:
    """What one settled batch did."""

    records: int
    indexed: int = 0
    deleted: int = 0
    conflicts: int = 0
    dlq: int = 0
    decode_errors: int = 0
    retries: int = 0
    millis: float = 0.0
    trace_ids: list[str] = field(default_factory=list)  # distinct, first few, for the summary log line


@dataclass(frozen=True, slots=True)
class _Decoded:
    """What the indexer keeps of a decoded record while its batch is written.

    Not the decoded model: it is dropped as soon as its bulk action is built, so its many small
    objects die young (freed by reference counting) instead of surviving into the older garbage
    collector generations, whose collections then scan the whole batch (this cost more than the
    decoding itself: docs/index-and-search.md).
    """

    record: Record
    article_id: str
    revision: int
    ingested_at: float
    trace_id: str | None


@dataclass
class Prepared:
    """A decoded batch, ready to be written."""

    records: Sequence[Record]
    report: BatchReport
    letters: list[tuple[Record, DeadLetter]]
    decoded: list[_Decoded]
    actions: list[BulkAction]
    started: float


def commit_offsets(records: Sequence[Record]) -> dict[TopicPartition, int]:
    """The offsets to commit after ``records``: the next offset of each partition."""
    offsets: dict[TopicPartition, int] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        offsets[tp] = max(offsets.get(tp, 0), record.offset + 1)
    return offsets


def record_size(record: Record) -> int:
    """Approximate bytes a record adds to a bulk request."""
    return len(record.value or b"") + len(record.key or b"") + 64


class IndexerLoop:
    """Consumes enriched articles and keeps the alias an exact mirror of their latest revisions."""

    def __init__(
        self,
        *,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer,
        es: AsyncElasticsearch,
        settings: IndexerSettings,
        alias: str,
        dlq_topic: str,
        metrics: IndexerMetrics,
    ) -> None:
        self.consumer = consumer
        self.producer = producer
        self.es = es
        self.settings = settings
        self.alias = alias
        self.dlq_topic = dlq_topic
        self.metrics = metrics
        self.es_available = True
        self.backoff = Backoff(settings.backoff_initial_seconds, settings.backoff_max_seconds)
        self.totals = BatchReport(records=0)

    async def run(self, stop: asyncio.Event) -> None:
        """Process batches until ``stop`` is set; the batches in hand are finished (or abandoned
        uncommitted when Elasticsearch is down).

        Batches overlap: while Elasticsearch writes batch N, batch N+1 is fetched, decoded and (up to
        ``max_in_flight_bulks``) sent too. Offsets are still committed strictly in order: a batch
        commits only after every earlier batch has settled and committed, so a crash or a stop never
        commits past an unsettled record. Two writes of one article in different batches are safe in
        any order: external versioning keeps the higher revision.
        """
        in_flight: deque[asyncio.Task[bool]] = deque()
        try:
            while not stop.is_set():
                records = await self.next_batch(stop)
                await self.update_lag()
                while in_flight and in_flight[0].done():
                    if not in_flight.popleft().result():
                        return
                if not records:
                    continue
                prepared = self.prepare(records)
                while len(in_flight) >= self.settings.max_in_flight_bulks:
                    if not await in_flight.popleft():
                        return
                previous = in_flight[-1] if in_flight else None
                in_flight.append(asyncio.create_task(self._write_and_commit(prepared, stop, previous)))
        finally:
            while in_flight:
                await in_flight.popleft()

    async def _write_and_commit(
        self, prepared: Prepared, stop: asyncio.Event, previous: asyncio.Task[bool] | None = None
    ) -> bool:
        """Write a prepared batch and, once ``previous`` committed, commit its offsets; False when
        stopped before it (or an earlier batch) settled."""
        try:
            await self.write(prepared, stop)
        except Stopped:
            log.info(
                "stopping with an unsettled batch; offsets not committed records=%d", len(prepared.records)
            )
            return False
        if previous is not None and not await asyncio.shield(previous):
            log.info(
                "an earlier batch did not settle; offsets not committed records=%d", len(prepared.records)
            )
            return False
        await self.commit(prepared.records)
        return True

    async def update_lag(self) -> None:
        """Set the lag gauge of every assigned partition (partitions no longer assigned are dropped)."""
        lags: dict[TopicPartition, int] = {}
        for tp in self.consumer.assignment():
            highwater = self.consumer.highwater(tp)
            if highwater is None:
                continue
            try:
                position = await self.consumer.position(tp)
            except (KafkaError, IllegalStateError):
                continue
            lags[tp] = max(0, highwater - position)
        self.metrics.consumer_lag.clear()
        for tp, lag in lags.items():
            self.metrics.consumer_lag.labels(tp.topic, str(tp.partition)).set(lag)

    async def next_batch(self, stop: asyncio.Event) -> list[Record]:
        """Gather records until the batch bounds (count, bytes, time) are reached or a stop."""
        batch: Batch[Record] = Batch(
            self.settings.batch_max_docs, self.settings.batch_max_bytes, self.settings.batch_max_seconds
        )
        while not batch.full() and not stop.is_set():
            timeout_ms = max(1, int(batch.remaining_seconds() * 1000))
            fetched = await self.consumer.getmany(timeout_ms=timeout_ms, max_records=batch.room())
            for partition_records in fetched.values():
                for record in partition_records:
                    batch.add(record, record_size(record))
        return batch.items

    async def process(self, records: Sequence[Record], stop: asyncio.Event | None = None) -> BatchReport:
        """Settle every record of a batch: indexed, conflicted or dead-lettered. Raises Stopped."""
        return await self.write(self.prepare(records), stop)

    def prepare(self, records: Sequence[Record]) -> Prepared:
        """Decode a batch and build its bulk actions (CPU only; undecodable records become letters)."""
        started = time.perf_counter()
        report = BatchReport(records=len(records))
        letters: list[tuple[Record, DeadLetter]] = []
        decoded: list[_Decoded] = []
        actions: list[BulkAction] = []
        indexed_at = datetime.now(UTC)
        for record in records:
            try:
                enriched = decode(record.value, EnrichedArticle)
            except DecodeError as exc:
                letters.append((record, self._letter(record, exc.error_type, exc.reason)))
                report.decode_errors += 1
                continue
            trace = parse_traceparent(header(record.headers, HEADER_TRACEPARENT))
            trace_id = trace.trace_id if trace else None
            actions.append(bulk_action(enriched, index=self.alias, trace_id=trace_id, indexed_at=indexed_at))
            article = enriched.article
            decoded.append(
                _Decoded(record, article.id, article.revision, article.ingested_at.timestamp(), trace_id)
            )
            if trace_id and trace_id not in report.trace_ids and len(report.trace_ids) < 10:
                report.trace_ids.append(trace_id)
        return Prepared(records, report, letters, decoded, actions, started)

    async def write(self, prepared: Prepared, stop: asyncio.Event | None = None) -> BatchReport:
        """Bulk-write a prepared batch and dead-letter what cannot be indexed. Raises Stopped."""
        report, letters = prepared.report, prepared.letters
        results, stats = await self._bulk(prepared.actions, stop)
        acked = time.time()
        for item, action, result in zip(prepared.decoded, prepared.actions, results, strict=True):
            self._account(item, action, result, acked, report, letters)
        report.retries = stats.retries
        await self._send_letters(letters, stop)
        report.dlq = len(letters)
        report.millis = (time.perf_counter() - prepared.started) * 1000
        self._observe(report)
        return report

    async def _bulk(
        self, actions: Sequence[BulkAction], stop: asyncio.Event | None
    ) -> tuple[list[ItemResult], BulkStats]:
        if not actions:
            return [], BulkStats()
        return await bulk_until_settled(
            self.es,
            actions,
            backoff=self.backoff,
            refresh="wait_for" if self.settings.refresh == "wait_for" else None,
            require_alias=True,
            stop=stop,
            on_unavailable=self._unavailable,
            on_available=self._available,
        )

    def _account(
        self,
        item: _Decoded,
        action: BulkAction,
        result: ItemResult,
        acked: float,
        report: BatchReport,
        letters: list[tuple[Record, DeadLetter]],
    ) -> None:
        if result.outcome is Outcome.OK:
            if action.op == "delete":
                report.deleted += 1
            else:
                report.indexed += 1
            self.metrics.end_to_end.observe(max(0.0, acked - item.ingested_at))
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "article indexed article_id=%s revision=%d op=%s trace_id=%s",
                    item.article_id,
                    item.revision,
                    action.op,
                    item.trace_id,
                    extra={"article_id": item.article_id, "trace_id": item.trace_id},
                )
        elif result.outcome is Outcome.CONFLICT:
            report.conflicts += 1
        else:
            reason = f"elasticsearch rejected the document (HTTP {result.status}): {result.reason}"
            letters.append(
                (item.record, self._letter(item.record, result.error_type or "ElasticsearchRejected", reason))
            )

    def _letter(self, record: Record, error_type: str, reason: str) -> DeadLetter:
        return dead_letter(
            stage="indexer",
            error_type=error_type,
            reason=reason,
            payload=record.value,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
        )

    async def _send_letters(
        self, letters: Sequence[tuple[Record, DeadLetter]], stop: asyncio.Event | None
    ) -> None:
        """Produce the dead letters and wait for Kafka's acknowledgement (retrying on Kafka errors)."""
        if not letters:
            return
        backoff = Backoff(self.settings.backoff_initial_seconds, self.settings.backoff_max_seconds)
        while True:
            try:
                futures = []
                for record, letter in letters:
                    headers: list[tuple[str, bytes]] = [
                        (k, v) for k, v in (record.headers or ()) if k == HEADER_TRACEPARENT
                    ]
                    value = encode(letter)
                    futures.append(
                        await self.producer.send(self.dlq_topic, value, key=record.key, headers=headers)
                    )
                    trace = parse_traceparent(header(record.headers, HEADER_TRACEPARENT))
                    trace_id = trace.trace_id if trace else None
                    article_id = letter.article_id or letter.key
                    log.warning(
                        "dead-lettered stage=indexer topic=%s partition=%d offset=%d key=%s "
                        "error_type=%s trace_id=%s reason=%s",
                        record.topic,
                        record.partition,
                        record.offset,
                        letter.key,
                        letter.error_type,
                        trace_id,
                        letter.reason[:500],
                        extra={"article_id": article_id, "trace_id": trace_id},
                    )
                await asyncio.gather(*futures)
                return
            except KafkaError as exc:
                log.warning("dead-letter produce failed, will retry error=%s", exc)
                if stop is not None and stop.is_set():
                    raise Stopped() from exc
                await asyncio.sleep(backoff.next_delay())

    async def commit(self, records: Sequence[Record]) -> None:
        """Commit the offsets after ``records``.

        A refused commit (the group rebalanced) only means a replay: the writes are idempotent.
        """
        try:
            await self.consumer.commit(commit_offsets(records))
        except (CommitFailedError, IllegalStateError) as exc:
            self.metrics.commit_failures.inc()
            log.warning("offset commit refused (rebalance); the batch will be replayed error=%s", exc)
            return
        self.metrics.batches.inc()

    def _observe(self, report: BatchReport) -> None:
        m = self.metrics
        m.docs.labels("indexed").inc(report.indexed)
        m.docs.labels("deleted").inc(report.deleted)
        m.docs.labels("conflict").inc(report.conflicts)
        m.docs.labels("dlq").inc(report.dlq)
        m.bulk_retries.inc(report.retries)
        m.batch_seconds.observe(report.millis / 1000)
        m.batch_size.observe(report.records)
        t = self.totals
        t.records += report.records
        t.indexed += report.indexed
        t.deleted += report.deleted
        t.conflicts += report.conflicts
        t.dlq += report.dlq
        t.decode_errors += report.decode_errors
        t.retries += report.retries
        log.info(
            "batch settled docs=%d indexed=%d deleted=%d conflicts=%d dlq=%d retries=%d ms=%.1f trace_ids=%s",
            report.records,
            report.indexed,
            report.deleted,
            report.conflicts,
            report.dlq,
            report.retries,
            report.millis,
            ",".join(report.trace_ids),
            extra={"trace_ids": report.trace_ids},
        )

    def _unavailable(self, exc: BaseException) -> None:
        if self.es_available:
            log.error("elasticsearch unavailable; waiting and retrying, nothing committed error=%s", exc)
        self.es_available = False
        self.metrics.es_available.set(0)

    def _available(self) -> None:
        if not self.es_available:
            log.info("elasticsearch available again")
        self.es_available = True
        self.metrics.es_available.set(1)


def consumer_overrides(settings: IndexerSettings) -> dict[str, Any]:
    """aiokafka consumer options for the indexer's batch bounds."""
    return {
        "max_poll_records": settings.batch_max_docs,
        "max_poll_interval_ms": settings.max_poll_interval_ms,
        "fetch_max_bytes": max(52_428_800, settings.batch_max_bytes * 2),
    }
