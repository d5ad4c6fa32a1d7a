"""Rebuild the index from Kafka: replay a compacted topic into a new index version, swap the alias.

The replay reads every partition of the topic from the beginning up to the end offsets captured at the
start, with a fresh group-less consumer, writing into a new versioned index (refresh disabled while it
loads) while searches keep using the alias and the old index. Then the alias is swapped atomically, and a
catch-up pass copies what arrived on the topic meanwhile (offsets between the first and a second capture
of the end offsets, taken after the swap), so nothing the live indexer wrote to the old index is lost.

With ``re_enrich`` the replay reads the raw topic and runs the enrichment again
(:func:`newsflow.enrich.pipeline.enrich_batch`), for when the models changed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from elasticsearch import AsyncElasticsearch

from newsflow.bulk_indexer import Backoff, Outcome, bulk_until_settled
from newsflow.es_docs import bulk_action
from newsflow.es_index import create_index_version, detect_analyzer, put_template, swap_alias
from newsflow.indexer_settings import IndexerSettings
from newsflow.kafka_clients import connection_kwargs, make_consumer
from newsflow.models import EnrichedArticle, RawArticle
from newsflow.serde import HEADER_TRACEPARENT, DecodeError, decode, header
from newsflow.settings import ElasticsearchSettings, KafkaSettings
from newsflow.tracing import parse_traceparent

log = logging.getLogger(__name__)

Record: TypeAlias = ConsumerRecord[bytes, bytes]
Progress = Callable[[int, int], None]  # (offsets done, offsets total)


@dataclass
class ReindexReport:
    """What a rebuild did (or, in a dry run, would do)."""

    topic: str
    dry_run: bool
    new_index: str | None = None
    old_indices: list[str] = field(default_factory=list)
    old_deleted: bool = False
    records: int = 0
    indexed: int = 0
    deleted: int = 0
    conflicts: int = 0
    rejected: int = 0
    undecodable: int = 0
    enrichment_failures: int = 0
    caught_up: int = 0
    seconds: float = 0.0
    rejections: list[str] = field(default_factory=list)  # a sample of Elasticsearch's reasons


@dataclass(frozen=True)
class _Item:
    article: EnrichedArticle
    trace_id: str | None


def _trace_id(record: Record) -> str | None:
    trace = parse_traceparent(header(record.headers, HEADER_TRACEPARENT))
    return trace.trace_id if trace else None


def decode_enriched(records: Sequence[Record], report: ReindexReport) -> list[_Item]:
    """Enriched records to items; undecodable ones are counted (the live indexer dead-lettered them)."""
    items: list[_Item] = []
    for record in records:
        try:
            items.append(_Item(decode(record.value, EnrichedArticle), _trace_id(record)))
        except DecodeError:
            report.undecodable += 1
    return items


def re_enrich(records: Sequence[Record], report: ReindexReport) -> list[_Item]:
    """Raw records to freshly enriched items (retractions pass through without enrichment)."""
    from newsflow.enrich.pipeline import EnrichmentFailure, enrich_batch  # spaCy: load only when asked

    raws: list[tuple[RawArticle, str | None]] = []
    for record in records:
        try:
            raws.append((decode(record.value, RawArticle), _trace_id(record)))
        except DecodeError:
            report.undecodable += 1
    live = [(raw, trace) for raw, trace in raws if not raw.deleted]
    results = enrich_batch([raw for raw, _ in live]) if live else []
    enriched = {raw.id: result for (raw, _), result in zip(live, results, strict=True)}
    items: list[_Item] = []
    for raw, trace in raws:
        if raw.deleted:
            items.append(_Item(EnrichedArticle(article=raw, enrichment=None), trace))
            continue
        result = enriched[raw.id]
        if isinstance(result, EnrichmentFailure):
            report.enrichment_failures += 1
            continue
        items.append(_Item(EnrichedArticle(article=raw, enrichment=result), trace))
    return items


async def topic_partitions(kafka: KafkaSettings, topic: str) -> list[TopicPartition]:
    """Every partition of ``topic``; ValueError when the topic does not exist."""
    admin = AIOKafkaAdminClient(**connection_kwargs(kafka), client_id=f"{kafka.client_id}-reindex")
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    partitions = [p["partition"] for d in described if d["error_code"] == 0 for p in d["partitions"]]
    if not partitions:
        raise ValueError(f"topic {topic!r} does not exist")
    return [TopicPartition(topic, int(p)) for p in sorted(partitions)]


class _Replayer:
    """Reads assigned partitions up to given end offsets and writes them into one index."""

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        es: AsyncElasticsearch,
        settings: IndexerSettings,
        report: ReindexReport,
        reenrich: bool,
    ) -> None:
        self.consumer = consumer
        self.es = es
        self.settings = settings
        self.report = report
        self.reenrich = reenrich
        self.backoff = Backoff(settings.backoff_initial_seconds, settings.backoff_max_seconds)

    async def replay(
        self,
        start: dict[TopicPartition, int],
        end: dict[TopicPartition, int],
        index: str | None,
        progress: Progress | None,
    ) -> int:
        """Copy offsets [start, end) of every partition into ``index`` (None: dry run); return records."""
        total = sum(max(0, end[tp] - start[tp]) for tp in end)
        pending = {tp for tp in end if end[tp] > start[tp]}
        for tp in end:
            self.consumer.seek(tp, start[tp])
        self.consumer.resume(*pending)
        self.consumer.pause(*(set(end) - pending))
        count = 0
        while pending:
            fetched = await self.consumer.getmany(
                *pending, timeout_ms=1000, max_records=self.settings.batch_max_docs
            )
            records = [r for tp, rs in fetched.items() for r in rs if r.offset < end[tp]]
            count += len(records)
            if records:
                await self._write(records, index)
            for tp in list(pending):
                if await self.consumer.position(tp) >= end[tp]:
                    pending.discard(tp)
                    self.consumer.pause(tp)
            if progress is not None:
                done = 0
                for tp in end:
                    position = end[tp] if tp not in pending else await self.consumer.position(tp)
                    done += max(0, min(position, end[tp]) - start[tp])
                progress(done, total)
        return count

    async def _write(self, records: Sequence[Record], index: str | None) -> None:
        report = self.report
        report.records += len(records)
        if self.reenrich:
            items = await asyncio.to_thread(re_enrich, records, report)
        else:
            items = decode_enriched(records, report)
        if index is None:
            for item in items:
                if item.article.enrichment is None:
                    report.deleted += 1
                else:
                    report.indexed += 1
            return
        actions = [bulk_action(i.article, index=index, trace_id=i.trace_id) for i in items]
        if not actions:
            return
        results, stats = await bulk_until_settled(self.es, actions, backoff=self.backoff)
        report.conflicts += stats.conflicts
        report.rejected += stats.rejected
        for action, result in zip(actions, results, strict=True):
            if result.outcome is Outcome.OK:
                if action.op == "delete":
                    report.deleted += 1
                else:
                    report.indexed += 1
            elif result.outcome is Outcome.REJECTED and len(report.rejections) < 10:
                report.rejections.append(f"{action.doc_id}: {result.reason}")


async def reindex(
    *,
    es: AsyncElasticsearch,
    es_settings: ElasticsearchSettings,
    kafka: KafkaSettings,
    topic: str,
    settings: IndexerSettings | None = None,
    re_enrich_raw: bool = False,
    dry_run: bool = False,
    delete_old: bool = False,
    progress: Progress | None = None,
) -> ReindexReport:
    """Replay ``topic`` into a new index version and swap ``es_settings.alias`` to it.

    ``topic`` is the enriched topic, or the raw topic with ``re_enrich_raw``. In a dry run nothing is
    written: the topic is read and counted. With ``delete_old`` the old indices are deleted in the same
    atomic alias update; otherwise they are kept (detached from the alias) for a rollback.
    """
    settings = settings or IndexerSettings()
    started = time.monotonic()
    report = ReindexReport(topic=topic, dry_run=dry_run)
    consumer = make_consumer(
        kafka, group_id=None, max_poll_records=settings.batch_max_docs, fetch_max_bytes=52_428_800
    )
    await consumer.start()
    try:
        partitions = await topic_partitions(kafka, topic)
        consumer.assign(partitions)
        begin = await consumer.beginning_offsets(partitions)
        end = await consumer.end_offsets(partitions)
        replayer = _Replayer(consumer, es, settings, report, re_enrich_raw)
        index: str | None = None
        if not dry_run:
            analyzer = await detect_analyzer(es, settings.analyzer)
            await put_template(es, es_settings, analyzer)
            index = await create_index_version(es, es_settings, analyzer=analyzer, refresh_interval="-1")
            report.new_index = index
        log.info("reindex replay started topic=%s index=%s offsets=%d", topic, index, sum(end.values()))
        await replayer.replay(begin, end, index, progress)
        if index is not None:
            interval = {"refresh_interval": es_settings.refresh_interval}
            await es.indices.put_settings(index=index, settings=interval)
            await es.indices.refresh(index=index)
            report.old_indices = await swap_alias(es, es_settings.alias, index, delete_old=delete_old)
            report.old_deleted = delete_old
            # What the live indexer wrote to the old index while we replayed is on the topic after `end`.
            after = await consumer.end_offsets(partitions)
            before = report.records
            await replayer.replay(end, after, index, None)
            report.caught_up = report.records - before
    finally:
        await consumer.stop()
    report.seconds = time.monotonic() - started
    log.info(
        "reindex done topic=%s index=%s records=%d indexed=%d deleted=%d conflicts=%d rejected=%d "
        "undecodable=%d caught_up=%d seconds=%.1f",
        topic,
        report.new_index,
        report.records,
        report.indexed,
        report.deleted,
        report.conflicts,
        report.rejected,
        report.undecodable,
        report.caught_up,
        report.seconds,
    )
    return report
