"""Rebuild the index from Kafka: replay a compacted topic into a new index version, swap the alias.

The replay reads every partition of the topic from the beginning up to the end offsets captured at the
start, with a fresh group-less consumer, writing into a new versioned index (refresh disabled while it
loads) while searches keep using the alias and the old index. Then the alias is swapped atomically, and a
catch-up pass copies what arrived on the topic meanwhile (offsets between the first and a second capture
of the end offsets, taken after the swap), so nothing the live indexer wrote to the old index is lost.

With ``re_enrich_raw`` the replay reads the raw topic and runs the enrichment again, for when the models
changed, with the enrichment worker's own code (:func:`newsflow.enrich.records.process_records`). Unless
``republish`` is off, every re-enriched article and retraction is also produced to the enriched topic
(keyed by article id, headers as the worker writes them) and acknowledged by Kafka before its batch is
indexed, so the compacted enriched topic holds the new enrichment and a later plain rebuild gives the same
index, even before compaction removed the older records of the same revision (a replay writes with
``equal_revision_wins``: :func:`newsflow.index.records.to_actions`).
The live indexer sees those records again with the same (id, revision): Elasticsearch answers a version
conflict, which it counts as a success.

Every article ends up indexed or in the dead-letter topic with a reason: an article whose enrichment
fails is dead-lettered as the worker does (stage ``enrichment``), and a document the new index rejects is
dead-lettered as the live indexer does (stage ``indexer``): documents are built and judged by the same
pure functions as the live indexer's (:mod:`newsflow.index.records`). Undecodable records are only
counted: the stage that consumed them first has dead-lettered them already. A dry run produces and
writes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import RecordMetadata
from elasticsearch import AsyncElasticsearch

from newsflow.index.bulk import bulk_until_settled
from newsflow.index.design import create_index_version, detect_analysis, put_template, swap_alias
from newsflow.index.loop import send_dead_letters, send_letters
from newsflow.index.records import Actions, Origin, settle, to_actions
from newsflow.index.settings import IndexerSettings
from newsflow.index.stories import StoryAssigner
from newsflow.kafka import (
    Message,
    connection_kwargs,
    make_consumer,
    make_producer,
    producer_send,
    send_until_acked,
)
from newsflow.retry import Backoff
from newsflow.serde import DecodeError
from newsflow.settings import ElasticsearchSettings, KafkaSettings, TopicSettings
from newsflow.versions import RAW, read

if TYPE_CHECKING:  # the enrichment modules load spaCy: imported at run time only when re-enriching
    from newsflow.enrich.records import InRecord, OutRecord

log = logging.getLogger(__name__)

Record: TypeAlias = ConsumerRecord[bytes, bytes]
Progress = Callable[[int, int], None]  # (offsets done, offsets total)

#: The index name a dry run builds its (never sent) bulk actions against.
DRY_RUN_INDEX = "dry-run"


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
    republished: int = 0  # re-enriched records produced to (and acknowledged by) the enriched topic
    dead_lettered: int = 0  # enrichment failures, refused republications and rejected documents
    caught_up: int = 0
    seconds: float = 0.0
    rejections: list[str] = field(default_factory=list)  # a sample of Elasticsearch's reasons


def re_enrich(records: Sequence[Record]) -> tuple[list[OutRecord], int]:
    """Raw records to what the enrichment worker would produce for them, and the undecodable count.

    One output per decodable record, in order: the enriched article or retraction (for the enriched
    topic) or a dead letter with the reason its enrichment failed. Undecodable records are left out
    (the worker dead-lettered them when it consumed them first).
    """
    from newsflow.enrich.pipeline import enrich_batch  # spaCy: load only when asked
    from newsflow.enrich.records import InRecord, process_records

    inputs: list[InRecord] = []
    undecodable = 0
    for record in records:
        try:
            read(record.value, RAW)  # read again by process_records: cheap next to spaCy
        except DecodeError:
            undecodable += 1
            continue
        headers = tuple(record.headers or ())
        inputs.append(
            InRecord(record.topic, record.partition, record.offset, record.key, record.value, headers)
        )
    return (process_records(inputs, enrich_batch) if inputs else []), undecodable


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


class _Producer:
    """An idempotent producer, started on first use, that waits for Kafka's acknowledgement."""

    def __init__(self, kafka: KafkaSettings, settings: IndexerSettings) -> None:
        self.kafka = kafka
        self.settings = settings
        self.producer: AIOKafkaProducer | None = None

    async def send(self, message: Message) -> asyncio.Future[Any]:
        """A :data:`newsflow.kafka.Send` that starts the producer on first use."""
        if self.producer is None:
            producer = make_producer(self.kafka)
            await producer.start()
            self.producer = producer
        return await producer_send(self.producer)(message)

    def backoff(self) -> Backoff:
        return Backoff(self.settings.backoff_initial_seconds, self.settings.backoff_max_seconds)

    async def send_all(self, messages: Sequence[Message]) -> list[Any]:
        """Produce ``messages`` in order; per message its metadata or Kafka's refusal for good."""
        if not messages:
            return []
        return await send_until_acked(self.send, messages, backoff=self.backoff())

    async def stop(self) -> None:
        if self.producer is not None:
            await self.producer.stop()


class _Replayer:
    """Reads assigned partitions up to given end offsets and writes them into one index."""

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        es: AsyncElasticsearch,
        settings: IndexerSettings,
        report: ReindexReport,
        *,
        reenrich: bool,
        republish: bool,
        topics: TopicSettings,
        producer: _Producer,
        alias: str,
    ) -> None:
        self.consumer = consumer
        self.es = es
        self.settings = settings
        self.report = report
        self.reenrich = reenrich
        self.republish = republish
        self.topics = topics
        self.producer = producer
        self.backoff = Backoff(settings.backoff_initial_seconds, settings.backoff_max_seconds)
        # Stories are looked up through the alias: the old index during the replay (so stories keep
        # their ids across a rebuild), the new one during the catch-up after the swap.
        self.stories = StoryAssigner(
            es, alias, backoff=Backoff(settings.backoff_initial_seconds, settings.backoff_max_seconds)
        )

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
        """Settle one batch: every document indexed, conflicted or dead-lettered (None: count only)."""
        report = self.report
        report.records += len(records)
        if self.reenrich:
            batch = await self._re_enriched(records, index)
        else:
            batch = to_actions(
                (Origin.of(r.topic, r.partition, r.offset, r.key, r.value, r.headers) for r in records),
                index=index or DRY_RUN_INDEX,
                indexed_at=datetime.now(UTC),
                equal_revision_wins=True,
            )
            report.undecodable += len(batch.undecodable)  # the live indexer dead-lettered them
        if index is None:
            deletes = sum(1 for action in batch.actions if action.op == "delete")
            report.deleted += deletes
            report.indexed += len(batch.actions) - deletes
            return
        if not batch.actions:
            return
        batch.actions = await self.stories.assign(batch.actions)
        results, _ = await bulk_until_settled(self.es, batch.actions, backoff=self.backoff)
        settled = settle(batch.actions, batch.pending, results, acked_at=time.time())
        report.indexed += settled.indexed
        report.deleted += settled.deleted
        report.conflicts += settled.conflicts
        report.rejected += len(settled.letters)
        room = max(0, 10 - len(report.rejections))
        report.rejections += [
            f"{letter.article_id or letter.key}: {letter.reason}" for _, letter in settled.letters[:room]
        ]
        await send_dead_letters(
            self.producer.send, settled.letters, self.topics.dlq, backoff=self.producer.backoff()
        )
        report.dead_lettered += len(settled.letters)

    async def _re_enriched(self, records: Sequence[Record], index: str | None) -> Actions:
        """Raw records enriched again; republished and dead-lettered (acknowledged) before indexing."""
        report = self.report
        outputs, undecodable = await asyncio.to_thread(re_enrich, records)
        report.undecodable += undecodable
        report.enrichment_failures += sum(1 for out in outputs if out.destination == "dlq")
        if index is None:
            for out in outputs:
                if out.kind == "retraction":
                    report.deleted += 1
                elif out.kind == "enriched":
                    report.indexed += 1
            return Actions()
        # Kafka first, in input order: the enriched topic then holds what the new index will hold.
        produced = [out for out in outputs if out.destination == "dlq" or self.republish]
        acks = await self.producer.send_all([self._message(out) for out in produced])
        documents: list[tuple[OutRecord, RecordMetadata | None]] = []
        if not self.republish:
            documents = [(out, None) for out in outputs if out.destination == "enriched"]
        refused: list[Message] = []
        for out, ack in zip(produced, acks, strict=True):
            if not isinstance(ack, RecordMetadata):
                if out.destination == "dlq":
                    raise RuntimeError(f"Kafka refused a dead letter for {out.key!r}: {ack!r}")
                # too large for Kafka: dead-lettered and not indexed, like the worker does
                refused.append(self._message(self._refused_letter(out, ack)))
            elif out.destination == "dlq":
                report.dead_lettered += 1
                log.warning(
                    "reindex dead-lettered stage=enrichment key=%r error_type=%s", out.key, out.error_type
                )
            else:
                report.republished += 1
                documents.append((out, ack))
        await send_letters(self.producer.send, refused, backoff=self.producer.backoff())
        report.dead_lettered += len(refused)
        origins = (
            Origin.of(
                where.topic if where else None,
                where.partition if where else None,
                where.offset if where else None,
                out.key,
                out.value,
                out.headers,
            )
            for out, where in documents
        )
        # decoded again from the bytes written: what a plain rebuild would read back
        return to_actions(origins, index=index, indexed_at=datetime.now(UTC), equal_revision_wins=True)

    def _message(self, out: OutRecord) -> Message:
        topic = self.topics.enriched if out.destination == "enriched" else self.topics.dlq
        return Message(topic, out.key, out.value, out.headers)

    @staticmethod
    def _refused_letter(out: OutRecord, error: Exception) -> OutRecord:
        from newsflow.enrich.records import to_dead_letter

        return to_dead_letter(
            out.source, type(error).__name__, f"producing the enriched record failed: {error}"
        )


async def reindex(
    *,
    es: AsyncElasticsearch,
    es_settings: ElasticsearchSettings,
    kafka: KafkaSettings,
    topic: str,
    settings: IndexerSettings | None = None,
    topics: TopicSettings | None = None,
    re_enrich_raw: bool = False,
    republish: bool = True,
    dry_run: bool = False,
    delete_old: bool = False,
    progress: Progress | None = None,
) -> ReindexReport:
    """Replay ``topic`` into a new index version and swap ``es_settings.alias`` to it.

    ``topic`` is the enriched topic, or the raw topic with ``re_enrich_raw``; then, with ``republish``,
    every re-enriched record is also produced to ``topics.enriched``. Dead letters go to ``topics.dlq``.
    In a dry run nothing is written or produced: the topic is read (and re-enriched) and counted. With
    ``delete_old`` the old indices are deleted in the same atomic alias update; otherwise they are kept
    (detached from the alias) for a rollback.
    """
    settings = settings or IndexerSettings()
    topics = topics or TopicSettings()
    if re_enrich_raw and republish and topic == topics.enriched:
        raise ValueError(
            f"--re-enrich reads the raw topic, not the enriched topic {topic!r} it republishes to"
        )
    started = time.monotonic()
    report = ReindexReport(topic=topic, dry_run=dry_run)
    consumer = make_consumer(
        kafka, group_id=None, max_poll_records=settings.batch_max_docs, fetch_max_bytes=52_428_800
    )
    producer = _Producer(kafka, settings)
    await consumer.start()
    try:
        partitions = await topic_partitions(kafka, topic)
        consumer.assign(partitions)
        begin = await consumer.beginning_offsets(partitions)
        end = await consumer.end_offsets(partitions)
        replayer = _Replayer(
            consumer,
            es,
            settings,
            report,
            reenrich=re_enrich_raw,
            republish=republish,
            topics=topics,
            producer=producer,
            alias=es_settings.alias,
        )
        index: str | None = None
        if not dry_run:
            analysis = await detect_analysis(es, settings.analyzer)
            await put_template(es, es_settings, analysis)
            index = await create_index_version(es, es_settings, analysis=analysis, refresh_interval="-1")
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
        try:
            await consumer.stop()
        finally:
            await producer.stop()
    report.seconds = time.monotonic() - started
    log.info(
        "reindex done topic=%s index=%s records=%d indexed=%d deleted=%d conflicts=%d rejected=%d "
        "undecodable=%d enrichment_failures=%d republished=%d dead_lettered=%d caught_up=%d seconds=%.1f",
        topic,
        report.new_index,
        report.records,
        report.indexed,
        report.deleted,
        report.conflicts,
        report.rejected,
        report.undecodable,
        report.enrichment_failures,
        report.republished,
        report.dead_lettered,
        report.caught_up,
        report.seconds,
    )
    return report
