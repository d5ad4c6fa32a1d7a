"""Enrichment worker: consumes ``news.articles.raw``, produces ``news.articles.enriched`` (keyed by
article id) and sends what it cannot process to ``news.articles.dlq`` with the reason.

A faust-streaming app. Events are taken in time-bounded batches; the CPU-bound enrichment of a batch
runs in a thread so the event loop keeps serving heartbeats, the web server and metrics. Outputs are
produced and confirmed before the batch's events are acknowledged (faust commits acknowledged
offsets only), and every failure is handled inside the agent: faust would ack an event whose agent
raised. Producing is retried with backoff until it succeeds (:func:`newsflow.kafka.send_until_acked`);
records Kafka refuses for good (too large) are dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import faust
from aiokafka.errors import KafkaError
from faust.types import EventT, StreamT
from faust.web import Request, Response, View
from prometheus_client import generate_latest

from newsflow.enrich.metrics import EnrichmentMetrics
from newsflow.enrich.pipeline import Enricher
from newsflow.enrich.records import InRecord, OutRecord, process_records, to_dead_letter
from newsflow.enrich.settings import EnrichmentSettings
from newsflow.kafka import (
    REFUSED_FOR_GOOD,
    Message,
    Send,
    faust_broker_kwargs,
    make_faust_producer_idempotent,
    send_until_acked,
)
from newsflow.retry import Backoff
from newsflow.serde import HEADER_TRACEPARENT, header
from newsflow.settings import KafkaSettings, TopicSettings
from newsflow.tracing import parse_traceparent

log = logging.getLogger(__name__)

_MAX_BACKOFF_S = 30.0
_METRICS_CONTENT_TYPE = "text/plain; version=0.0.4"
LAG_INTERVAL_S = 5.0


def _headers(raw: Any) -> tuple[tuple[str, bytes], ...]:
    if not raw:
        return ()
    items = raw.items() if isinstance(raw, Mapping) else raw
    return tuple((str(k), v if isinstance(v, bytes) else str(v).encode()) for k, v in items)


def in_record(event: EventT[bytes]) -> InRecord:
    """What the pure code needs from a faust event: the value and where it came from."""
    msg = event.message
    return InRecord(msg.topic, msg.partition, msg.offset, msg.key, msg.value, _headers(msg.headers))


def faust_send(topics: Mapping[str, faust.TopicT]) -> Send:
    """The :data:`~newsflow.kafka.Send` of faust topics (``topic.send`` returns the ack's future)."""

    async def send(message: Message) -> asyncio.Future[Any]:
        ack = await topics[message.topic].send(
            key=message.key, value=message.value, headers=list(message.headers)
        )
        return asyncio.ensure_future(ack)  # faust's FutureMessage is a future already: returned as is

    return send


def resolve_port(host: str, port: int) -> int:
    """``port``, or a free port on ``host`` when it is 0 (faust refuses port 0)."""
    if port:
        return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        free: int = sock.getsockname()[1]
        return free


class EnrichmentWorker:
    """The faust app, its topics and the batch handler, built from settings (the composition root)."""

    def __init__(
        self,
        kafka: KafkaSettings,
        topics: TopicSettings,
        settings: EnrichmentSettings,
        enricher: Enricher | None = None,
    ) -> None:
        self.settings = settings
        self.topic_settings = topics
        self.enricher = enricher or Enricher.load(settings)
        self.metrics = EnrichmentMetrics()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="enrich")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.web_port = resolve_port(settings.web_host, settings.web_port)
        self.app = faust.App(
            settings.group_id,
            **faust_broker_kwargs(kafka),
            datadir=str(settings.data_dir / "{conf.id}"),
            topic_partitions=topics.partitions,
            topic_replication_factor=topics.replication_factor,
            topic_disable_leader=True,
            consumer_auto_offset_reset="earliest",
            broker_commit_interval=1.0,
            broker_commit_every=max(settings.batch_size, 100),
            stream_wait_empty=True,
            producer_acks=-1,
            producer_linger_ms=5,
            web_enabled=True,
            web_host=settings.web_host,
            web_bind=settings.web_host,
            web_port=self.web_port,
            web_stats_enabled=False,
            web_graph_enabled=False,
            web_tables_enabled=False,
            web_router_enabled=False,
            store="memory://",
            value_serializer="raw",
            key_serializer="raw",
        )
        make_faust_producer_idempotent(self.app)
        self.raw_topic = self._topic(topics.raw, topics.partitions)
        self.enriched_topic = self._topic(topics.enriched, topics.partitions)
        self.dlq_topic = self._topic(topics.dlq, max(1, topics.partitions // 4))
        self.app.agent(self.raw_topic, name="enrich")(self._agent)
        self.app.timer(LAG_INTERVAL_S)(self.update_lag)
        self.app.page("/metrics")(self._metrics_view())
        self.app.page("/healthz")(self._health_view())
        self.app.page("/readyz")(self._ready_view())
        self.send_failing = False
        self._send = faust_send({t.get_topic_name(): t for t in (self.enriched_topic, self.dlq_topic)})

    def _topic(self, name: str, partitions: int) -> faust.TopicT:
        return self.app.topic(
            name,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=partitions,
            internal=False,
        )

    async def _agent(self, stream: StreamT[bytes]) -> None:
        async for events in stream.take_events(  # type: ignore[attr-defined]
            self.settings.batch_size, within=self.settings.batch_timeout_s
        ):
            # take_events acks the batch when the loop body ends, even when cancelled: finish the
            # batch (produce and confirm) before letting a shutdown through, so no offset is
            # committed for a record whose output is not in Kafka.
            task = asyncio.ensure_future(self.handle_batch(events))
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                log.info("shutdown requested, finishing the current batch size=%d", len(events))
                await asyncio.wait_for(task, timeout=self.settings.shutdown_timeout_s)
                raise

    async def update_lag(self) -> None:
        """Set the lag gauge of every assigned partition: high watermark minus the committed offset."""
        consumer = self.app.consumer
        lags: dict[tuple[str, int], int] = {}
        for tp in consumer.assignment():
            try:
                highwater = consumer.highwater(tp)
            except (KafkaError, AssertionError, AttributeError):
                continue
            # faust tracks what it committed itself (the next offset to read); before its first commit
            # on this partition, the fetch position is the best estimate.
            committed = consumer._committed_offset.get(tp)  # type: ignore[attr-defined]
            if committed is None:
                try:
                    committed = await consumer.position(tp)
                except KafkaError:
                    continue
            if highwater is None or committed is None:
                continue
            lags[(tp.topic, tp.partition)] = max(0, highwater - committed)
        self.metrics.consumer_lag.clear()
        for (topic, partition), lag in lags.items():
            self.metrics.consumer_lag.labels(topic, str(partition)).set(lag)

    async def handle_batch(self, events: Sequence[EventT[bytes]]) -> None:
        """Enrich a batch in the worker thread, then produce and confirm every output."""
        started = time.perf_counter()
        records = [in_record(event) for event in events]
        self.metrics.consumed.inc(len(records))
        self.metrics.batch_size.observe(len(records))
        loop = asyncio.get_running_loop()
        outputs = await loop.run_in_executor(
            self.executor, process_records, records, self.enricher.enrich_batch
        )
        enrich_s = time.perf_counter() - started
        delivered = await self.deliver(outputs)
        elapsed = time.perf_counter() - started
        self.metrics.batch_seconds.observe(elapsed)
        self.metrics.article_seconds.observe(enrich_s / max(len(records), 1))
        self.metrics.last_batch.set_to_current_time()
        dlq = sum(1 for o in delivered if o.destination == "dlq")
        log.info(
            "batch done size=%d enriched=%d dlq=%d enrich_s=%.3f total_s=%.3f",
            len(records),
            len(outputs) - dlq,
            dlq,
            enrich_s,
            elapsed,
        )

    def _message(self, out: OutRecord) -> Message:
        topic = self.topic_settings.enriched if out.destination == "enriched" else self.topic_settings.dlq
        return Message(topic, out.key, out.value, out.headers)

    def _send_failed(self, exc: BaseException) -> None:
        self.send_failing = True
        self.metrics.send_retries.inc()

    async def _produce(self, outputs: Sequence[OutRecord]) -> list[Any]:
        """Produce in order until Kafka acknowledged all; per record, its ack or its refusal."""
        results = await send_until_acked(
            self._send,
            [self._message(o) for o in outputs],
            backoff=Backoff(initial=self.settings.produce_backoff_s, maximum=_MAX_BACKOFF_S),
            on_retry=self._send_failed,
        )
        self.send_failing = False
        return results

    async def deliver(self, outputs: Sequence[OutRecord]) -> list[OutRecord]:
        """Produce every output and wait for Kafka; an output Kafka refuses for good is dead-lettered.

        Returns the records that went out (a refused output replaced by its dead letter).
        """
        delivered = list(outputs)
        refused: list[int] = []
        for i, result in enumerate(await self._produce(outputs)):
            if isinstance(result, REFUSED_FOR_GOOD):
                out = outputs[i]
                log.warning(
                    "record refused by Kafka, dead-lettering topic=%s partition=%d offset=%d error=%r",
                    out.source.topic,
                    out.source.partition,
                    out.source.offset,
                    result,
                )
                reason = f"producing the enriched record failed: {result}"
                delivered[i] = to_dead_letter(out.source, type(result).__name__, reason)
                refused.append(i)
        if refused:
            letters = [delivered[i] for i in refused]
            for result in await self._produce(letters):
                if isinstance(result, BaseException):
                    raise result  # not even the dead letter fits: never ack a record that went nowhere
        for out in delivered:
            self._count(out)
        return delivered

    def _count(self, out: OutRecord) -> None:
        if out.destination != "dlq":
            self.metrics.processed.labels(out.kind).inc()
            return
        self.metrics.dead_lettered.labels(out.error_type or "unknown").inc()
        trace = parse_traceparent(header(out.source.headers, HEADER_TRACEPARENT))
        article_id = out.key.decode(errors="replace") if out.key else None
        trace_id = trace.trace_id if trace else None
        log.warning(
            "dead-lettered stage=enrichment topic=%s partition=%d offset=%d article_id=%s "
            "error_type=%s trace_id=%s",
            out.source.topic,
            out.source.partition,
            out.source.offset,
            article_id,
            out.error_type,
            trace_id,
            extra={"article_id": article_id, "trace_id": trace_id},
        )

    def _metrics_view(self) -> type[View]:
        registry = self.metrics.registry

        class MetricsView(View):
            async def get(self, request: Request) -> Response:
                # aiohttp refuses a charset inside content_type; the exposition format is UTF-8 anyway.
                return self.bytes(generate_latest(registry), content_type=_METRICS_CONTENT_TYPE)

        return MetricsView

    def _health_view(self) -> type[View]:
        app = self.app

        class HealthView(View):
            async def get(self, request: Request) -> Response:
                # Served by the same event loop as the agent: an answer proves the loop is not starved.
                return self.json({"status": "ok", "app": app.conf.id})

        return HealthView

    def ready(self) -> tuple[bool, str]:
        """Ready when the consumer runs, its group is not rebalancing and producing to Kafka works."""
        if not self.app.producer.started or not self.app.consumer.started:
            return False, "kafka clients not started"
        if self.send_failing:
            return False, "producing to kafka is failing (retrying)"
        if self.app.rebalancing:
            return False, "consumer group rebalancing"
        return True, "ok"

    def _ready_view(self) -> type[View]:
        worker = self

        class ReadyView(View):
            async def get(self, request: Request) -> Response:
                ok, reason = worker.ready()
                return self.json({"ready": ok, "reason": reason}, status=200 if ok else 503)

        return ReadyView
