"""The indexer's consume → bulk → commit loop: news.articles.enriched into Elasticsearch.

One batch at a time: records are gathered up to the count/bytes/time bounds, decoded (undecodable ones
go to the DLQ), aimed at their home indices behind the alias (newsflow.index.archive), sent in one
bulk request, retried until every item is settled (indexed, conflicted or dead-lettered with
Elasticsearch's reason), and only then are the batch's offsets committed. While Elasticsearch is
down the loop waits and retries with backoff, reports not-ready and commits nothing; it resumes by
itself.
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
from elasticsearch import ApiError, AsyncElasticsearch, TransportError

from newsflow.index.archive import AliasMissing, HomeRouter
from newsflow.index.bulk import Batch, BulkStats, ItemResult, bulk_until_settled
from newsflow.index.documents import BulkAction
from newsflow.index.metrics import IndexerMetrics
from newsflow.index.records import Actions, Origin, letter_message, settle, to_actions, undecodable_letter
from newsflow.index.settings import IndexerSettings
from newsflow.index.stories import StoryAssigner
from newsflow.kafka import Message, Send, producer_send, send_until_acked
from newsflow.models import DeadLetter
from newsflow.retry import Backoff, Stopped, retry_until

log = logging.getLogger(__name__)

Record: TypeAlias = ConsumerRecord[bytes, bytes]


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


@dataclass
class Prepared:
    """A decoded batch, ready to be written."""

    records: Sequence[Record]
    report: BatchReport
    batch: Actions
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
        self.send = producer_send(producer)
        self.es = es
        self.settings = settings
        self.alias = alias
        self.dlq_topic = dlq_topic
        self.metrics = metrics
        self.es_available = True
        self.backoff = Backoff(settings.backoff_initial_seconds, settings.backoff_max_seconds)
        self.stories = StoryAssigner(
            es, alias, backoff=self._letter_backoff(), on_unavailable=self._unavailable
        )
        self.homes = HomeRouter(es, alias)
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
        batch = to_actions(
            (Origin.of(r.topic, r.partition, r.offset, r.key, r.value, r.headers) for r in records),
            index=self.alias,
            indexed_at=datetime.now(UTC),
        )
        report = BatchReport(
            records=len(records), decode_errors=len(batch.undecodable), trace_ids=batch.trace_ids
        )
        return Prepared(records, report, batch, started)

    async def write(self, prepared: Prepared, stop: asyncio.Event | None = None) -> BatchReport:
        """Bulk-write a prepared batch and dead-letter what cannot be indexed. Raises Stopped."""
        report, batch = prepared.report, prepared.batch
        batch.actions = await self.stories.assign(batch.actions, stop)
        batch.actions = await self._route(batch.actions, stop)
        results, stats = await self._bulk(batch.actions, stop)
        settled = settle(batch.actions, batch.pending, results, acked_at=time.time())
        report.indexed, report.deleted, report.conflicts = settled.indexed, settled.deleted, settled.conflicts
        report.retries = stats.retries
        for latency in settled.latencies:
            self.metrics.end_to_end.observe(latency)
        if log.isEnabledFor(logging.DEBUG):
            for item in settled.written:
                log.debug(
                    "article indexed article_id=%s revision=%d trace_id=%s",
                    item.article_id,
                    item.revision,
                    item.trace_id,
                    extra={"article_id": item.article_id, "trace_id": item.trace_id},
                )
        letters = [undecodable_letter(u) for u in batch.undecodable] + settled.letters
        await send_dead_letters(self.send, letters, self.dlq_topic, backoff=self._letter_backoff(), stop=stop)
        report.dlq = len(letters)
        report.millis = (time.perf_counter() - prepared.started) * 1000
        self._observe(report)
        return report

    async def _route(self, actions: list[BulkAction], stop: asyncio.Event | None) -> list[BulkAction]:
        """Aim every action at its article's home index (newsflow.index.archive), waiting while
        Elasticsearch cannot answer."""
        if not actions:
            return actions
        return await retry_until(
            lambda: self.homes.route(actions),
            retry_on=(TransportError, ApiError, AliasMissing),
            backoff=self._letter_backoff(),
            stop=stop,
            what="home index lookup",
            on_error=lambda exc, _n: self._unavailable(exc),
        )

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
            require_alias=False,  # actions name their home index, taken from the alias just before
            stop=stop,
            on_unavailable=self._unavailable,
            on_available=self._available,
        )

    def _letter_backoff(self) -> Backoff:
        return Backoff(self.settings.backoff_initial_seconds, self.settings.backoff_max_seconds)

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


async def send_letters(
    send: Send, messages: Sequence[Message], *, backoff: Backoff, stop: asyncio.Event | None = None
) -> None:
    """Produce dead-letter records and return once Kafka acknowledged every one.

    Transient errors are retried (:func:`newsflow.kafka.send_until_acked`). A dead letter Kafka
    refuses for good (too large even for the dead-letter topic) would be lost: that raises instead.
    """
    if not messages:
        return
    acks = await send_until_acked(send, messages, backoff=backoff, stop=stop)
    for message, ack in zip(messages, acks, strict=True):
        if isinstance(ack, Exception):
            raise RuntimeError(f"Kafka refused a dead letter for {message.key!r}: {ack!r}")


async def send_dead_letters(
    send: Send,
    letters: Sequence[tuple[Origin, DeadLetter]],
    dlq_topic: str,
    *,
    backoff: Backoff,
    stop: asyncio.Event | None = None,
) -> None:
    """Log and produce the indexer's dead letters, each keyed like its article and carrying its trace."""
    for origin, letter in letters:
        trace_id = origin.trace_id
        log.warning(
            "dead-lettered stage=%s topic=%s partition=%s offset=%s key=%s error_type=%s "
            "trace_id=%s reason=%s",
            letter.stage,
            origin.topic,
            origin.partition,
            origin.offset,
            letter.key,
            letter.error_type,
            trace_id,
            letter.reason[:500],
            extra={"article_id": letter.article_id or letter.key, "trace_id": trace_id},
        )
    messages = [letter_message(origin, letter, dlq_topic) for origin, letter in letters]
    await send_letters(send, messages, backoff=backoff, stop=stop)
